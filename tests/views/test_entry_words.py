"""How an entry was made reads the same everywhere: the passport page, the sign-off queue, the print (the
PDF's source) and the records export, for every kind of entry. The words come from one place
(EntryMethod.describe, as Entry.how; Entry.description adds the date)."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re

import pytest

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from skillpass.rules import format_date

SOURCE = "Leeds Teaching Hospitals"

# The words of each kind, written out: a change of wording is a decision, made here.
WORDS = {
    EntryMethod.HERE: "Completed here",
    EntryMethod.EQUIVALENT: f"Equivalent training demonstrated at {SOURCE}",
    EntryMethod.OBSERVED: "Observed practice",
    EntryMethod.IMPORTED: "Imported record",
}


def _text(html: str) -> str:
    """What a reader sees: tags out, entities read, white space as single spaces."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def _segment(html: str, start: str) -> str:
    at = html.index(start)
    return _text(html[at:html.index("</tr>", at)])


def _entry(world, item, on: dt.date, method: EntryMethod, status: EntryStatus) -> Entry:
    entry = Entry(person_id=world.learner.id, item_id=item.id, completed_on=on, method=method, status=status,
                  equivalent_source=SOURCE if method is EntryMethod.EQUIVALENT else "",
                  recorded_by_id=world.educator.id if method is EntryMethod.OBSERVED else world.learner.id)
    if method is EntryMethod.OBSERVED:
        entry.stamp(status, by=world.educator, at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc))
    db.session.add(entry)
    db.session.commit()
    return entry


def _records(as_admin) -> list[dict]:
    response = as_admin.get("/team/export/records?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def _record_of(records: list[dict], item, entry: Entry) -> dict:
    [record] = [r for r in records if r["Item"] == item.title and r["Completed on"] == entry.completed_on.isoformat()]
    return record


@pytest.fixture
def accepted(world):
    """One accepted entry of each kind on Lee's passport, each on its own item."""
    return {
        EntryMethod.HERE: (world.fire, _entry(world, world.fire, dt.date(2026, 1, 10), EntryMethod.HERE,
                                              EntryStatus.ACCEPTED)),
        EntryMethod.EQUIVALENT: (world.stress, _entry(world, world.stress, dt.date(2025, 6, 1),
                                                      EntryMethod.EQUIVALENT, EntryStatus.ACCEPTED)),
        EntryMethod.OBSERVED: (world.competency, _entry(world, world.competency, dt.date(2026, 2, 20),
                                                        EntryMethod.OBSERVED, EntryStatus.ACCEPTED)),
        EntryMethod.IMPORTED: (world.optional, _entry(world, world.optional, dt.date(2025, 3, 14),
                                                      EntryMethod.IMPORTED, EntryStatus.ACCEPTED)),
    }


def test_every_kind_of_entry_has_its_words():
    assert {method: method.describe(SOURCE) for method in EntryMethod} == WORDS
    assert EntryMethod.EQUIVALENT.describe("") == "Equivalent training demonstrated"


@pytest.mark.parametrize("method", list(EntryMethod), ids=lambda m: m.value)
def test_an_accepted_entry_reads_the_same_on_the_passport_the_print_and_the_export(
        as_learner, as_educator, as_admin, world, accepted, method):
    item, entry = accepted[method]
    assert entry.how == WORDS[method]
    described = f"{WORDS[method]}, {format_date(entry.completed_on)}"

    for client, url in ((as_learner, "/passport"), (as_educator, f"/people/{world.learner.id}/passport")):
        page = client.get(url).get_data(as_text=True)
        assert described in _segment(page, f'<tr id="item-{item.id}"'), url

    printed = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert described in _segment(printed, f"<strong>{item.title}</strong>")

    record = _record_of(_records(as_admin), item, entry)
    assert record["How"] == WORDS[method] and record["Status"] == "Accepted"


@pytest.mark.parametrize("method", [EntryMethod.HERE, EntryMethod.EQUIVALENT], ids=lambda m: m.value)
def test_an_entry_awaiting_a_decision_reads_the_same_in_the_queue_the_passport_the_print_and_the_export(
        as_learner, as_educator, as_admin, world, method):
    """Only entries the learner records themselves wait for a decision (observed and imported ones count
    at once): these are the kinds the queue shows."""
    item = world.competency if method is EntryMethod.HERE else world.stress
    entry = _entry(world, item, dt.date(2026, 2, 20), method, EntryStatus.AWAITING)
    described = f"{WORDS[method]}, {format_date(entry.completed_on)}"

    queue = as_educator.get("/sign-off/").get_data(as_text=True)
    assert described in _segment(queue, f'<tbody id="queue-entry-{entry.id}"')

    for client, url in ((as_learner, "/passport"), (as_educator, f"/people/{world.learner.id}/passport")):
        page = client.get(url).get_data(as_text=True)
        assert f"{described}: awaiting sign-off" in _segment(page, f'<tr id="item-{item.id}"'), url

    printed = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert f"{described}: awaiting sign-off" in _segment(printed, f"<strong>{item.title}</strong>")

    record = _record_of(_records(as_admin), item, entry)
    assert record["How"] == WORDS[method] and record["Status"] == "Awaiting sign-off"
