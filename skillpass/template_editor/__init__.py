"""The passport-template editor: one blueprint, its routes in two modules — views (the list of passports,
a passport's name, status and copy) and structure (its sections and items)."""
from skillpass.template_editor import structure, views
from skillpass.template_editor import files  # noqa: E402  (a template as a file: issue 18)

bp = views.bp

__all__ = ["bp", "files", "structure", "views"]
