"""The admin screens: one blueprint, its routes in two modules — views (home, settings, teams, rules, the
imports' upload and confirmation) and imports (an import's page, revoked in one action)."""
from skillpass.admin import imports, views

bp = views.bp

__all__ = ["bp", "imports", "views"]
