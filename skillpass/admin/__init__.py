"""The admin screens: one blueprint, its routes in three modules — views (home, settings, teams, the imports'
upload and confirmation), rules (assignment rules) and imports (an import's page, revoked in one action)."""
from skillpass.admin import email, imports, rules, sso, views

bp = views.bp

__all__ = ["bp", "email", "imports", "rules", "sso", "views"]
