"""Invitations by email: one person, everyone an import added, everyone who never signed in; the one-time
link that chooses a password; the people list's sign-in column. Sent to a real local SMTP server."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Message, MessageStatus, OneTimeLink, Person
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.mailbox import Mailbox, mailbox, smtp_server  # noqa: F401 - fixtures

NEW_PASSWORD = "tangerine-lighthouse-orbit"  # nosec B105 - a test password


def _path(url: str) -> str:
    return urlsplit(url).path


def _newcomer(email="nia@example.test") -> Person:
    person = Person(name="Nia Newcomer", email=email, job_role="Support Worker", start_date=dt.date(2026, 2, 1))
    db.session.add(person)
    db.session.commit()
    return person


def test_an_admin_invites_one_person_who_chooses_a_password_and_lands_on_their_passport(app, world, as_admin,
                                                                                     mailbox):
    nia = _newcomer()
    page = as_admin.get(f"/people/{nia.id}/edit").get_data(as_text=True)
    assert "Never invited" in page and "Invite by email" in page
    response = as_admin.post(f"/people/{nia.id}/invite", data={})
    assert response.status_code == 303
    [message] = mailbox.to("nia@example.test")
    assert message["Subject"] == "You are invited to SkillPass: choose your password"
    assert "Test Trust" in message["From"] and "skillpass@trust.example" in message["From"]
    assert "Nia Newcomer" in Mailbox.text(message) and "Test Trust" in Mailbox.html(message)
    [link] = Mailbox.links(message)
    assert link.startswith("http://localhost/invitation/")
    assert link in Mailbox.html(message)
    # The database keeps only a hash of the link, and not the delivered message's text.
    stored = db.session.scalar(select(Message))
    assert stored.status is MessageStatus.SENT and link not in stored.text_body + stored.html_body
    assert link.rsplit("/", 1)[1] not in {row.token_hash for row in db.session.scalars(select(OneTimeLink))}
    assert "Invited" in as_admin.get(f"/people/{nia.id}/edit").get_data(as_text=True)

    newcomer = app.test_client()
    page = newcomer.get(_path(link))
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    weak = newcomer.post(_path(link), data={"new_password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422
    chosen = newcomer.post(_path(link), data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 303
    landing = newcomer.get(chosen.headers["Location"], follow_redirects=True)
    assert landing.request.path == "/passport"
    assert "Welcome to SkillPass: your password is set." in landing.get_data(as_text=True)
    # The link refuses a second use; the password works at sign-in.
    again = app.test_client().get(_path(link))
    assert again.status_code == 410 and "This link has already been used" in again.get_data(as_text=True)
    sign_in(app.test_client(), nia, NEW_PASSWORD)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == nia.id)))
    assert {Action.PERSON_INVITED, Action.INVITATION_ACCEPTED, Action.AUTH_SIGNED_IN} <= actions
    assert "Signed in" in as_admin.get("/people/?q=Nia").get_data(as_text=True)


def test_inviting_again_ends_the_earlier_link(app, world, as_admin, mailbox):
    nia = _newcomer()
    as_admin.post(f"/people/{nia.id}/invite", data={})
    as_admin.post(f"/people/{nia.id}/invite", data={})
    first, second = (Mailbox.links(m)[0] for m in mailbox.to(nia.email))
    old = app.test_client().get(_path(first))
    assert old.status_code == 410 and "A newer link was sent" in old.get_data(as_text=True)
    assert app.test_client().get(_path(second)).status_code == 200


def test_an_expired_invitation_says_so_and_offers_what_to_do(app, world, as_admin, mailbox):
    nia = _newcomer()
    as_admin.post(f"/people/{nia.id}/invite", data={})
    [link] = Mailbox.links(mailbox.to(nia.email)[0])
    app.config["FIXED_TODAY"] = app.config["FIXED_TODAY"] + dt.timedelta(days=8)
    page = app.test_client().get(_path(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "This link has expired" in html and "7 days" in html
    assert "/forgotten-password" in html
    assert app.test_client().get("/invitation/not-a-real-link").status_code == 404


def test_without_smtp_the_invitation_is_kept_in_the_outbox_an_admin_reads(app, world, as_admin):
    nia = _newcomer()
    response = as_admin.post(f"/people/{nia.id}/invite", data={}, follow_redirects=True)
    assert "kept in the outbox" in response.get_data(as_text=True)
    message = db.session.scalar(select(Message))
    assert message.status is MessageStatus.KEPT
    outbox = as_admin.get("/admin/email").get_data(as_text=True)
    assert "You are invited to SkillPass" in outbox and "Kept in the outbox" in outbox
    page = as_admin.get(f"/admin/email/{message.id}").get_data(as_text=True)
    assert '<a href="http://localhost/invitation/' in page
    assert as_admin.get("/admin/email", headers=HTMX).status_code == 200


def test_a_failed_send_is_recorded_and_shown_to_admins(app, world, as_admin, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none", SMTP_TIMEOUT=2)
    nia = _newcomer()
    response = as_admin.post(f"/people/{nia.id}/invite", data={}, follow_redirects=True)
    # Sent after the request's commit: the refusal is recorded then, and admins find it under Failed.
    assert "on its way" in response.get_data(as_text=True)
    failed = as_admin.get("/admin/email?status=failed").get_data(as_text=True)
    assert "Failed (1)" in failed and "ConnectionRefusedError" in failed
    # Retried once the server answers: the same message, now sent.
    from skillpass.services import mail

    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    with app.test_request_context():
        assert mail.retry_failed() == (1, 0)
        db.session.commit()
    assert len(smtp_server.to(nia.email)) == 1


def test_everyone_who_never_signed_in_is_invited_after_a_step_that_names_the_count(app, world, as_admin, mailbox):
    for n in range(3):
        _newcomer(f"new{n}@example.test")
    sign_in(app.test_client(), world.learner)
    page = as_admin.get("/people/invite").get_data(as_text=True)
    # Nobody signed in yet but the admin and the learner: the other world people and the three newcomers.
    never = db.session.scalars(select(Person).where(Person.email.not_in(["ada@example.test", "lee@example.test"])))
    count = len(list(never))
    assert f"the {count} people who have never signed in" in page and f"Invite {count} people" in page
    response = as_admin.post("/people/invite", data={}, follow_redirects=True)
    assert f"Invitations to {count} people on their way." in response.get_data(as_text=True)
    assert len(mailbox.messages) == count and not mailbox.to("lee@example.test")
    listed = as_admin.get("/people/").get_data(as_text=True)
    assert "Never invited" not in listed and "Invited" in listed


def test_an_educator_sees_no_sign_in_column_and_cannot_invite(app, world, as_educator):
    assert "Sign-in</th>" not in as_educator.get("/people/").get_data(as_text=True)
    assert as_educator.post(f"/people/{world.learner.id}/invite", data={}).status_code == 403


def test_an_import_offers_to_invite_the_people_it_added(app, world, as_admin, mailbox):
    rows = "".join(f"E9{n:04d},Imported Person {n},imported{n}@example.test,Support Worker,Physiotherapy,"
                   f"2026-02-01,learner\r\n" for n in range(4))
    csv = "employee_number,name,email,job_role,team,start_date,role\r\n" + rows
    import io

    preview = as_admin.post("/admin/import/people", data={"file": (io.BytesIO(csv.encode()), "new.csv")},
                            content_type="multipart/form-data")
    assert preview.status_code == 200
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    confirmed = as_admin.post("/admin/import/people/confirm", data={"token": token, "filename": "new.csv"})
    assert confirmed.status_code == 303 and "/admin/import/runs/" in confirmed.headers["Location"]
    done = as_admin.get(confirmed.headers["Location"])     # the import's progress page, the import made: on
    assert done.status_code == 303 and "/people/invite?import=" in done.headers["Location"]
    page = as_admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported new.csv: 4 added" in page and "Invite the 4 people just added" in page
    sent = as_admin.post(done.headers["Location"], data={})
    assert sent.status_code == 303
    assert sorted(m["To"] for m in mailbox.messages) == [f"imported{n}@example.test" for n in range(4)]
    # Sent twice (a double click): the second changes nothing.
    again = as_admin.post(done.headers["Location"], data={"submission": ""})
    assert again.status_code == 303 and len(mailbox.messages) == 4


def _people_and_mail(n: int, admin: Person) -> None:
    from skillpass.services import invitations

    for i in range(n):
        person = factories.person(name=f"Queried {n}-{i}")
        if i % 3 == 1:
            invitations.invite(actor=admin, person=person)
        elif i % 3 == 2:
            db.session.add(AuditEvent(action=Action.AUTH_SIGNED_IN, subject_type="Person", subject_id=person.id,
                                      person_id=person.id, actor_id=person.id, summary="signed in"))
    db.session.commit()


def test_the_people_list_and_the_outbox_cost_the_same_queries_for_3_people_as_for_40(app, world, as_admin):
    from tests.querycount import count_queries

    def cost(path: str) -> int:
        with count_queries() as log:
            assert as_admin.get(path).status_code == 200
        return log.count

    with app.test_request_context():
        _people_and_mail(3, world.admin)
    few = {path: cost(path) for path in ("/people/", "/people/?q=Queried", "/admin/email")}
    with app.test_request_context():
        _people_and_mail(40, world.admin)
    many = {path: cost(path) for path in ("/people/", "/people/?q=Queried", "/admin/email")}
    assert few == many
    listed = as_admin.get("/people/?q=Queried").get_data(as_text=True)
    assert "Never invited" in listed and "Invited" in listed and "Signed in" in listed
