"""The passport-template editor: one blueprint, its routes in two modules — views (the list of passports,
a passport's name, status and copy) and structure (its sections and items)."""
from skillpass.template_editor import structure, views

bp = views.bp

__all__ = ["bp", "structure", "views"]
