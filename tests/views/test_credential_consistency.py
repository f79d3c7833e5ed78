"""A credential says what the passport says (issue 18, part E). For the date rules' golden cases (month ends,
leap days, one-off items, the expiry day itself) and the chain cases of tests/views/test_chain_consistency.py
(refresher on time, within grace, too late; a certificate's own expiry earlier than the rule), a credential's
validFrom and validUntil are the dates the passport page shows in the row (its completed date and "Expires …"),
read from the page; a row that is not current is not issued, and not in the bundle. A row met by credit is not
issued as that item's credential. Revoking, correcting or undoing an entry sets its bit in the status list the
organisation serves (read at /credentials/status and decoded), and an accepted entry's bit stays clear. A code
shared by two passports gives one credential per item row. Working out a person's credentials costs the same
number of queries for one item or many."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, Role
from skillpass.rules import Status
from skillpass.services import decisions
from skillpass.services.credentials import issuing, ob3, status_list, verifying
from skillpass.services.entries import record_entry
from tests import factories
from tests.conftest import TODAY, sign_in
from tests.querycount import count_queries
from tests.views.test_chain_consistency import (BLS, CASES, ONE_OFF, START, Done, _credit, _passport, _record,
                                                _trust)

D = dt.date
ISSUED = (Status.COMPLETE, Status.EXPIRING)
BASE = "https://skillpass.northgate.test/"

# The golden date-rule cases (tests/unit/test_rules.py), dated so that on TODAY (2 Mar 2026) they are current,
# or, the last two, expired: (case, frequency in months, completed on, what the passport shows today).
GOLDEN = [
    ("one-off never expires", None, D(2026, 1, 15), Status.COMPLETE),
    ("two-yearly", 24, D(2025, 1, 15), Status.COMPLETE),
    ("six months from 31 Oct: 30 Apr", 6, D(2025, 10, 31), Status.EXPIRING),
    ("leap day + 36 months: 28 Feb", 36, D(2024, 2, 29), Status.COMPLETE),
    ("annual, expiring within the window", 12, D(2025, 4, 1), Status.EXPIRING),
    ("expires today: Expired, not issued", 24, D(2024, 3, 2), Status.EXPIRED),
    ("expired last month", 12, D(2025, 2, 1), Status.EXPIRED),
]

_DAY = r"(\d{1,2} [A-Z][a-z]{2} \d{4})"


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _day(words: str) -> dt.date:
    return dt.datetime.strptime(words, "%d %b %Y").date()


def _page_dates(client, person, item) -> tuple[dt.date, dt.date | None, str]:
    """The row's completed date (its Completed cell: "Completed here, 1 Jun 2025"), its expiry ("Expires 1 Jun
    2026" in its date cell; None for "does not expire") and its status words, as the page shows them."""
    page = client.get(f"/people/{person.id}/passport").get_data(as_text=True)
    start = page.index(f'id="item-{item.id}"')
    row = page[start:page.index("</tr>", start)]
    completed_cell = re.search(r'aria-hidden="true">Completed </span>(.*?)</td>', row, re.S).group(1)
    date_cell = _text(re.search(r'aria-hidden="true">Due or expiry </span>(.*?)</td>', row, re.S).group(1))
    status = _text(re.search(r'<strong class="nhsuk-tag[^"]*app-status[^"]*">(.*?)</strong>', row, re.S).group(1))
    completed = re.search(rf",\s*{_DAY}", _text(completed_cell))
    expires = re.match(rf"Expire[sd] {_DAY}", date_cell)
    return (_day(completed.group(1)) if completed else None, _day(expires.group(1)) if expires else None,
            status)


def _credentials(app, person, *, today=TODAY) -> list[issuing.Issued]:
    with app.test_request_context("/", base_url=BASE):
        return issuing.issue(person, issuing.current_claims(person, today=today))


def _of(issued, item) -> list[issuing.Issued]:
    """The credentials issued as *item* (its achievement's id is the item's)."""
    return [i for i in issued
            if i.credential["credentialSubject"]["achievement"]["id"] == ob3.stable_id(BASE + "issuer", "item", item.id)]


def _dates(issued: issuing.Issued) -> tuple[dt.date, dt.date | None]:
    cred = issued.credential
    until = cred.get("validUntil")
    return D.fromisoformat(cred["validFrom"][:10]), D.fromisoformat(until[:10]) if until else None


def _assert_same(app, client, person, item, status):
    completed, expires, words = _page_dates(client, person, item)
    assert words.startswith(status.label), (words, status)
    mine = _of(_credentials(app, person), item)
    if status in ISSUED:
        assert completed is not None and (expires is not None or "does not expire" in
                                          _text(client.get(f"/people/{person.id}/passport").get_data(as_text=True)))
        assert len(mine) == 1, f"one credential for the row, got {len(mine)}"
        assert _dates(mine[0]) == (completed, expires)
        # The signed claims say the same (nbf, exp).
        with app.test_request_context("/", base_url=BASE):
            _, payload = verifying.unverified(mine[0].jws)
        assert dt.datetime.fromtimestamp(payload["nbf"], dt.timezone.utc).date() == completed
        assert ("exp" in payload) == (expires is not None)
        if expires:
            assert dt.datetime.fromtimestamp(payload["exp"], dt.timezone.utc).date() == expires
    else:
        assert mine == [], f"a {status.label} row is not issued"


# ---------------------------------------------------------------- the golden cases and the chain cases

@pytest.mark.parametrize("case, frequency, completed, status", GOLDEN, ids=[c[0] for c in GOLDEN])
def test_a_credential_s_dates_are_the_passport_s_golden_cases(app, case, frequency, completed, status):
    team, admin = _trust()
    tpl, item = _passport("Core skills", (frequency, 0, False), title="Fire safety")
    person = factories.person(name="Robin Rescuer", team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    _record(person, item, Done(completed))
    db.session.commit()
    _assert_same(app, sign_in(app.test_client(), admin), person, item, status)


@pytest.mark.parametrize("case, kind, completions, status, renewal, by_certificate", CASES, ids=[c[0] for c in CASES])
def test_a_credential_s_dates_are_the_passport_s_chain_cases(app, case, kind, completions, status, renewal,
                                                            by_certificate):
    team, admin = _trust()
    tpl, item = _passport("Resuscitation", kind)
    person = factories.person(name="Robin Rescuer", team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    for done in completions:
        _record(person, item, done)
    db.session.commit()
    _assert_same(app, sign_in(app.test_client(), admin), person, item, status)


# ---------------------------------------------------------------- credit, the bundle, shared codes

def test_a_row_met_by_credit_is_not_issued_as_that_item(app):
    team, admin = _trust()
    source_tpl, source = _passport("Resuscitation Council", ONE_OFF, title="Immediate life support")
    target_tpl, target = _passport("Core Skills", (36, 0, False), title="Resuscitation (level 2)",
                                   code="CSTF-RESUS")
    person = factories.person(name="Casey Credit", team=team, start_date=START)
    factories.assign(person, target_tpl, on=START)
    _credit(admin, target, source_item=source)
    _record(person, source, Done(D(2025, 5, 1)))
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    assert _page_dates(client, person, target)[2].startswith("Complete")        # met, by credit
    # The record is issued as what it is, the source item (a row of its own, Not required), never as the target.
    for held in (False, True):
        if held:
            factories.assign(person, source_tpl, on=START)
            db.session.commit()
        issued = _credentials(app, person)
        assert [i.claim.achievement.name for i in issued] == ["Immediate life support"]
        assert _of(issued, target) == []


def test_a_record_no_passport_needs_any_more_is_issued_only_while_in_date(app):
    """A Not required row (the item is in no passport of theirs now) keeps its record and its expiry: issued
    while in date, not once its expiry has passed, though the row never says Expired."""
    team, admin = _trust()
    old_tpl, old = _passport("Old passport", (12, 0, False), title="Manual handling")
    current_tpl, _ = _passport("Current passport", (12, 0, False), title="Something else")
    person = factories.person(name="Nat Notrequired", team=team, start_date=START)
    factories.assign(person, current_tpl, on=START)
    _record(person, old, Done(D(2025, 5, 1)))                  # expires 1 May 2026: in date
    db.session.commit()
    [issued] = _credentials(app, person)
    assert _dates(issued) == (D(2025, 5, 1), D(2026, 5, 1))
    assert _credentials(app, person, today=D(2026, 5, 1)) == []


def test_an_expired_row_is_not_in_the_bundle(app):
    team, admin = _trust()
    tpl = factories.template("Core skills")
    section = factories.section(tpl, "Within 2 weeks", 2, "weeks")
    fire = factories.item(section, "Fire safety", frequency_months=24, code="CSTF-FIRE")
    ig = factories.item(section, "Information governance", frequency_months=12, code="CSTF-IG", position=1)
    hoist = factories.item(section, "Moving and handling", frequency_months=12, position=2)
    person = factories.person(name="Bea Bundle", team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    _record(person, fire, Done(D(2025, 6, 1)))
    _record(person, ig, Done(D(2025, 1, 10)))                                     # expired 10 Jan 2026
    _record(person, hoist, Done(D(2026, 3, 2)))                                   # done today: counts
    db.session.commit()
    with app.test_request_context("/", base_url=BASE):
        issued = issuing.issue(person, issuing.current_claims(person, today=TODAY))
        bundle = issuing.bundle(person, issued)
        _, payload = verifying.unverified(bundle)
        inner = [ob3.credential_of(verifying.unverified(jws)[1])["name"] for jws in verifying.enveloped(payload)]
    assert inner == ["Fire safety", "Moving and handling"]


def test_a_code_shared_by_two_passports_gives_one_credential_per_item_row(app):
    team, admin = _trust()
    core, fire = _passport("Core skills", (24, 0, False), title="Fire safety", code="CSTF-FIRE")
    ward, ward_fire = _passport("Ward skills", (12, 0, False), title="Fire safety (ward)", code="CSTF-FIRE")
    person = factories.person(name="Sam Shared", team=team, start_date=START)
    for tpl in (core, ward):
        factories.assign(person, tpl, on=START)
    entry = _record(person, fire, Done(D(2025, 6, 1)))
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    issued = _credentials(app, person)
    assert sorted(i.claim.achievement.name for i in issued) == ["Fire safety", "Fire safety (ward)"]
    assert len({i.credential["id"] for i in issued}) == 2
    assert {i.claim.entry_id for i in issued} == {entry.id}
    for item in (fire, ward_fire):          # each with its own item's rule: two years and one year
        [mine] = _of(issued, item)
        completed, expires, _ = _page_dates(client, person, item)
        assert _dates(mine) == (completed, expires)
    assert {_dates(i)[1] for i in issued} == {D(2027, 6, 1), D(2026, 6, 1)}


# ---------------------------------------------------------------- revocation through the served status list

def _served_bits(client) -> bytes:
    response = client.get("/credentials/status", base_url=BASE)
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    _, payload = verifying.unverified(response.get_data(as_text=True))
    return status_list.decode(payload["vc"]["credentialSubject"]["encodedList"])


def test_revoked_corrected_and_undone_entries_are_set_in_the_served_status_list(app, world):
    learner, educator = world.learner, world.educator
    fire = record_entry(actor=learner, person=learner, item=world.fire, completed_on=D(2026, 1, 10),
                        method=EntryMethod.HERE, today=TODAY)
    stress = record_entry(actor=learner, person=learner, item=world.stress, completed_on=D(2026, 1, 12),
                          method=EntryMethod.HERE, today=TODAY)
    hoist = record_entry(actor=learner, person=learner, item=world.competency, completed_on=D(2026, 2, 1),
                         method=EntryMethod.HERE, today=TODAY)
    decisions.decide(actor=educator, entry=hoist, person=learner, item=world.competency, approve=True)
    kept = record_entry(actor=learner, person=learner, item=world.optional, completed_on=D(2026, 2, 2),
                        method=EntryMethod.HERE, today=TODAY)
    db.session.commit()
    assert {e.status for e in (fire, stress, hoist, kept)} == {EntryStatus.ACCEPTED}
    issued = _credentials(app, learner)
    assert {i.claim.entry_id for i in issued} == {fire.id, stress.id, hoist.id, kept.id}
    client = app.test_client()
    bits = _served_bits(client)
    assert not any(status_list.bit(bits, e.id) for e in (fire, stress, hoist, kept))

    decisions.revoke(actor=educator, entry=fire, person=learner, item=world.fire, reason="Wrong person")
    correction = record_entry(actor=learner, person=learner, item=world.stress, completed_on=D(2026, 1, 13),
                              method=EntryMethod.HERE, today=TODAY, supersedes=stress)
    decisions.undo_approval(actor=educator, entry=hoist, person=learner, item=world.competency)
    db.session.commit()
    assert (fire.status, stress.status, hoist.status) == (EntryStatus.REVOKED, EntryStatus.SUPERSEDED,
                                                          EntryStatus.AWAITING)
    bits = _served_bits(client)
    assert all(status_list.bit(bits, e.id) for e in (fire, stress, hoist)), "revoked, corrected, undone: set"
    assert not status_list.bit(bits, kept.id) and not status_list.bit(bits, correction.id)
    # And a verifier reading that list refuses exactly those three credentials.
    with app.test_request_context("/", base_url=BASE):
        trusted = verifying.TrustedKeys(issuer_id=issuing.link("credentials.issuer"), name="Northgate",
                                        jwks=client.get("/.well-known/jwks.json", base_url=BASE).json)
        served = client.get("/credentials/status", base_url=BASE).get_data(as_text=True)
        verdicts, _ = verifying.verify_file("\n".join(i.jws for i in issued), trusted_for=lambda iss: trusted,
                                            today=TODAY, fetch_status=lambda url: served)
    refused = {v.credential["credentialStatus"]["statusListIndex"] for v in verdicts if not v.ok}
    assert refused == {str(fire.id), str(stress.id), str(hoist.id)}, [v.reason for v in verdicts]
    assert refused == {str(fire.id), str(stress.id), str(hoist.id)}
    assert all("revoked" in v.reason for v in verdicts if not v.ok)


# ---------------------------------------------------------------- constant queries

def _person_with(items: int, team):
    tpl = factories.template(f"Passport of {items}")
    sections = [factories.section(tpl, f"Band {n}", n * 2, "weeks", position=n) for n in range(3)]
    person = factories.person(team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    for n in range(items):
        item = factories.item(sections[n % 3], f"Topic {n}", frequency_months=12 if n % 2 else None,
                              code=f"T-{items}-{n}", names=[f"NHS|T|Topic {n}|"], position=n)
        _record(person, item, Done(D(2025, 6, 1) + dt.timedelta(days=n)))
        _record(person, item, Done(D(2024, 6, 1)))
    return person


def test_current_claims_cost_the_same_queries_for_one_item_or_many(app):
    team, _ = _trust()
    one, many = _person_with(1, team), _person_with(45, team)
    db.session.commit()
    counts = []
    for person, expected in ((one, 1), (many, 45)):
        db.session.expire_all()
        with app.test_request_context("/", base_url=BASE):
            issuing.current_claims(person, today=TODAY)          # settings and the like, read once
            db.session.expire_all()
            with count_queries() as log:
                claims = issuing.current_claims(person, today=TODAY)
        assert len(claims) == expected
        counts.append(log.count)
    assert counts[0] == counts[1], counts
