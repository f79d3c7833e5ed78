"""The public verify page (issue 18, part B): exactly the allowed fields, revoked and expired records said so,
withdrawn and unknown links answered plainly, a rate limit per address, never indexed or cached; the page where
a learner or an admin withdraws a link; and the short link on every printed passport, single and bulk."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Entry, EntryMethod, EntryStatus, PrintJob, VerifyLink
from skillpass.print import bulk
from skillpass.services import evidence as evidence_service
from skillpass.services.credentials import verify_links
from tests import factories
from tests.conftest import TODAY, sign_in
from tests.querycount import count_queries


def _entry(person, item, on, *, note="", evidence=None, status=EntryStatus.ACCEPTED, by=None) -> Entry:
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE, status=status,
                  recorded_by_id=person.id, note=note, evidence_id=evidence.id if evidence else None,
                  decided_by_id=by.id if by else None, decided_by_name=by.name if by else "",
                  decided_at=clock.now() if by else None)
    db.session.add(entry)
    db.session.flush()
    return entry


@pytest.fixture
def learner_link(app, world):
    world.learner.employee_number = "E99123"
    world.learner.job_role = "Rehabilitation Assistant"
    evidence = evidence_service.save(
        evidence_service.Checked(data=factories.pdf(), file_type=evidence_service.PDF,
                                 filename="private-fire-certificate.pdf"),
        person=world.learner, actor=world.learner)
    _entry(world.learner, world.fire, TODAY - dt.timedelta(days=30), note="A note nobody else should read",
           evidence=evidence)
    _entry(world.learner, world.stress, TODAY - dt.timedelta(days=20), by=world.educator)
    db.session.commit()
    token = verify_links.live_link(world.learner, world.learner).token
    db.session.commit()
    return token


def test_the_verify_page_shows_exactly_the_allowed_fields(app, world, learner_link):
    response = app.test_client().get(f"/v/{learner_link}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Lee Learner" in html and "Test Trust" in html
    assert "AHP Support Worker Skills Passport" in html
    assert "Fire safety" in html and "CSTF-FIRE" in html and "Managing work and life stress" in html
    assert "Completed 31 Jan 2026" in html and "Expires 31 Jan 2028" in html
    assert "Authentic and current" in html
    assert "Checked on 2 Mar 2026 against Test Trust's records" in html.replace("&#39;", "'")
    for secret in ("E99123", "lee@example.test", "Rehabilitation Assistant", "Physiotherapy",
                   "A note nobody else should read", "private-fire-certificate", "Eve Educator", "Estates"):
        assert secret not in html, secret
    # Never indexed, cached or sent on as a referrer.
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_record_revoked_after_printing_shows_revoked_and_an_expired_one_expired(app, world, learner_link):
    fire = db.session.scalar(select(Entry).where(Entry.item_id == world.fire.id))
    with db.session.no_autoflush:
        fire.stamp(EntryStatus.REVOKED, by=world.admin, at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc),
                   reason="Certificate not genuine")
    old = factories.item(world.week2, "Basic life support", frequency_months=12, position=5)
    _entry(world.learner, old, dt.date(2024, 6, 1))
    db.session.commit()
    html = app.test_client().get(f"/v/{learner_link}").get_data(as_text=True)
    fire_part = html[html.index("Fire safety"):html.index("Basic life support")]
    assert "Revoked on 1 Mar 2026" in fire_part and "Authentic and current" not in fire_part
    assert "Certificate not genuine" not in html
    life_part = html[html.index("Basic life support"):]
    assert "Expired on 1 Jun 2025" in life_part.split("</li>")[0]
    # An earlier record still counts after the newest one is revoked: its dates are shown, the revocation said.
    _entry(world.learner, world.stress, dt.date(2025, 12, 1))
    newer = db.session.scalar(select(Entry).where(Entry.item_id == world.stress.id, Entry.completed_on > dt.date(2026, 1, 1)))
    with db.session.no_autoflush:
        newer.stamp(EntryStatus.REVOKED, by=world.admin, at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc))
    db.session.commit()
    html = app.test_client().get(f"/v/{learner_link}").get_data(as_text=True)
    stress_part = html[html.index("Managing work and life stress"):].split("</li>")[0]
    assert "Revoked on 2 Mar 2026" in stress_part and "Completed 1 Dec 2025" in stress_part


def test_on_its_expiry_date_a_record_is_expired_as_the_passport_says(app, world, learner_link):
    """The passport says Expired on the expiry date itself (PRODUCT.md §3); so does the verify page."""
    today_expiring = factories.item(world.week2, "Basic life support", frequency_months=12, position=5)
    _entry(world.learner, today_expiring, TODAY.replace(year=TODAY.year - 1))
    db.session.commit()
    html = app.test_client().get(f"/v/{learner_link}").get_data(as_text=True)
    part = html[html.index("Basic life support"):].split("</li>")[0]
    assert f"Expired on {TODAY.day} Mar {TODAY.year}" in part and "Authentic and current" not in part
    assert f"Expired {TODAY.day} Mar {TODAY.year}" in part


def test_unknown_and_withdrawn_links_answer_plainly(app, world, learner_link):
    client = app.test_client()
    unknown = client.get("/v/abcdefghjkmn")
    assert unknown.status_code == 404 and "No passport has this link" in unknown.get_data(as_text=True)
    assert unknown.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get("/v/not-a-token").status_code == 404
    verify_links.withdraw(world.learner, world.learner)
    db.session.commit()
    gone = client.get(f"/v/{learner_link}")
    assert gone.status_code == 410
    html = gone.get_data(as_text=True)
    assert "withdrawn" in html and "Lee Learner" not in html and "Fire safety" not in html


def test_the_page_is_rate_limited_per_address(app, world, learner_link):
    app.config["VERIFY_VIEWS_PER_MINUTE"] = 3
    client = app.test_client()
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert [client.get(f"/v/{learner_link}", environ_base=here).status_code for _ in range(3)] == [200] * 3
    # Guessing other tokens counts too.
    refused = client.get("/v/abcdefghjkmn", environ_base=here)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Too many" in refused.get_data(as_text=True) and refused.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(f"/v/{learner_link}", environ_base=here).status_code == 429
    # Another address is not held up.
    assert client.get(f"/v/{learner_link}", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_the_page_costs_the_same_queries_for_3_items_as_for_30(app, world, learner_link):
    client = app.test_client()

    def queries():
        client.get(f"/v/{learner_link}")    # the settings and kept values warmed
        with count_queries() as log:
            assert client.get(f"/v/{learner_link}").status_code == 200
        return log.count

    few = queries()
    for n in range(27):
        item = factories.item(world.month6, f"Extra topic {n:02d}", frequency_months=12, position=10 + n)
        _entry(world.learner, item, TODAY - dt.timedelta(days=n + 1))
    db.session.commit()
    assert queries() == few


def test_a_learner_withdraws_their_link_and_makes_a_new_one(app, world, learner_link):
    client = sign_in(app.test_client(), world.learner)
    page = client.get(f"/people/{world.learner.id}/verify-link")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"/v/{learner_link}" in html and "data:image/svg+xml;base64," in html
    assert "Withdraw the link" in html
    done = client.post(f"/people/{world.learner.id}/verify-link", data={"action": "withdraw"})
    assert done.status_code == 303
    assert app.test_client().get(f"/v/{learner_link}").status_code == 410
    html = client.get(f"/people/{world.learner.id}/verify-link").get_data(as_text=True)
    assert "no live verify link" in html and "has been withdrawn" in html
    client.post(f"/people/{world.learner.id}/verify-link", data={"action": "new"})
    new = verify_links.current(world.learner)
    assert new is not None and new.token != learner_link
    assert app.test_client().get(f"/v/{new.token}").status_code == 200
    assert client.post(f"/people/{world.learner.id}/verify-link", data={"action": "burn"}).status_code == 422
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == world.learner.id,
                                                                      AuditEvent.subject_type == "VerifyLink")))
    assert actions.count(Action.VERIFY_LINK_WITHDRAWN) == 1 and actions.count(Action.VERIFY_LINK_MADE) == 2
    # The passport page's header links to it, for the learner; an admin reaches anyone's.
    assert f"/people/{world.learner.id}/verify-link" in client.get("/passport").get_data(as_text=True)
    admin = sign_in(app.test_client(), world.admin)
    assert admin.post(f"/people/{world.learner.id}/verify-link", data={"action": "withdraw"}).status_code == 303
    assert verify_links.current(world.learner) is None


def _text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_printed_passport_carries_the_short_link_on_its_first_page(app, world):
    client = sign_in(app.test_client(), world.learner)
    response = client.get(f"/people/{world.learner.id}/passport.pdf")
    assert response.status_code == 200
    link = verify_links.current(world.learner)
    pages = _text(response.data)
    assert f"Check this passport: http://localhost/v/{link.token}" in pages[0]
    # Printed again: the same link. The print page carries it too, with its QR code.
    again = _text(client.get(f"/people/{world.learner.id}/passport.pdf").data)
    assert f"/v/{link.token}" in again[0]
    html = client.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert f"http://localhost/v/{link.token}" in html and 'src="data:image/svg+xml;base64,' in html
    assert db.session.scalar(select(func.count(VerifyLink.id))) == 1


@pytest.mark.parametrize("base_url", ["", "https://skillpass.northgate.test"])
def test_a_bulk_print_carries_each_persons_link_at_the_address_that_asked(app, world, base_url):
    """The print's thread has no request: the links are built from SKILLPASS_BASE_URL, else from the address of
    the request that started it."""
    app.config["BASE_URL"] = base_url
    people = [world.learner, world.other_learner]
    verify_links.live_link(world.learner, world.learner)     # one printed before, one not
    job_id = bulk.create(actor=world.educator, people=people, title="Two passports").id
    db.session.commit()
    named = {p.id: p.name for p in people}
    other_id, educator_id = world.other_learner.id, world.educator.id
    bulk.run(app, job_id, "https://print.asked.here/")     # as its thread does, here and now (it ends the session)
    job = db.session.get(PrintJob, job_id)
    assert job.stored_name, job.error
    pages = _text((bulk.folder(app) / job.stored_name).read_bytes())
    root = base_url or "https://print.asked.here"
    tokens = {link.person_id: link.token for link in db.session.scalars(
        select(VerifyLink).where(VerifyLink.withdrawn_at.is_(None)))}
    assert set(tokens) == set(named)
    for person_id, name in named.items():
        [first] = [n for n, page in enumerate(pages) if f"Check this passport: {root}/v/{tokens[person_id]}" in page]
        assert f"Skills passport: {name}" in pages[first]
    made = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.VERIFY_LINK_MADE)).all()
    assert sorted(e.person_id for e in made) == sorted(named)
    assert {e.actor_id for e in made if e.person_id == other_id} == {educator_id}
