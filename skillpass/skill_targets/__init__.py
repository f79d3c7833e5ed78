"""Confirmed levels and targets (PRODUCT.md §6.5): a person's skills page for staff, where an educator
confirms a level or sets the person's own target in place (views), and job roles' targets (roles, admins)."""
from skillpass.skill_targets import roles, views

bp = views.bp

__all__ = ["bp", "roles", "views"]
