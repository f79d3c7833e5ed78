"""My passport and a person's passport (views), and the informal learning log's edits (informal)."""
from skillpass.passport import informal, views

bp = views.bp

__all__ = ["bp", "informal", "views"]
