"""The CSV of every record, read through one plain cursor (services/exports.py records_table: a Core select of the
columns as the driver gives them, every distinct value worked out once), writes the very bytes the export wrote
when it built its rows from ORM rows a chunk of people at a time: REFERENCE below is that export as it was, kept
here to compare with. The data is varied on purpose: every status, method and activity, certificates expiring
before and after the item, items archived and without code or frequency, people without team or employee number,
who no longer hold the passport or have left, text that looks like a formula, unicode, quotes, commas, line
breaks and control characters, and names shared by several people (their order is by name, then id)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import and_, select

from skillpass.extensions import db
from skillpass.models import (Assignment, Entry, EntryActivity, EntryMethod, EntryStatus, Item, PassportTemplate,
                              Person, Team)
from skillpass.rules import expiry_date
from skillpass.services import exports
from skillpass.services.exports import Percent, Tagged

from tests import factories
from tests.querycount import count_queries

NOW = dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- the export as it was (to compare with)

def _reference_rows(person_ids, template_id=None):
    for start in range(0, len(person_ids), 1000):
        chunk = person_ids[start:start + 1000]
        stmt = (select(Entry.status, Entry.completed_on, Entry.method, Entry.equivalent_source,
                       Entry.session_id, Entry.recorded_by_id != Entry.person_id, Entry.verified_credential,
                       Entry.decided_by_name, Entry.decided_at, Item.title, Item.code, Item.frequency_months,
                       Person.employee_number, Person.name, Person.job_role, Team.name,
                       PassportTemplate.name, Item.archived_at, Assignment.id, Entry.certificate_expires_on,
                       Person.email, Entry.activity, Item.refresher_title)
                .join(Item, Item.id == Entry.item_id)
                .join(PassportTemplate, PassportTemplate.id == Item.template_id)
                .join(Person, Person.id == Entry.person_id)
                .outerjoin(Team, Team.id == Person.team_id)
                .outerjoin(Assignment, and_(Assignment.person_id == Entry.person_id,
                                            Assignment.template_id == Item.template_id,
                                            Assignment.removed_on.is_(None)))
                .where(Entry.person_id.in_(chunk))
                .order_by(Person.name, Person.id, Item.title, Entry.completed_on, Entry.id))
        if template_id:
            stmt = stmt.where(Item.template_id == template_id)
        for (status, completed_on, method, source, session_id, by_staff, verified, decided_by, decided_at, title,
             code, frequency, number, name, job_role, team, passport, archived_at, live, own_expiry, email,
             activity, refresher) in db.session.execute(stmt):
            expires = expiry_date(completed_on, frequency) if status is EntryStatus.ACCEPTED else None
            if (status is EntryStatus.ACCEPTED and own_expiry is not None
                    and (expires is None or own_expiry < expires)):
                expires = own_expiry
            how = method.describe(source, session=session_id is not None, by_staff=bool(by_staff),
                                  verified=bool(verified))
            signed = decided_by if status is EntryStatus.ACCEPTED else ""
            if status is EntryStatus.ACCEPTED and method is EntryMethod.HERE and not decided_by:
                signed = exports.SELF_DECLARED
            yield [number or "", name, team or "", job_role, title, code or "", status.label,
                   completed_on, expires, how, signed,
                   decided_at.date() if (decided_at and signed and signed != exports.SELF_DECLARED) else None,
                   passport, "Yes" if live is not None and archived_at is None else "No", email,
                   activity.label if refresher or activity is EntryActivity.REFRESHER else ""]


def _reference_csv(header, rows) -> bytes:
    """csv_chunks as it was: every cell made safe and written, one by one."""
    import csv
    import io

    def value(v):
        if isinstance(v, Percent):
            return v.value
        v = exports.safe(v.text if isinstance(v, Tagged) else v)
        return v.isoformat() if isinstance(v, dt.date) else v

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([exports.safe(h) for h in header])
    for row in rows:
        writer.writerow([value(v) for v in row])
    return buffer.getvalue().encode()


def _everyone_by_name():
    return list(db.session.scalars(select(Person.id).where(Person.active.is_(True)).order_by(Person.name, Person.id)))


# ---------------------------------------------------------------- varied data

def _varied(world):
    tpl, week2, month6 = world.template, world.week2, world.month6
    world.fire.refresher_title = "Fire safety update"
    plain = factories.item(month6, "Ünïcode, \"quoted\" item", frequency_months=12, position=4)
    oneoff = factories.item(month6, "=SUM(A1) item", position=5, code="+CODE")
    archived = factories.item(week2, "Archived item", frequency_months=36, position=6, code="OLD-1")
    archived.archived_at = NOW
    other_tpl = factories.template("Second passport, with comma")
    other_item = factories.item(factories.section(other_tpl, "Day one", 0), "-Minus item", frequency_months=12)
    nobody_team = factories.person(name="Zoë Ñúñez 李", email="zoe@example.test", job_role="@Role")
    nobody_team.employee_number = None
    same_a = factories.person(name="Sam Same", team=world.team_a, job_role="Nurse, Band 5")
    same_b = factories.person(name="Sam Same", team=world.team_b, job_role="\tTabbed role")
    formula = factories.person(name="=HYPERLINK(\"x\")", team=world.team_b, job_role="Line\nbreak\x07bell")
    left = factories.person(name="Lena Left", team=world.team_a)
    left.active = False
    for p in (nobody_team, same_a, same_b, formula, left):
        factories.assign(p, tpl)
    factories.assign(same_b, other_tpl)
    removed = factories.assign(formula, other_tpl)
    removed.removed_on = dt.date(2026, 1, 20)
    db.session.flush()

    methods = [(EntryMethod.HERE, ""), (EntryMethod.EQUIVALENT, "Leeds \"Teaching\" Hospitals, NHS"),
               (EntryMethod.EQUIVALENT, "Ünïversity Trust"), (EntryMethod.OBSERVED, ""),
               (EntryMethod.IMPORTED, "=cmd|' /C calc'!A0")]
    statuses = list(EntryStatus)
    people = [world.learner, world.other_learner, world.educator, nobody_team, same_a, same_b, formula, left]
    items = [world.fire, world.stress, world.competency, world.optional, plain, oneoff, archived, other_item]
    n = 0
    for p in people:
        for item in items:
            for k in range(2):
                n += 1
                method, source = methods[n % len(methods)]
                status = statuses[(n // 2) % len(statuses)]
                decided = status is not EntryStatus.AWAITING and n % 3 != 0
                completed_on = dt.date(2023, 1, 28) + dt.timedelta(days=37 * n % 900)
                db.session.add(Entry(
                    person_id=p.id, item_id=item.id, completed_on=completed_on,
                    method=method, equivalent_source=source, status=status,
                    recorded_by_id=(world.admin if n % 4 == 0 else p).id, recorded_at=NOW,
                    decided_by_name=("Dr Éva O'Neil" if n % 5 else "-Signer") if decided else "",
                    decided_at=NOW - dt.timedelta(hours=7 * n) if decided else None,
                    activity=EntryActivity.REFRESHER if item is world.fire and k else EntryActivity.INITIAL,
                    # a certificate's own expiry before the item's, after it, or none
                    certificate_expires_on=(completed_on + dt.timedelta(days=200) if n % 7 == 0 else
                                            completed_on + dt.timedelta(days=4000) if n % 7 == 1 else None),
                    verified_credential=method is EntryMethod.EQUIVALENT and bool(source) and n % 2 == 0))
    db.session.commit()
    return other_tpl


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("limits", [(1000, 20000), (2, 3)], ids=["as set", "chunks of 2, memos of 3"])
def test_the_records_csv_is_byte_for_byte_the_export_as_it_was(app, world, as_admin, monkeypatch, limits):
    """The whole organisation, a team, one passport, and a status filter (the people from the matrix, read in
    chunks): the same bytes as before. With tiny chunks and memos, chunk edges and memos emptied change nothing."""
    monkeypatch.setattr(exports, "CHUNK", limits[0])
    monkeypatch.setattr(exports, "MEMO_LIMIT", limits[1])
    other_tpl = _varied(world)
    everyone = _everyone_by_name()
    assert len(everyone) == 9      # the one who left is not exported
    expected = _reference_csv(exports.RECORD_HEADER, _reference_rows(everyone))
    assert as_admin.get("/team/export/records?format=csv").data == expected
    assert "Zoë Ñúñez 李".encode() in expected and b"'=HYPERLINK" in expected and b"'+CODE" in expected

    in_team = [i for i in everyone if db.session.get(Person, i).team_id == world.team_b.id]
    assert as_admin.get(f"/team/export/records?format=csv&team={world.team_b.id}").data == _reference_csv(
        exports.RECORD_HEADER, _reference_rows(in_team))

    holders = [i for i in everyone if db.session.scalar(select(Assignment.id).where(
        Assignment.person_id == i, Assignment.template_id == other_tpl.id, Assignment.removed_on.is_(None)))]
    assert as_admin.get(f"/team/export/records?format=csv&template={other_tpl.id}").data == _reference_csv(
        exports.RECORD_HEADER, _reference_rows(holders, other_tpl.id))

    # A status filter: who is shown comes from the matrix, and their records are read by their ids.
    from skillpass.services import figures
    matrix = figures.build_matrix(figures.Scope(team_ids=None, job_role="", template_id=None),
                                  today=dt.date(2026, 3, 2), warning_days=30)
    shown = [r.person.id for r in figures.filter_rows(matrix, status=None, out_only=True)]
    assert shown
    assert as_admin.get("/team/export/records?format=csv&out=1").data == _reference_csv(
        exports.RECORD_HEADER, _reference_rows(shown))


def test_the_workbook_of_records_has_the_same_rows(app, world, as_admin):
    """The records' rows are still typed for a workbook (dates stay dates): the XLSX reads the same values."""
    import io

    from openpyxl import load_workbook

    _varied(world)
    expected = list(_reference_rows(_everyone_by_name()))
    sheet = load_workbook(io.BytesIO(as_admin.get("/team/export/records?format=xlsx").data)).active
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(got) == len(expected)
    for cells, row in zip(got, expected):
        want = [exports.safe(v) for v in row]
        assert [c.date() if isinstance(c, dt.datetime) else ("" if c is None else c) for c in cells] == want


def test_the_records_csv_reads_everyone_in_one_query_whatever_their_number(app, world, as_admin):
    """The people in scope are read in the records' own query: as many queries for ten people as for forty."""
    _varied(world)

    def queries():
        with count_queries() as log:
            response = as_admin.get("/team/export/records?format=csv")
            assert response.status_code == 200 and response.data
        return log.count

    few = queries()
    for n in range(30):
        p = factories.person(name=f"More {n}", team=world.team_a)
        factories.assign(p, world.template)
        db.session.add(Entry(person_id=p.id, item_id=world.fire.id, completed_on=dt.date(2025, 5, 1),
                             method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=p.id,
                             recorded_at=NOW))
    db.session.commit()
    assert queries() == few


def test_csv_cells_written_once_are_written_as_each_value_alone_would_be(app):
    """csv_chunks writes each distinct text, date or status cell once: values equal in Python but written
    differently (True, 1, 1.0; a date and a datetime; a status word and its plain text) are never confused."""
    from markupsafe import Markup

    rows = [[True, 1, 1.0, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), Tagged("Due", "red"), "Due", None, ""],
            [1, 1.0, True, dt.datetime(2026, 1, 1), dt.date(2026, 1, 1), "Due", Tagged("=Due", "red"), "", None],
            [Percent(1), "=1", Markup("x"), "x", "caf\u00e9\x00", "-2", 0, False, Percent(0)]] * 3
    header = [f"c{i}" for i in range(9)]
    got = "".join(exports.csv_chunks(exports.Table(header=header, rows=iter(rows)))).encode()
    assert got == _reference_csv(header, rows)
