"""The people screens: the list and an admin's people pages (views), and invitations by email (invitations)."""
from skillpass.people import invitations, views

__all__ = ["invitations", "views"]
