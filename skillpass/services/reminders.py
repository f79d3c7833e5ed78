"""Digests (PRODUCT.md §6.7), sent by ``flask send-reminders`` (cli.py), usually once a day by a timer.

* Learners, weekly (``SKILLPASS_LEARNER_DIGEST_DAY``, Monday by default): what is due or expiring in the next
  ``SKILLPASS_DIGEST_DAYS`` (30) days, exactly as the date rules give it on their passport (each item with its
  date line and a link to it), and what is already overdue or expired. Nothing to say: no digest.
* Educators, daily: the entries of their sign-off queue, only when it is not empty.
* Educators, monthly (``SKILLPASS_LAPSE_SUMMARY_DAY``, the 1st by default): how many items, of how many people,
  lapse in the next 30, 60 and 90 days in the teams they support, and who lapses first.

Each message has a dedupe key naming the person and its period (``digest:learner:<id>:<ISO week>``,
``digest:queue:<id>:<date>``, ``digest:lapses:<id>:<month>``): a second run on the same day, or any later run
in the same period, sends nothing twice; a run that missed the day (a server down on Monday) sends the week's
or month's digest at the next run within that period. Failed messages are retried first.

Cost: one query for the people, one for their choices, then per learner the passport's own constant handful
(``build_passport``), per educator one query for their queue and one figures walk over their teams: bounded
per person, whatever the number of entries, and run once a night, not on a page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Person, Role
from skillpass.services import decisions, figures, mail, notifications
from skillpass.services.passport import Passport, Row, build_passport
from skillpass.services.settings import get_settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LAPSE_WINDOWS = (30, 60, 90)


@dataclass
class Report:
    sent: dict[str, int] = field(default_factory=lambda: {"learner": 0, "queue": 0, "lapses": 0, "retried": 0})
    failed: int = 0

    def count(self, kind: str, message) -> None:
        if message is None:
            return
        self.sent[kind] += 1
        if message.status.value == "failed":
            self.failed += 1


# ---------------------------------------------------------------- what a learner's digest lists

def date_of(row: Row) -> dt.date | None:
    """The date a passport row states: its expiry once done, else its due date; None when it has none."""
    state = row.state
    if state.status is rules.Status.NOT_REQUIRED:
        return None
    if state.completed_on is not None:
        return state.expires_on
    return state.due.on if state.due is not None else None


def coming_up(passport: Passport, *, today: dt.date, days: int) -> list[Row]:
    """The rows due or expiring from today to *days* days ahead, soonest first."""
    end = today + dt.timedelta(days=days)
    rows = [r for r in passport.rows if (on := date_of(r)) is not None and today <= on <= end]
    return sorted(rows, key=lambda r: (date_of(r), r.item.title))


def past(passport: Passport) -> list[Row]:
    """The required rows already overdue or expired."""
    return [r for r in passport.rows if r.state.status in (rules.Status.OVERDUE, rules.Status.EXPIRED)]


# ---------------------------------------------------------------- when each digest is due

def learner_digest_due(today: dt.date) -> bool:
    day = WEEKDAYS.index(current_app.config["LEARNER_DIGEST_DAY"])
    return today.weekday() >= day


def lapse_summary_due(today: dt.date) -> bool:
    return today.day >= current_app.config["LAPSE_SUMMARY_DAY"]


def _week(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------- the run

def run(*, today: dt.date, after_each: Callable[[], None] = lambda: None) -> Report:
    """Retry what failed, then send every digest due *today*. *after_each* runs after each message (the
    command commits there, so that a run stopped half way has recorded what it sent)."""
    report = Report()
    done, _still = mail.retry_failed()
    report.sent["retried"] = done
    after_each()
    people = list(db.session.scalars(select(Person).where(Person.active.is_(True), Person.email != "")
                                     .options(selectinload(Person.supported_teams)).order_by(Person.id)))
    choices = notifications.rows_for([p.id for p in people])
    settings = get_settings()
    passport_link = mail.link("passport.index")
    with mail.connection():
        if learner_digest_due(today):
            for person in people:
                if notifications.wants(choices, person.id, "learner_digest"):
                    report.count("learner", _learner(person, today=today, warning_days=settings.warning_days,
                                                     passport_link=passport_link))
                    after_each()
        for person in people:
            if person.role is not Role.EDUCATOR or not person.supported_teams:
                continue
            if notifications.wants(choices, person.id, "queue_digest"):
                report.count("queue", _queue(person, today=today))
                after_each()
            if lapse_summary_due(today) and notifications.wants(choices, person.id, "lapse_summary"):
                report.count("lapses", _lapses(person, today=today, warning_days=settings.warning_days))
                after_each()
    return report


def _send_digest(person: Person, *, choice: str, key: str, subject: str, template: str, context: dict):
    row = notifications.rows_for([person.id], make=True)[person.id]
    unsubscribe = notifications.unsubscribe_link(row, choice)
    return mail.send(to=person.email, person=person, kind=f"digest_{choice}", template=template, subject=subject,
                     dedupe_key=key, headers=notifications.digest_headers(unsubscribe),
                     context=dict(context, name=person.name, unsubscribe=unsubscribe,
                                  account=mail.link("notifications.account")))


def _learner(person: Person, *, today: dt.date, warning_days: int, passport_link: str):
    key = f"digest:learner:{person.id}:{_week(today)}"
    passport = build_passport(person, today=today, warning_days=warning_days, with_informal=False)
    days = current_app.config["DIGEST_DAYS"]
    soon, late = coming_up(passport, today=today, days=days), past(passport)
    if not soon and not late:
        return None

    def line(row: Row) -> dict:
        return dict(title=row.item.title, status=row.state.label, date_line=row.state.date_line,
                    link=f"{passport_link}#item-{row.item.id}")

    return _send_digest(person, choice="learner_digest", key=key, template="digest_learner",
                        subject=f"Your skills passport: {len(soon)} due or expiring in the next {days} days",
                        context=dict(soon=[line(r) for r in soon], late=[line(r) for r in late], days=days,
                                     link=passport_link))


DIGEST_QUEUE_ROWS = 50   # entries named in an educator's digest; the rest are counted


def _queue(person: Person, *, today: dt.date):
    # The oldest 50 and how many wait, as the queue's first page reads them: never the whole queue (an admin's
    # is every awaiting entry of the trust).
    queue = decisions.awaiting_page(person, size=DIGEST_QUEUE_ROWS, total=decisions.awaiting_count(person))
    if not queue.waiting:
        return None
    link = mail.link("signoff.index")
    waiting = [dict(person=p.name, title=i.title, kind=decisions.queue_kind(e, i), entry=e.description,
                    since=e.recorded_at.date()) for e, p, i, _ in queue.rows]
    n = queue.waiting
    return _send_digest(person, choice="queue_digest", key=f"digest:queue:{person.id}:{today.isoformat()}",
                        template="digest_queue", subject=f"{n} {'entry' if n == 1 else 'entries'} awaiting sign-off",
                        context=dict(rows=waiting, total=n, link=link))


def _lapses(person: Person, *, today: dt.date, warning_days: int):
    team_ids = tuple(sorted(t.id for t in person.supported_teams))
    matrix = figures.build_matrix(figures.Scope(team_ids=team_ids), today=today, warning_days=warning_days)
    forecast = figures.forecast(matrix, [r for r in matrix.rows if r.cells], days=LAPSE_WINDOWS[-1])
    windows = [(days, *forecast.within(days)) for days in LAPSE_WINDOWS]
    first = [dict(person=member.name, team=team, lapses=[(lapse.item.title, lapse.kind, lapse.cell.lapse_on)
                                                        for lapse in lapses])
             for member, team, lapses in forecast.by_person[:20]]
    return _send_digest(person, choice="lapse_summary", key=f"digest:lapses:{person.id}:{today:%Y-%m}",
                        template="digest_lapses", subject=f"Lapses in your teams: {today:%B %Y}",
                        context=dict(windows=windows, first=first, teams=[t.name for t in person.supported_teams],
                                     link=mail.link("team.index")))
