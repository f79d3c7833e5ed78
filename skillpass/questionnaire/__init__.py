"""The questionnaire, the qualification inventory (PRODUCT.md §6.4): answering it (views: one's own, and an
admin's for someone), the admin's editor (editor) and the recommendations waiting for approval (queue)."""
from skillpass.questionnaire import editor, queue, views

bp = views.bp

__all__ = ["bp", "editor", "queue", "views"]
