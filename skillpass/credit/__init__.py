"""Credit across passports (admins): "holding X counts as Y" — the mappings, a new one, ending one."""
from skillpass.credit import views

bp = views.bp

__all__ = ["bp", "views"]
