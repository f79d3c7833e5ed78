"""Signing in and out (views), and choosing a password from an email's one-time link (links)."""
from skillpass.auth import links, views

__all__ = ["links", "views"]
