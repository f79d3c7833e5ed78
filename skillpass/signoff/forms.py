"""The sign-off queue's own form (a decision on one row is skillpass.forms.DecisionForm, shared with the
passport)."""
from __future__ import annotations

from skillpass.forms import IdsField, PostedForm


class ApproveSelectedForm(PostedForm):
    """The entries ticked for approving together: every valid id, each once, in the order sent."""
    entry = IdsField()
