"""The admin blueprint: its routes in two modules, views (home, settings, teams, imports) and rules
(assignment rules)."""
from skillpass.admin import rules, views

bp = views.bp

__all__ = ["bp", "rules", "views"]
