"""What needs a person now, at the top of their passport: the rows that call for them, in the order to act,
with the words each line says, worked out from the passport already built (no query of its own)."""
from __future__ import annotations

from dataclasses import dataclass

from skillpass import rules
from skillpass.services.entries import EQUIVALENT_KIND
from skillpass.services.passport import Passport, Row
from skillpass.subjects import subject_key


@dataclass
class Need:
    """One line of "What needs you now": the row, why it is listed, and the words after the item's name."""
    row: Row
    kind: str          # "overdue", "expired", "expiring", "rejected", "due-soon", "awaiting"
    words: str         # "Expires in 23 days (15 Jan 2028)"
    reason: str = ""   # a rejection's reason, when the latest entry was rejected

    @property
    def tag(self) -> tuple[str, str]:
        """The word and the NHS.UK tag colour the line starts with (the colour never without its word)."""
        if self.kind == "rejected":
            return self.row.rejected.status.label, "red"
        return _TAGS[self.kind]

    @property
    def can_record(self) -> bool:
        """Whether the line offers Record: not while an entry awaits sign-off (the row offers Withdraw)."""
        return self.row.pending is None


_TAGS = {
    "overdue": (rules.Status.OVERDUE.label, rules.Status.OVERDUE.colour),
    "expired": (rules.Status.EXPIRED.label, rules.Status.EXPIRED.colour),
    "expiring": (rules.Status.EXPIRING.label, rules.Status.EXPIRING.colour),
    "due-soon": (rules.Status.TODO.label, rules.Status.TODO.colour),
    "awaiting": ("Awaiting sign-off", "yellow"),
}


def needs(passport: Passport) -> list[Need]:
    """What needs the person now, in the order to act: overdue and expired items (longest first), then
    expiring (soonest first), then rejected entries, then items to do that are due within the warning
    window (soonest first), mandatory items before optional ones; last, what waits for someone else."""
    today = passport.today
    ranked: list[tuple] = []
    for row in passport.rows:
        state = row.state
        if not state.required:
            continue
        reason = row.rejected.decision_reason if row.rejected is not None and row.pending is None else ""
        optional = 0 if state.mandatory else 1
        if state.awaiting:
            ranked.append(((9, optional, row.pending.recorded_at.date(), row.item.position),
                           Need(row, "awaiting", f"waiting for {waiting_words(passport, row)}")))
            continue
        status = state.status
        if state.mandatory and status is rules.Status.OVERDUE:
            ranked.append(((0, 0, state.due.on, row.item.position), Need(
                row, "overdue", f"was due {rules.format_date(state.due.on)} "
                                f"({rules.days_from(today, state.due.on)})", reason)))
        elif state.mandatory and status is rules.Status.EXPIRED:
            ranked.append(((0, 0, state.expires_on, row.item.position), Need(
                row, "expired", f"expired {rules.format_date(state.expires_on)} "
                                f"({rules.days_from(today, state.expires_on)}){renewal_words(state)}", reason)))
        elif state.mandatory and status is rules.Status.EXPIRING:
            ranked.append(((1, 0, state.expires_on, row.item.position), Need(
                row, "expiring", f"{rules.expires_in(today, state.expires_on)} "
                                 f"({rules.format_date(state.expires_on)}){renewal_words(state)}", reason)))
        elif reason:
            ranked.append(((2, optional, row.rejected.recorded_at.date(), row.item.position), Need(
                row, "rejected", f"the entry of {rules.format_date(row.rejected.completed_on)} was "
                                 f"{row.rejected.status.label.lower()}"
                                 f"{' by ' + row.rejected.decided_by_name if row.rejected.decided_by_name else ''}",
                reason)))
        elif state.mandatory and status is rules.Status.TODO and state.due is not None \
                and (state.due.on - today).days <= passport.warning_days:
            ranked.append(((3, 0, state.due.on, row.item.position), Need(
                row, "due-soon", f"due {rules.days_from(today, state.due.on)} "
                                 f"({rules.format_date(state.due.on)})")))
    ranked.sort(key=lambda pair: pair[0])
    # A subject held in two passports is one thing to do: its first row stands for both.
    seen: set = set()
    out = []
    for _, need in ranked:
        key = subject_key(need.row.item.id, need.row.item.code)
        if key not in seen:
            seen.add(key)
            out.append(need)
    return out


def renewal_words(state: rules.ItemState) -> str:
    """What renewing an item with a refresher needs (PRODUCT.md §6.3), after its dates: ": full course needed",
    ": refresher due by 3 Jun 2026"; "" otherwise."""
    if state.renewal == rules.FULL_COURSE_NEEDED:
        return f": {rules.FULL_COURSE_NEEDED}"
    if state.renewal == rules.REFRESHER_DUE and state.renew_by is not None:
        return f": {rules.REFRESHER_DUE} by {rules.format_date(state.renew_by)}"
    return ""


def waiting_words(passport: Passport, row: Row) -> str:
    """Whom an entry awaiting sign-off waits for, in the learner's words."""
    who = f"an educator of {passport.person.team.name}" if passport.person.team is not None else "an educator"
    kind = row.waiting_for
    if kind == EQUIVALENT_KIND:
        return f"{who} or an admin to approve the equivalent training"
    if kind == "competency":
        return f"{who} to sign off the competency"
    if kind == "evidence check":
        return f"{who} to check the evidence"
    return f"{who} to confirm it"


def next_due(passport: Passport) -> tuple[Row, str] | None:
    """The next date a mandatory item falls due or starts to expire, when nothing needs the person now."""
    best = None
    for row in passport.rows:
        state = row.state
        if not state.counts or state.awaiting:
            continue
        if state.completed_on is None and state.due is not None and state.due.on >= passport.today:
            on, words = state.due.on, f"due {rules.format_date(state.due.on)}"
        elif state.expires_on is not None and state.expires_on > passport.today:
            on, words = state.expires_on, f"expires {rules.format_date(state.expires_on)}"
        else:
            continue
        if best is None or on < best[0]:
            best = (on, row, words)
    return (best[1], best[2]) if best else None
