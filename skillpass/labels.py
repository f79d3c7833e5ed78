"""Words people see for names the code keeps: fields, and the actions the audit log records.

A low module (no database, no Flask): services write with it, views and templates read it.
"""
from __future__ import annotations

import datetime as dt
import enum

# The words people see for the fields the code and the audit log record.
FIELD_LABELS = {
    "frequency_months": "frequency",
    "section_id": "section",
    "team_id": "team",
    "item_id": "item",
    "person_id": "person",
    "template_id": "passport",
    "evidence_id": "evidence file",
    "decided_by_id": "decided by",
    "offset_amount": "due offset",
    "offset_unit": "due offset unit",
    "prior_learning_accepted": "prior learning accepted",
    "confirmation": "how a learner's record counts",
    "warning_days": "warning window",
    "max_upload_mb": "upload size limit",
    "organisation_name": "organisation name",
    "reject_reasons": "common reasons for rejecting",
    "employee_number": "employee number",
    "start_date": "start date",
    "job_role": "job role",
}


def field_label(name: str) -> str:
    """"frequency_months" -> "frequency": a field's name as people say it."""
    return FIELD_LABELS.get(name, name.replace("_", " "))


def field_labels(names) -> str:
    return ", ".join(field_label(n) for n in names)


# How each field's value reads in a change ("renew every 24 → 12 months"): its words and a function of the
# stored value (as the audit log keeps it: plain strings, numbers, booleans, None).
def _months(v) -> str:
    return "once" if v in (None, "") else f"{v} {'month' if int(v) == 1 else 'months'}"


_VALUE_WORDS = {
    "kind": {"learning": "learning", "competency": "competency (an educator signs it off)"},
    "confirmation": {"at_once": "at once", "evidence": "with evidence checked by an educator",
                     "educator": "after an educator's confirmation"},
    "evidence": {"none": "not asked for", "optional": "optional", "required": "required"},
    "mandatory": {True: "mandatory", False: "optional"},
    "prior_learning_accepted": {True: "accepted", False: "not accepted"},
    "role": {"learner": "learner", "educator": "educator", "admin": "admin"},
    "active": {True: "active", False: "deactivated"},
}
_CHANGE_WORDS = {
    "frequency_months": "renew every",
    "kind": "kind",
    "confirmation": "a learner's own record counts",
    "evidence": "evidence",
    "prior_learning_accepted": "prior learning",
    "section_id": "section",
    "warning_days": "warning window",
    "max_upload_mb": "upload size limit",
}
_UNITS = {"warning_days": "days", "max_upload_mb": "MB"}


def _offset(amount, unit) -> str:
    if amount in (None, ""):
        return "—"
    if int(amount) == 0:
        return "day one"
    unit = unit or "days"
    return f"{amount} {unit[:-1] if int(amount) == 1 else unit}"


def _value(field: str, value, names: dict) -> str:
    if value is None or value == "":
        return "once" if field == "frequency_months" else "none"
    if field in names:
        return names[field].get(value, str(value))
    words = _VALUE_WORDS.get(field)
    if words is not None:
        return words.get(value, str(value))
    if field in _UNITS:
        return str(value)
    if field.endswith(("_date", "_on")) and isinstance(value, str) and len(value) == 10:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return f"{day.day} {day.strftime('%b %Y')}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(f"“{v}”" for v in value) if value else "none"
    return f"“{value}”"


def describe_changes(before: dict, after: dict, names: dict | None = None) -> str:
    """What changed, in the form's words: "renew every 24 → 12 months", "due offset 2 weeks → 1 month",
    "title “Fire” → “Fire safety”", "mandatory → optional". *names* maps a field to words for its ids
    ({"section_id": {3: "Within 2 weeks"}}). Long text (a description) says only that it changed."""
    names = names or {}
    parts = []
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    if "offset_amount" in keys or "offset_unit" in keys:
        old = _offset(before.get("offset_amount", after.get("offset_amount")),
                      before.get("offset_unit", after.get("offset_unit")))
        new = _offset(after.get("offset_amount", before.get("offset_amount")),
                      after.get("offset_unit", before.get("offset_unit")))
        parts.append(f"due offset {old} → {new}")
        keys = [k for k in keys if k not in ("offset_amount", "offset_unit")]
    for key in keys:
        old, new = before.get(key), after.get(key)
        if key == "frequency_months":
            if old and new:
                parts.append(f"renew every {old} → {_months(new)}")
            else:
                parts.append(f"{'done once' if not old else 'renew every ' + _months(old)} → "
                             f"{'done once' if not new else 'renew every ' + _months(new)}")
        elif key in ("description", "reflection", "password_hash", "refresher_description"):
            parts.append(f"{field_label(key)} changed")
        elif key in ("mandatory", "active"):
            parts.append(f"{_value(key, old, names)} → {_value(key, new, names)}")
        else:
            unit = f" {_UNITS[key]}" if key in _UNITS else ""
            label = _CHANGE_WORDS.get(key, field_label(key))
            parts.append(f"{label} {_value(key, old, names)} → {_value(key, new, names)}{unit}")
    return ", ".join(parts)


class Action(enum.StrEnum):
    """Every action the audit log records: its stored value (never changed: old rows keep reading) and its words.

    The members are listed in the order the audit log's filter offers them."""

    ENTRY_RECORDED = "entry.recorded"
    ENTRY_SIGNED_OFF = "entry.signed_off"
    ENTRY_APPROVED = "entry.approved"
    ENTRY_REJECTED = "entry.rejected"
    ENTRY_APPROVAL_UNDONE = "entry.approval_undone"
    ENTRY_WITHDRAWN = "entry.withdrawn"
    ENTRY_REVOKED = "entry.revoked"
    ENTRY_CORRECTED = "entry.corrected"
    INFORMAL_ADDED = "informal.added"
    INFORMAL_EDITED = "informal.edited"
    INFORMAL_REMOVED = "informal.removed"
    PERSON_TEAMS_CHANGED = "person.teams_changed"
    PERSON_PASSWORD_CHANGED = "person.password_changed"  # nosec B105 - an action's name, not a password
    AUTH_SIGNED_IN = "auth.signed_in"
    SETTINGS_CHANGED = "settings.changed"
    PERSON_CREATED = "person.created"
    PERSON_CHANGED = "person.changed"
    PERSON_DEACTIVATED = "person.deactivated"
    PERSON_REACTIVATED = "person.reactivated"
    PERSON_PASSWORD_RESET = "person.password_reset"  # nosec B105 - an action's name, not a password
    ASSIGNMENT_ADDED = "assignment.added"
    ASSIGNMENT_REMOVED = "assignment.removed"
    IMPORT_PEOPLE = "import.people"
    IMPORT_COMPLETIONS = "import.completions"
    ENTRY_IMPORTED = "entry.imported"
    IMPORT_REVOKED = "import.revoked"
    RULE_CREATED = "rule.created"
    RULE_ARCHIVED = "rule.archived"
    TEAM_CREATED = "team.created"
    TEAM_RENAMED = "team.renamed"
    TEAM_ARCHIVED = "team.archived"
    TEAM_RESTORED = "team.restored"
    DEMO_SEEDED = "demo.seeded"
    TEMPLATE_CREATED = "template.created"
    TEMPLATE_CHANGED = "template.changed"
    TEMPLATE_PUBLISHED = "template.published"
    TEMPLATE_ARCHIVED = "template.archived"
    TEMPLATE_RESTORED = "template.restored"
    TEMPLATE_COPIED = "template.copied"
    SECTION_ADDED = "section.added"
    SECTION_CHANGED = "section.changed"
    SECTION_MOVED = "section.moved"
    SECTION_REMOVED = "section.removed"
    ITEM_ADDED = "item.added"
    ITEM_CHANGED = "item.changed"
    ITEM_MOVED = "item.moved"
    ITEM_ARCHIVED = "item.archived"
    ITEM_REMOVED = "item.removed"
    ITEM_RESTORED = "item.restored"
    PRINT_REQUESTED = "print.requested"
    SESSION_RECORDED = "session.recorded"
    # The calendar feed (issue 15, part B)
    CALENDAR_ADDRESS_MADE = "calendar.address_made"
    CALENDAR_ADDRESS_RESET = "calendar.address_reset"
    # Email: invitations and password resets (issue 15, part A).
    PERSON_INVITED = "person.invited"
    INVITATION_ACCEPTED = "auth.invitation_accepted"
    PASSWORD_RESET_SENT = "auth.password_reset_sent"  # nosec B105 - an action's name, not a password
    PASSWORD_RESET_DONE = "auth.password_reset_done"  # nosec B105 - an action's name, not a password
    # Single sign-on (issue 15, part C)
    AUTH_SIGNED_IN_SSO = "auth.signed_in_sso"
    # Notifications and digests (issue 15, part D)
    EMAIL_CHOICES_CHANGED = "email.choices_changed"
    EMAIL_UNSUBSCRIBED = "email.unsubscribed"
    # Confirmed levels and targets (issue 16, part C)
    SKILL_LEVEL_CONFIRMED = "skill.level_confirmed"
    SKILL_TARGET_SET = "skill.target_set"
    SKILL_TARGET_CLEARED = "skill.target_cleared"
    SKILL_ROLE_TARGETS_SET = "skill.role_targets_set"
    # Skills frameworks: the editor, exemptions and routes (issue 16, part A)
    FRAMEWORK_CREATED = "framework.created"
    FRAMEWORK_CHANGED = "framework.changed"
    FRAMEWORK_PUBLISHED = "framework.published"
    FRAMEWORK_ARCHIVED = "framework.archived"
    FRAMEWORK_COPIED = "framework.copied"
    SKILL_EXEMPTION_ADDED = "skill_exemption.added"
    SKILL_EXEMPTION_RETIRED = "skill_exemption.retired"
    SKILL_ROUTE_ADDED = "skill_route.added"
    SKILL_ROUTE_RETIRED = "skill_route.retired"
    # Self-assessment (issue 16, part B)
    SELF_ASSESSMENT_STARTED = "skills.self_assessment_started"
    SELF_ASSESSMENT_SUBMITTED = "skills.self_assessment_submitted"
    # Credit across passports: "holding X counts as Y" (issue 17, part C)
    CREDIT_MAPPING_CREATED = "credit.mapping_created"
    CREDIT_MAPPING_ENDED = "credit.mapping_ended"
    # The questionnaire and its recommendations (issue 17, part D)
    QUESTION_ADDED = "question.added"
    QUESTION_CHANGED = "question.changed"
    QUESTION_MOVED = "question.moved"
    QUESTION_ARCHIVED = "question.archived"
    QUESTION_RESTORED = "question.restored"
    QUESTION_REMOVED = "question.removed"
    QUESTIONNAIRE_ANSWERED = "questionnaire.answered"
    RECOMMENDATION_MADE = "recommendation.made"
    RECOMMENDATION_SUPERSEDED = "recommendation.superseded"
    RECOMMENDATION_APPROVED = "recommendation.approved"
    RECOMMENDATION_DECLINED = "recommendation.declined"
    # Transferable, verifiable passports (issue 18)
    SIGNING_KEY_MADE = "signing_key.made"
    SIGNING_KEY_ROTATED = "signing_key.rotated"
    CREDENTIALS_DOWNLOADED = "credentials.downloaded"
    VERIFY_LINK_MADE = "verify_link.made"
    VERIFY_LINK_WITHDRAWN = "verify_link.withdrawn"
    TRUSTED_ISSUER_ADDED = "trusted_issuer.added"
    TRUSTED_ISSUER_CHANGED = "trusted_issuer.changed"
    TRUSTED_ISSUER_ENDED = "trusted_issuer.ended"
    CREDENTIALS_IMPORTED = "credentials.imported"
    CREDENTIALS_REFUSED = "credentials.refused"
    TEMPLATE_EXPORTED = "template.exported"
    TEMPLATE_IMPORTED = "template.imported"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.ENTRY_RECORDED: "Entry recorded",
    Action.ENTRY_SIGNED_OFF: "Signed off",
    Action.ENTRY_APPROVED: "Approved",
    Action.ENTRY_REJECTED: "Rejected",
    Action.ENTRY_APPROVAL_UNDONE: "Approval undone",
    Action.ENTRY_WITHDRAWN: "Withdrawn",
    Action.ENTRY_REVOKED: "Revoked",
    Action.ENTRY_CORRECTED: "Corrected by the learner",
    Action.INFORMAL_ADDED: "Informal learning added",
    Action.INFORMAL_EDITED: "Informal learning edited",
    Action.INFORMAL_REMOVED: "Informal learning deleted",
    Action.PERSON_TEAMS_CHANGED: "Supported teams changed",
    Action.PERSON_PASSWORD_CHANGED: "Password changed",
    Action.AUTH_SIGNED_IN: "Signed in",
    Action.SETTINGS_CHANGED: "Settings changed",
    Action.PERSON_CREATED: "Person added",
    Action.PERSON_CHANGED: "Person changed",
    Action.PERSON_DEACTIVATED: "Deactivated",
    Action.PERSON_REACTIVATED: "Reactivated",
    Action.PERSON_PASSWORD_RESET: "Temporary password set",
    Action.ASSIGNMENT_ADDED: "Passport assigned",
    Action.ASSIGNMENT_REMOVED: "Passport removed",
    Action.IMPORT_PEOPLE: "People imported",
    Action.IMPORT_COMPLETIONS: "Completions imported",
    Action.ENTRY_IMPORTED: "Entry imported",
    Action.IMPORT_REVOKED: "Import revoked",
    Action.RULE_CREATED: "Assignment rule added",
    Action.RULE_ARCHIVED: "Assignment rule archived",
    Action.TEAM_CREATED: "Team created",
    Action.TEAM_RENAMED: "Team renamed",
    Action.TEAM_ARCHIVED: "Team archived",
    Action.TEAM_RESTORED: "Team restored",
    Action.DEMO_SEEDED: "Demo data seeded",
    Action.TEMPLATE_CREATED: "Passport template created",
    Action.TEMPLATE_CHANGED: "Passport template changed",
    Action.TEMPLATE_PUBLISHED: "Passport template published",
    Action.TEMPLATE_ARCHIVED: "Passport template archived",
    Action.TEMPLATE_RESTORED: "Passport template restored",
    Action.TEMPLATE_COPIED: "Passport template copied",
    Action.SECTION_ADDED: "Section added",
    Action.SECTION_CHANGED: "Section changed",
    Action.SECTION_MOVED: "Section moved",
    Action.SECTION_REMOVED: "Section removed",
    Action.ITEM_ADDED: "Item added",
    Action.ITEM_CHANGED: "Item changed",
    Action.ITEM_MOVED: "Item moved",
    Action.ITEM_ARCHIVED: "Item archived",
    Action.ITEM_REMOVED: "Item removed",
    Action.ITEM_RESTORED: "Item restored",
    Action.PRINT_REQUESTED: "Bulk print requested",
    Action.SESSION_RECORDED: "Training session recorded",
    # The calendar feed (issue 15, part B)
    Action.CALENDAR_ADDRESS_MADE: "Calendar address made",
    Action.CALENDAR_ADDRESS_RESET: "Calendar address reset",
    Action.PERSON_INVITED: "Invited by email",
    Action.INVITATION_ACCEPTED: "Invitation accepted",
    Action.PASSWORD_RESET_SENT: "Password reset link sent",
    Action.PASSWORD_RESET_DONE: "Password reset by email",
    # Single sign-on (issue 15, part C)
    Action.AUTH_SIGNED_IN_SSO: "Signed in with SSO",
    # Notifications and digests (issue 15, part D)
    Action.EMAIL_CHOICES_CHANGED: "Email choices changed",
    Action.EMAIL_UNSUBSCRIBED: "Unsubscribed from an email",
    # Confirmed levels and targets (issue 16, part C)
    Action.SKILL_LEVEL_CONFIRMED: "Skill level confirmed",
    Action.SKILL_TARGET_SET: "Person's skill target set",
    Action.SKILL_TARGET_CLEARED: "Person's skill target removed",
    Action.SKILL_ROLE_TARGETS_SET: "Job role's skill targets set",
    # Skills frameworks: the editor, exemptions and routes (issue 16, part A)
    Action.FRAMEWORK_CREATED: "Skills framework created",
    Action.FRAMEWORK_CHANGED: "Skills framework changed",
    Action.FRAMEWORK_PUBLISHED: "Skills framework published",
    Action.FRAMEWORK_ARCHIVED: "Skills framework archived",
    Action.FRAMEWORK_COPIED: "Skills framework copied",
    Action.SKILL_EXEMPTION_ADDED: "Skill exemption added",
    Action.SKILL_EXEMPTION_RETIRED: "Skill exemption retired",
    Action.SKILL_ROUTE_ADDED: "Route to a skill level added",
    Action.SKILL_ROUTE_RETIRED: "Route to a skill level retired",
    # Self-assessment (issue 16, part B)
    Action.SELF_ASSESSMENT_STARTED: "Self-assessment started",
    Action.SELF_ASSESSMENT_SUBMITTED: "Self-assessment submitted",
    # Credit across passports: "holding X counts as Y" (issue 17, part C)
    Action.CREDIT_MAPPING_CREATED: "Credit mapping added",
    Action.CREDIT_MAPPING_ENDED: "Credit mapping ended",
    # The questionnaire and its recommendations (issue 17, part D)
    Action.QUESTION_ADDED: "Question added",
    Action.QUESTION_CHANGED: "Question changed",
    Action.QUESTION_MOVED: "Question moved",
    Action.QUESTION_ARCHIVED: "Question archived",
    Action.QUESTION_RESTORED: "Question restored",
    Action.QUESTION_REMOVED: "Question removed",
    Action.QUESTIONNAIRE_ANSWERED: "Questionnaire answered",
    Action.RECOMMENDATION_MADE: "Passport recommended",
    Action.RECOMMENDATION_SUPERSEDED: "Recommendation replaced by a later answer",
    Action.RECOMMENDATION_APPROVED: "Recommendation approved",
    Action.RECOMMENDATION_DECLINED: "Recommendation declined",
    # Transferable, verifiable passports (issue 18)
    Action.SIGNING_KEY_MADE: "Signing key made",
    Action.SIGNING_KEY_ROTATED: "Signing key rotated",
    Action.CREDENTIALS_DOWNLOADED: "Credentials downloaded",
    Action.VERIFY_LINK_MADE: "Verify link made",
    Action.VERIFY_LINK_WITHDRAWN: "Verify link withdrawn",
    Action.TRUSTED_ISSUER_ADDED: "Trusted issuer added",
    Action.TRUSTED_ISSUER_CHANGED: "Trusted issuer changed",
    Action.TRUSTED_ISSUER_ENDED: "Trusted issuer ended",
    Action.CREDENTIALS_IMPORTED: "Credentials imported",
    Action.CREDENTIALS_REFUSED: "Credentials refused",
    Action.TEMPLATE_EXPORTED: "Passport template exported",
    Action.TEMPLATE_IMPORTED: "Passport template imported",
}


def action_label(action: str) -> str:
    """The words for a stored action; one no longer written still reads ("team.merged" -> "Team: merged")."""
    try:
        return Action(action).label
    except ValueError:
        return action.replace(".", ": ").replace("_", " ").capitalize()


# Refreshers and certificates with their own expiry (issue 17, part A): the item's refresher and grace, an
# entry's activity and its certificate's expiry, in the words of the forms ("grace 0 → 3 months").
FIELD_LABELS.update({"refresher_title": "refresher", "refresher_description": "refresher's description",
                     "grace_months": "grace", "activity": "activity",
                     "certificate_expires_on": "certificate's expiry"})
_CHANGE_WORDS.update({"refresher_title": "refresher", "grace_months": "grace"})
_VALUE_WORDS["activity"] = {"initial": "initial activity", "refresher": "refresher"}
_UNITS["grace_months"] = "months"
