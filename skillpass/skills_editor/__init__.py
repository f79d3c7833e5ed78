"""The skills framework editor (admins): frameworks, their areas and statements, exemptions and routes.

Two modules of routes: views (the list, a framework's name, status and copy, its exemptions and routes) and
parts (its areas and their statements)."""
from skillpass.skills_editor import parts, views

bp = views.bp

__all__ = ["bp", "parts", "views"]
