"""One chain rule everywhere (issue 17, "Done when"): for each case of tests/unit/test_chain_rule.py that real
entries can be in, the entries are put in the database and every output says the same status and date words as
`rules.chain_of` gives from the plain dates: the passport page (its row's status and reason line), the team
matrix's cell, the matrix's CSV export, the admin overview's counts and each point of the monthly trend.
Then the chain across passports: an item shared by code between a passport with a refresher and one without,
a certificate's own expiry on a one-off item, and credit from another passport's item and from a named
qualification, each the same on the passport page, in the matrix and in its CSV."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from dataclasses import dataclass

import pytest

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import CreditMapping, CreditTarget, Entry, EntryActivity, EntryMethod, EntryStatus, Role
from skillpass.rules import Status
from skillpass.services import figures
from skillpass.services.passport import build_passport
from skillpass.subjects import normalise_name
from tests import factories
from tests.conftest import TODAY, sign_in

D = dt.date
START = D(2023, 1, 2)       # every case's person started (and was given the passport) then: due 16 Jan 2023
WARNING_DAYS = 60
I, R = EntryActivity.INITIAL, EntryActivity.REFRESHER


@dataclass(frozen=True)
class Done:
    """An accepted completion as a case writes it: when, which activity, the certificate's own expiry, and the
    day it was revoked (it counted until then)."""
    on: dt.date
    activity: EntryActivity = I
    certificate_expires_on: dt.date | None = None
    revoked_on: dt.date | None = None


# The item a case is about: (frequency in months, grace in months, has a refresher).
BLS = (12, 3, True)             # Basic life support: the BLS update every 12 months, 3 months' grace
FIRST_AID = (36, 0, False)      # no refresher: every completion is the activity
ONE_OFF = (None, 0, False)

# (case, item, completions, the status rules.py gives today, what renewing needs, E is the certificate's)
CASES = [
    ("refresher on time", BLS, [Done(D(2024, 6, 10)), Done(D(2025, 6, 1), R)],
     Status.COMPLETE, "", False),
    ("refresher early", BLS, [Done(D(2025, 2, 10)), Done(D(2025, 5, 20), R)],
     Status.COMPLETE, "", False),
    ("refresher within grace", BLS, [Done(D(2024, 1, 15)), Done(D(2025, 3, 1), R)],
     Status.EXPIRED, rules.REFRESHER_DUE, False),
    ("refresher after grace: full course needed", BLS, [Done(D(2024, 6, 1)), Done(D(2025, 10, 1), R)],
     Status.EXPIRED, rules.FULL_COURSE_NEEDED, False),
    ("refresher with no initial", BLS, [Done(D(2025, 9, 1), R)],
     Status.OVERDUE, "", False),
    ("initial again after a broken chain", BLS,
     [Done(D(2023, 5, 1)), Done(D(2024, 10, 1), R), Done(D(2025, 4, 20))],
     Status.EXPIRING, rules.REFRESHER_DUE, False),
    ("a chain of refreshers, one within grace", BLS,
     [Done(D(2022, 11, 1)), Done(D(2023, 12, 1), R), Done(D(2024, 11, 20), R), Done(D(2025, 9, 1), R)],
     Status.COMPLETE, "", False),
    ("certificate expiry earlier than the rule", BLS, [Done(D(2025, 6, 1), certificate_expires_on=D(2026, 3, 20))],
     Status.EXPIRING, rules.REFRESHER_DUE, True),
    ("a refresher's own certificate expiry", BLS,
     [Done(D(2025, 3, 3)), Done(D(2025, 9, 1), R, certificate_expires_on=D(2026, 4, 1))],
     Status.EXPIRING, rules.REFRESHER_DUE, True),
    ("certificate expiry earlier than the rule, no refresher", FIRST_AID,
     [Done(D(2025, 6, 1), certificate_expires_on=D(2026, 2, 20))],
     Status.EXPIRED, "", True),
    ("a later completion without a certificate counts", FIRST_AID,
     [Done(D(2024, 1, 1), certificate_expires_on=D(2024, 6, 1)), Done(D(2025, 1, 1))],
     Status.COMPLETE, "", False),
    # Two records of one day, one with a certificate's own expiry (an import and the learner's own record, say):
    # whichever was recorded last, the certificate's expiry counts (rules.link_order).
    ("one day, the certificate recorded first", FIRST_AID,
     [Done(D(2025, 6, 1), certificate_expires_on=D(2026, 2, 20)), Done(D(2025, 6, 1))],
     Status.EXPIRED, "", True),
    ("one day, the certificate recorded last", FIRST_AID,
     [Done(D(2025, 6, 1)), Done(D(2025, 6, 1), certificate_expires_on=D(2026, 2, 20))],
     Status.EXPIRED, "", True),
    ("certificate expiry on a one-off item", ONE_OFF, [Done(D(2025, 6, 1), certificate_expires_on=D(2026, 4, 1))],
     Status.EXPIRING, "", True),
    ("only a refresher, with its certificate", BLS, [Done(D(2025, 9, 1), R, certificate_expires_on=D(2026, 1, 1))],
     Status.OVERDUE, "", False),
    ("only a refresher with its certificate, on an item without one", FIRST_AID,
     [Done(D(2025, 6, 1), R, certificate_expires_on=D(2026, 2, 20))],
     Status.EXPIRED, "", True),
    ("a revoked certificate counts only until it was revoked", FIRST_AID,
     [Done(D(2024, 6, 1)), Done(D(2025, 6, 1), certificate_expires_on=D(2026, 2, 20), revoked_on=D(2025, 12, 1))],
     Status.COMPLETE, "", False),
    ("a revoked refresher counts only until it was revoked", BLS,
     [Done(D(2024, 6, 10)), Done(D(2025, 6, 1), R, revoked_on=D(2025, 12, 1))],
     Status.EXPIRED, rules.FULL_COURSE_NEEDED, False),
]


# ---------------------------------------------------------------- building the cases

def _trust():
    team = factories.team("Resuscitation")
    admin = factories.person(name="Ada Admin", role=Role.ADMIN, email="ada@example.test")
    return team, admin


def _passport(name: str, item: tuple, *, title: str = "Basic life support", code: str | None = None):
    frequency, grace, refresher = item
    tpl = factories.template(name)
    section = factories.section(tpl, "Within 2 weeks", 2, "weeks")
    made = factories.item(section, title, frequency_months=frequency, code=code)
    made.grace_months = grace
    if refresher:
        made.refresher_title = "BLS update, 1 hour"
    db.session.flush()
    return tpl, made


def _record(person, item, done: Done, *, method=EntryMethod.HERE, source: str = "") -> Entry:
    revoked = done.revoked_on is not None
    entry = Entry(person_id=person.id, item_id=item.id, completed_on=done.on, method=method,
                  equivalent_source=source, activity=done.activity,
                  certificate_expires_on=done.certificate_expires_on,
                  status=EntryStatus.REVOKED if revoked else EntryStatus.ACCEPTED, recorded_by_id=person.id,
                  decided_at=dt.datetime.combine(done.revoked_on, dt.time(9), tzinfo=dt.timezone.utc)
                  if revoked else None,
                  decision_reason="Recorded against the wrong person" if revoked else "")
    db.session.add(entry)
    db.session.flush()
    return entry


def _chain(item, completions, *, as_of: dt.date = TODAY) -> rules.Chain:
    """rules.chain_of over the plain dates: the completions done by *as_of* and not revoked by then."""
    return rules.chain_of([rules.Link(d.on, d.activity is R, d.certificate_expires_on)
                           for d in completions
                           if d.on <= as_of and (d.revoked_on is None or d.revoked_on > as_of)],
                          frequency_months=item.frequency_months, grace_months=item.grace_months,
                          has_refresher=item.has_refresher)


def _due(item, start=START) -> rules.Due:
    return rules.due_date(start_date=start, assigned_on=start, item_added_on=item.added_on,
                          offset=rules.Offset(2, "weeks"))


def _expected(item, completions, *, start=START) -> rules.ItemState:
    """What the rules say, from the plain values alone."""
    return rules.item_state(today=TODAY, due=_due(item, start), frequency_months=item.frequency_months,
                            latest_accepted_on=None, chain=_chain(item, completions),
                            has_refresher=item.has_refresher, grace_months=item.grace_months,
                            warning_days=WARNING_DAYS)


# ---------------------------------------------------------------- reading the outputs

def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _passport_row(client, person, item) -> tuple[str, str]:
    """The row's status tags (joined as the status line joins them) and its due or expiry line."""
    page = client.get(f"/people/{person.id}/passport").get_data(as_text=True)
    start = page.index(f'id="item-{item.id}"')
    row = page[start:page.index("</tr>", start)]
    tags = [_text(t) for t in re.findall(r'<strong class="nhsuk-tag[^"]*app-status[^"]*">(.*?)</strong>', row)]
    date_line = re.search(r'Due or expiry </span>(.*?)</td>', row, re.S).group(1)
    return " · ".join(tags), _text(date_line)


def _matrix_cell(client, team, person, item) -> tuple[str, str]:
    page = client.get(f"/team/?team={team.id}").get_data(as_text=True)
    start = page.index(f">{person.name}</a>")
    row = page[start:page.index("</tr>", start)]
    cell = re.search(rf'#item-{item.id}"><span class="nhsuk-u-visually-hidden">[^<]*</span>(.*?)'
                     r'<span class="app-cell__date">(.*?)</span></a>', row, re.S)
    assert cell, row
    return _text(cell.group(1)), _text(cell.group(2))


def _csv_cell(client, team, person, tpl, item) -> str:
    table = list(csv.reader(io.StringIO(
        client.get(f"/team/export/matrix?format=csv&team={team.id}").get_data(as_text=True).lstrip("\ufeff"))))
    column = f"{tpl.name}: {item.title}" + (f" [{item.code}]" if item.code else "")
    return next(r for r in table if r[1] == person.name)[table[0].index(column)]


def _overview(client) -> dict[str, int]:
    """The admin overview's figures: met of due, and the Overdue, Expired and Expiring counts."""
    html = client.get("/admin/").get_data(as_text=True)
    met, due = map(int, re.search(r"compliant: (\d+) of (\d+) due items in date", html).groups())
    count = {label: int(re.search(rf'app-figure__value">(\d+)</span><span class="app-figure__label">{label}',
                                  html).group(1)) for label in ("Overdue", "Expired", "Expiring")}
    return {"met": met, "due": due, **count}


def _same_words(client, team, person, tpl, item, state: rules.ItemState) -> None:
    """The passport page, the matrix cell and its CSV say what *state* says."""
    tags, date_line = _passport_row(client, person, item)
    assert tags.startswith(state.label), (tags, state.label)
    assert date_line == state.date_line
    assert _matrix_cell(client, team, person, item) == (state.label, state.short_date_line)
    assert _csv_cell(client, team, person, tpl, item) == f"{state.label}: {state.short_date_line}"


# ---------------------------------------------------------------- the cases

@pytest.mark.parametrize("case, kind, completions, status, renewal, by_certificate", CASES,
                         ids=[c[0] for c in CASES])
def test_every_output_follows_the_chain_rule(app, case, kind, completions, status, renewal, by_certificate):
    team, admin = _trust()
    tpl, item = _passport("Resuscitation", kind)
    person = factories.person(name="Robin Rescuer", team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    entries = [_record(person, item, done) for done in completions]
    db.session.commit()

    state = _expected(item, completions)
    assert (state.status, state.renewal, state.by_certificate) == (status, renewal, by_certificate)
    # The refreshers that did not count are the passport's too (its history marks them "too late").
    keyed = [rules.Link(d.on, d.activity is R, d.certificate_expires_on, key=entry.id)
             for d, entry in zip(completions, entries) if d.revoked_on is None]
    too_late = rules.chain_of(keyed, frequency_months=item.frequency_months, grace_months=item.grace_months,
                              has_refresher=item.has_refresher).too_late
    row = build_passport(person, today=TODAY, warning_days=WARNING_DAYS).row(item.id)
    assert row.too_late == too_late
    assert row.state.status is status and row.state.date_line == state.date_line

    client = sign_in(app.test_client(), admin)
    _same_words(client, team, person, tpl, item, state)

    # The admin overview counts the one item as its status.
    counts = _overview(client)
    assert counts == {"met": int(status in (Status.COMPLETE, Status.EXPIRING)),
                      "due": int(status is not Status.TODO), "Overdue": int(status is Status.OVERDUE),
                      "Expired": int(status is Status.EXPIRED), "Expiring": int(status is Status.EXPIRING)}

    # Each month's end of the trend: the chain as it stood that day, with the entries done (and not revoked) by then.
    lines = figures.trend(figures.Scope(team_ids=(team.id,)), today=TODAY, warning_days=WARNING_DAYS)
    assert [line.name for line in lines] == [team.name]
    for month_end, compliance in lines[0].points:
        chain = _chain(item, completions, as_of=month_end)
        expected = rules.status_of(today=month_end, due_on=_due(item).on, expires_on=chain.expires_on,
                                   latest_accepted_on=chain.completed_on, warning_days=WARNING_DAYS)
        tally = rules.Compliance()
        tally.count(expected)
        assert compliance == tally, f"{case}, as of {month_end}: expected {expected.label}"
    assert lines[0].points[-1][0] == TODAY


# ---------------------------------------------------------------- across passports

def test_one_subject_in_a_passport_with_a_refresher_and_one_without(app):
    """§6.1 and §6.3 together: the same record counts for both items, each applying its own rule. The refresher
    came too late for the chain of the item that has one (full course needed), while the item without a
    refresher counts it as its latest completion."""
    team, admin = _trust()
    with_refresher, bls = _passport("Resuscitation", BLS, code="BLS-ADULT")
    without, ward_bls = _passport("Ward skills", (12, 0, False), code="BLS-ADULT")
    person = factories.person(name="Sam Shared", team=team, start_date=START)
    for tpl in (with_refresher, without):
        factories.assign(person, tpl, on=START)
    completions = [Done(D(2024, 6, 1)), Done(D(2025, 10, 1), R)]
    for done in completions:
        _record(person, bls, done)
    db.session.commit()

    strict, plain = _expected(bls, completions), _expected(ward_bls, completions)
    assert (strict.status, strict.renewal) == (Status.EXPIRED, rules.FULL_COURSE_NEEDED)
    assert (plain.status, plain.expires_on, plain.renewal) == (Status.COMPLETE, D(2026, 10, 1), "")
    client = sign_in(app.test_client(), admin)
    _same_words(client, team, person, with_refresher, bls, strict)
    _same_words(client, team, person, without, ward_bls, plain)
    assert _overview(client) == {"met": 1, "due": 2, "Overdue": 0, "Expired": 1, "Expiring": 0}


def _credit(admin, target, *, source_item=None, qualification: str = "") -> CreditMapping:
    mapping = CreditMapping(source_item_id=source_item.id if source_item is not None else None,
                            source_qualification=qualification, source_key=normalise_name(qualification),
                            created_by_id=admin.id)
    db.session.add(mapping)
    db.session.flush()
    db.session.add(CreditTarget(mapping_id=mapping.id, item_id=target.id))
    return mapping


# (case, the target item, the source's completions, the status today, what renewing needs)
CREDIT_CASES = [
    ("one-off source, recurring target", (36, 0, False), [Done(D(2025, 5, 1))], Status.COMPLETE, ""),
    ("a target with a refresher", BLS, [Done(D(2025, 1, 10))], Status.EXPIRED, rules.REFRESHER_DUE),
    ("a target with a refresher, after its grace", BLS, [Done(D(2024, 6, 10))], Status.EXPIRED,
     rules.FULL_COURSE_NEEDED),
    ("a source certificate's own expiry", (36, 0, False), [Done(D(2025, 5, 1), certificate_expires_on=D(2026, 4, 1))],
     Status.EXPIRING, ""),
    ("a refresher of the source, with no initial", BLS, [Done(D(2025, 9, 1), R)], Status.OVERDUE, ""),
]


@pytest.mark.parametrize("source_kind", ["item", "named qualification"])
@pytest.mark.parametrize("case, target_kind, completions, status, renewal", CREDIT_CASES,
                         ids=[c[0] for c in CREDIT_CASES])
def test_credit_follows_the_same_rules_on_every_output(app, source_kind, case, target_kind, completions, status,
                                                       renewal):
    """Credit across passports: an accepted entry of another passport's item, or equivalent training naming a
    mapped qualification, counts for the target under the target's own rule; the row says what met it."""
    team, admin = _trust()
    # The source has a refresher only where a case records one: a plain source is read by its latest date.
    source_kind_of_item = BLS if any(d.activity is R for d in completions) else ONE_OFF
    source_tpl, source = _passport("Resuscitation Council", source_kind_of_item, title="Immediate life support")
    target_tpl, target = _passport("Core Skills", target_kind, title="Resuscitation (level 2)", code="CSTF-RESUS")
    person = factories.person(name="Casey Credit", team=team, start_date=START)
    factories.assign(person, target_tpl, on=START)      # the source's passport is not theirs: credit still counts
    if source_kind == "item":
        _credit(admin, target, source_item=source)
        words = source.title
        for done in completions:
            _record(person, source, done)
    else:
        _credit(admin, target, qualification="Care Certificate standard 12")
        words = "Care Certificate standard 12"
        for done in completions:
            _record(person, source, done, method=EntryMethod.EQUIVALENT, source=" care certificate  STANDARD 12 ")
    db.session.commit()

    state = _expected(target, completions)
    assert (state.status, state.renewal) == (status, renewal)
    row = build_passport(person, today=TODAY, warning_days=WARNING_DAYS).row(target.id)
    assert row.met_by == (words if status is not Status.OVERDUE else "")
    client = sign_in(app.test_client(), admin)
    _same_words(client, team, person, target_tpl, target, state)
    assert _overview(client)["met"] == int(status in (Status.COMPLETE, Status.EXPIRING))
    trend = figures.trend(figures.Scope(team_ids=(team.id,)), today=TODAY, warning_days=WARNING_DAYS)
    tally = rules.Compliance()
    tally.count(status)
    assert trend[0].points[-1][1] == tally


def test_credit_is_one_step_never_passed_on(app):
    """X counts as Y and Y counts as Z: a record of X meets Y, not Z (credit is never passed on), on the passport
    page, in the matrix and in its CSV alike."""
    team, admin = _trust()
    tpl, x = _passport("Resuscitation Council", ONE_OFF, title="Immediate life support")
    tpl_y, y = _passport("Core Skills", (12, 0, False), title="Resuscitation (level 2)", code="CSTF-RESUS")
    tpl_z, z = _passport("Ward skills", BLS, title="Basic life support", code="BLS-ADULT")
    person = factories.person(name="Casey Credit", team=team, start_date=START)
    for held in (tpl_y, tpl_z):
        factories.assign(person, held, on=START)
    _credit(admin, y, source_item=x)
    _credit(admin, z, source_item=y)
    _record(person, x, Done(D(2025, 10, 1)))
    db.session.commit()
    met, unmet = _expected(y, [Done(D(2025, 10, 1))]), _expected(z, [])
    assert (met.status, unmet.status) == (Status.COMPLETE, Status.OVERDUE)
    client = sign_in(app.test_client(), admin)
    _same_words(client, team, person, tpl_y, y, met)
    _same_words(client, team, person, tpl_z, z, unmet)
    passport = build_passport(person, today=TODAY, warning_days=WARNING_DAYS)
    assert (passport.row(y.id).met_by, passport.row(z.id).met_by) == ("Immediate life support", "")


def test_the_records_export_gives_a_certificate_its_own_expiry(app):
    """The records export ("Expires on" of each record) says the earlier of the rule and the certificate's own
    expiry, as the passport does."""
    team, admin = _trust()
    tpl, item = _passport("First aid", FIRST_AID, title="First aid at work")
    person = factories.person(name="Casey Certificate", team=team, start_date=START)
    factories.assign(person, tpl, on=START)
    _record(person, item, Done(D(2025, 6, 1), certificate_expires_on=D(2026, 2, 20)))
    _record(person, item, Done(D(2022, 6, 1), certificate_expires_on=D(2030, 1, 1)))     # later than the rule
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    table = list(csv.reader(io.StringIO(
        client.get(f"/team/export/records?format=csv&team={team.id}").get_data(as_text=True).lstrip("\ufeff"))))
    header = table[0]
    expires = {row[header.index("Completed on")]: row[header.index("Expires on")] for row in table[1:]}
    assert expires == {"2025-06-01": "2026-02-20", "2022-06-01": "2025-06-01"}
