"""Invitations and password resets by email.

An admin invites one person, everyone an import added, or everyone who has never signed in: each gets a
one-time link (SKILLPASS_INVITE_DAYS, 7 by default) to choose a password; inviting again ends the earlier
link. Anyone may ask for a password reset link (an hour), sent only if the address is someone's; using it
ends every session of theirs. Every step is in the audit log."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, LinkPurpose, Message, OneTimeLink, Person
from skillpass.services import audit, links, mail

SIGNED_IN, INVITED, NEVER_INVITED = "signed_in", "invited", "never_invited"


@dataclass(frozen=True)
class State:
    kind: str                       # SIGNED_IN, INVITED or NEVER_INVITED
    invited_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return {SIGNED_IN: "Signed in", INVITED: "Invited", NEVER_INVITED: "Never invited"}[self.kind]


def states(person_ids: list[int]) -> dict[int, State]:
    """Signed in / invited (when last) / never invited, for these people: two queries whatever their number."""
    if not person_ids:
        return {}
    signed = set(db.session.scalars(select(AuditEvent.person_id).where(
        AuditEvent.action.in_([Action.AUTH_SIGNED_IN, Action.INVITATION_ACCEPTED, Action.PASSWORD_RESET_DONE]),
        AuditEvent.person_id.in_(person_ids)).distinct()))
    invited = dict(db.session.execute(
        select(OneTimeLink.person_id, func.max(OneTimeLink.created_at))
        .where(OneTimeLink.purpose == LinkPurpose.INVITATION, OneTimeLink.person_id.in_(person_ids))
        .group_by(OneTimeLink.person_id)).all())
    return {pid: State(SIGNED_IN) if pid in signed else State(INVITED, invited[pid]) if pid in invited
            else State(NEVER_INVITED) for pid in person_ids}


def _ever_signed_in():
    return select(AuditEvent.person_id).where(
        AuditEvent.action.in_([Action.AUTH_SIGNED_IN, Action.INVITATION_ACCEPTED, Action.PASSWORD_RESET_DONE]),
        AuditEvent.person_id.is_not(None))


def never_signed_in() -> list[Person]:
    """Everyone active who has never signed in, by name."""
    return list(db.session.scalars(select(Person).where(Person.active.is_(True), Person.id.not_in(_ever_signed_in()))
                                   .order_by(Person.name, Person.id)))


def last_people_import(actor: Person) -> AuditEvent | None:
    """The latest people import this admin finished."""
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == Action.IMPORT_PEOPLE,
                                                      AuditEvent.actor_id == actor.id)
                             .order_by(AuditEvent.id.desc()).limit(1))


def added_by_import(event_id: int) -> tuple[AuditEvent | None, list[Person]]:
    """A people import (its audit event) and the people it added who are active and have never signed in.

    Its people are those whose "added by import" events its admin wrote after their previous import."""
    event = db.session.get(AuditEvent, event_id)
    if event is None or event.action != Action.IMPORT_PEOPLE or (event.after or {}).get("stopped"):
        return None, []
    previous = db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.action == Action.IMPORT_PEOPLE, AuditEvent.actor_id == event.actor_id,
        AuditEvent.id < event.id)) or 0
    added = (select(AuditEvent.subject_id).where(
        AuditEvent.action == Action.PERSON_CREATED, AuditEvent.actor_id == event.actor_id,
        AuditEvent.id > previous, AuditEvent.id < event.id, AuditEvent.summary.like("% added by import of %")))
    people = db.session.scalars(select(Person).where(Person.id.in_(added), Person.active.is_(True),
                                                     Person.id.not_in(_ever_signed_in()))
                                .order_by(Person.name, Person.id))
    return event, list(people)


def _invite(*, actor: Person, person: Person) -> Message | None:
    days = current_app.config["INVITE_DAYS"]
    token = links.issue(person=person, purpose=LinkPurpose.INVITATION, lifetime=dt.timedelta(days=days), actor=actor)
    message = mail.send(to=person.email, person=person, kind="invitation", template="invitation", secret=True, queue=True,
              subject="You are invited to SkillPass: choose your password",
              context=dict(name=person.name, link=mail.link("auth.accept_invitation", token=token), days=days,
                           invited_by=actor.name))
    audit.log(actor=actor, action=Action.PERSON_INVITED, subject=person, person_id=person.id,
              summary=f"{person.name} invited by email by {actor.name} (the link works for {days} days)")
    return message


def invite(*, actor: Person, person: Person) -> Message | None:
    """Email the person a new invitation (an earlier one stops working)."""
    return _invite(actor=actor, person=person)


def invite_many(*, actor: Person, people: list[Person]) -> list[Message | None]:
    """Invite each of them, over one SMTP connection."""
    with mail.connection():
        return [_invite(actor=actor, person=person) for person in people]


# ---------------------------------------------------------------- choosing a password from a link

def finish(*, checked: links.Checked, password: str) -> bool:
    """Set the password of a link's person and end every session of theirs; False if the link was used
    meanwhile (by a second press, in another tab)."""
    person, link = checked.person, checked.link
    if not links.use(link):
        return False
    person.set_password(password)
    person.must_change_password = False
    person.new_session_token()
    invitation = link.purpose is LinkPurpose.INVITATION
    audit.log(actor=person, action=Action.INVITATION_ACCEPTED if invitation else Action.PASSWORD_RESET_DONE,
              subject=person, person_id=person.id,
              summary=f"{person.name} {'accepted their invitation and chose a password' if invitation else 'reset their password by email'}"
                      " and signed in")
    return True


def send_reset(*, person: Person | None) -> None:
    """The reset link, to someone who has an account and may sign in; nothing at all otherwise."""
    if person is None or not person.active:
        return
    minutes = current_app.config["RESET_LINK_MINUTES"]
    token = links.issue(person=person, purpose=LinkPurpose.PASSWORD_RESET, lifetime=dt.timedelta(minutes=minutes))
    mail.send(to=person.email, person=person, kind="password_reset", template="password_reset", secret=True, queue=True,
              subject="Reset your SkillPass password",
              context=dict(name=person.name, link=mail.link("auth.reset_password", token=token), minutes=minutes))
    audit.log(actor=None, action=Action.PASSWORD_RESET_SENT, subject=person, person_id=person.id,
              summary=f"A password reset link was sent to {person.name}")
