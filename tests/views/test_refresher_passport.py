"""The passport row's words for the chain rule (PRODUCT.md §6.3), on the page, in the row's history and in
print: a refresher on time and within grace, the full course needed after it, a refresher too late or with no
initial before it, and a certificate's own expiry earlier than the rule. The sign-off queue and the
completions import say the same of the entries they hold.

Today is 2 Mar 2026; W = 60 days. Basic life support: every 12 months, refresher "BLS update, 1 hour",
grace 3 months, due 2 weeks after the start date (5 Jan 2026: 19 Jan 2026)."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re

import pytest
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, Item
from tests import factories
from tests.conftest import HTMX

D = dt.date
INITIAL, REFRESHER = EntryActivity.INITIAL, EntryActivity.REFRESHER


@pytest.fixture
def bls(world):
    item = factories.item(world.week2, "Basic life support", frequency_months=12, code="BLS", position=5)
    item.refresher_title, item.refresher_description, item.grace_months = "BLS update, 1 hour", "On the manikin.", 3
    db.session.commit()
    return item


def _entry(world, item, on, activity=INITIAL, *, certificate=None, status=EntryStatus.ACCEPTED):
    entry = Entry(person_id=world.learner.id, item_id=item.id, completed_on=on, activity=activity,
                  certificate_expires_on=certificate,
                  method=EntryMethod.EQUIVALENT if certificate else EntryMethod.HERE,
                  equivalent_source="Resuscitation Council" if certificate else "", status=status,
                  recorded_by_id=world.learner.id,
                  recorded_at=dt.datetime.combine(on, dt.time(9), tzinfo=dt.timezone.utc))
    db.session.add(entry)
    db.session.commit()
    return entry


def _row(client, world, item) -> str:
    html = client.get(f"/people/{world.learner.id}/passport/items/{item.id}", headers=HTMX).get_data(as_text=True)
    return html_lib.unescape(re.sub(r"\s+", " ", html))


def _tags(row: str) -> list[str]:
    return re.findall(r'<strong class="nhsuk-tag nhsuk-tag--\w+ app-status[^"]*">([^<]+)</strong>', row)


CASES = {
    "a refresher on time counts":
        ([(D(2025, 3, 3), INITIAL), (D(2026, 2, 1), REFRESHER)], "Complete", [],
         "Expires 1 Feb 2027: refresher 1 Feb 2026 + 12 months", "Record refresher"),
    "an early refresher counts from its own date":
        ([(D(2025, 12, 1), INITIAL), (D(2026, 1, 10), REFRESHER)], "Complete", [],
         "Expires 10 Jan 2027: refresher 10 Jan 2026 + 12 months", "Record refresher"),
    "expiring: the refresher is due":
        ([(D(2024, 3, 3), INITIAL), (D(2025, 3, 3), REFRESHER)], "Expiring", ["Refresher due"],
         "Expires 3 Mar 2026: refresher 3 Mar 2025 + 12 months. Refresher due by 3 Jun 2026 (grace 3 months)",
         "Record refresher"),
    "within grace: a late refresher counts, and the next is still due":
        ([(D(2024, 1, 1), INITIAL), (D(2025, 3, 1), REFRESHER)], "Expired", ["Refresher due"],
         "Expired 1 Mar 2026: refresher 1 Mar 2025 + 12 months. Refresher due by 1 Jun 2026 (grace 3 months)",
         "Record refresher"),
    "after grace: the full course is needed":
        ([(D(2024, 10, 1), INITIAL)], "Expired", ["Full course needed"],
         "Expired 1 Oct 2025: completed 1 Oct 2024 + 12 months. Full course needed: refresher was due by "
         "1 Jan 2026 (grace 3 months)", "Record full course"),
    "a refresher after grace does not count":
        ([(D(2024, 10, 1), INITIAL), (D(2026, 2, 1), REFRESHER)], "Expired", ["Full course needed"],
         "Expired 1 Oct 2025: completed 1 Oct 2024 + 12 months. Full course needed: refresher was due by "
         "1 Jan 2026 (grace 3 months)", "Record full course"),
    "the initial activity again starts a new chain":
        ([(D(2023, 1, 1), INITIAL), (D(2026, 2, 1), INITIAL)], "Complete", [],
         "Expires 1 Feb 2027: completed 1 Feb 2026 + 12 months", "Record refresher"),
    "a refresher with no initial before it counts for nothing":
        ([(D(2026, 2, 1), REFRESHER)], "Overdue", [], "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks", "Record"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_row_says_what_the_chain_gives(as_learner, world, bls, case):
    entries, status, tags, line, record = CASES[case]
    for on, activity in entries:
        _entry(world, bls, on, activity)
    row = _row(as_learner, world, bls)
    assert _tags(row)[0] == status and _tags(row)[1:] == tags
    assert line in row
    assert re.search(rf">\s*{record}\s*<span class=\"nhsuk-u-visually-hidden\"> Basic life support</span>", row)
    counted_nothing = "does not count" in case or "counts for nothing" in case
    late = [on for on, activity in entries if activity is REFRESHER] if counted_nothing else []
    if late:
        assert f"Refresher, {late[0].day} {late[0]:%b %Y}: too late: the full course is needed" in row
    else:
        assert "too late" not in row


def test_a_certificate_expiring_before_the_rule_gives_the_expiry_and_says_so(as_learner, world, bls):
    _entry(world, bls, D(2025, 6, 1), certificate=D(2025, 12, 1))
    row = _row(as_learner, world, bls)
    # A refresher still counts until 1 Jun 2025 + 12 months + 3 months (§6.3), whatever the certificate says:
    # the row names that day, never "full course needed" while a refresher would still count.
    assert _tags(row) == ["Expired", "Refresher due"]
    assert ("Expired 1 Dec 2025: the certificate's own expiry, earlier than completed 1 Jun 2025 + 12 months. "
            "Refresher due by 1 Sep 2026 (grace 3 months)") in row
    assert "Certificate expires 1 Dec 2025" in row and "Initial activity" in row


def test_each_entry_in_the_rows_history_says_which_activity_and_which_did_not_count(as_learner, world, bls):
    _entry(world, bls, D(2024, 10, 1), certificate=D(2025, 6, 1))
    late = _entry(world, bls, D(2026, 2, 1), REFRESHER)
    history = as_learner.get(f"/people/{world.learner.id}/passport/items/{bls.id}/history", headers=HTMX)
    text = html_lib.unescape(re.sub(r"\s+", " ", history.get_data(as_text=True)))
    items = re.findall(r'<li class="app-history__entry">(.*?)</li>', text)
    by_date = {re.search(r"<strong>(\d+ \w+ \d+)</strong>", item).group(1): item for item in items}
    assert "Refresher: BLS update, 1 hour" in by_date["1 Feb 2026"]
    assert "Too late: the full course is needed" in by_date["1 Feb 2026"]
    assert "Initial activity" in by_date["1 Oct 2024"] and "Too late" not in by_date["1 Oct 2024"]
    assert "certificate expires 1 Jun 2025" in by_date["1 Oct 2024"]
    page = as_learner.get(f"/people/{world.learner.id}/passport/items/{bls.id}/history").get_data(as_text=True)
    assert "<html" in page and "Too late: the full course is needed" in page
    assert late.id


def test_the_print_says_the_same_in_its_date_and_status_columns(as_learner, world, bls):
    _entry(world, bls, D(2024, 10, 1))
    _entry(world, bls, D(2026, 2, 1), REFRESHER)
    _entry(world, world.fire, D(2025, 6, 1), certificate=D(2026, 1, 1))
    page = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    text = html_lib.unescape(re.sub(r"\s+", " ", page))
    assert ("Expired 1 Oct 2025: completed 1 Oct 2024 + 12 months. Full course needed: refresher was due by "
            "1 Jan 2026 (grace 3 months)") in text
    assert "Full course needed</span>" in text and "Initial activity" in text
    assert "Refresher, 1 Feb 2026: too late: the full course is needed" in text
    assert "Certificate expires 1 Jan 2026" in text
    assert "Expired 1 Jan 2026: the certificate's own expiry, earlier than completed 1 Jun 2025 + 24 months" in text


def test_what_needs_you_now_says_what_renewing_needs(as_learner, world, bls):
    _entry(world, bls, D(2024, 10, 1))
    page = html_lib.unescape(as_learner.get("/passport").get_data(as_text=True))
    need = re.search(rf'<li class="app-need[^"]*" id="need-{bls.id}">(.*?)</li>', page, re.S).group(1)
    assert "expired 1 Oct 2025" in need and ": full course needed" in need and "Record full course" in need


# ------------------------------------------------------------------ the sign-off queue


def test_the_queue_says_refresher_and_the_certificates_expiry(as_educator, world, bls):
    _entry(world, bls, D(2025, 6, 1))
    _entry(world, bls, D(2026, 2, 1), REFRESHER, certificate=D(2027, 1, 31), status=EntryStatus.AWAITING)
    _entry(world, world.fire, D(2025, 9, 1), certificate=D(2026, 9, 1), status=EntryStatus.AWAITING)
    queue = html_lib.unescape(as_educator.get("/sign-off/").get_data(as_text=True))
    entries = re.findall(r'<tbody id="queue-entry-\d+".*?</tbody>', queue, re.S)
    [refresher] = [e for e in entries if "Basic life support" in e]
    assert "Refresher: BLS update, 1 hour" in refresher and "Certificate expires 31 Jan 2027" in refresher
    [fire] = [e for e in entries if "Fire safety" in e]
    assert "Certificate expires 1 Sep 2026" in fire and "Refresher" not in fire
    partial = as_educator.get("/sign-off/", headers=HTMX).get_data(as_text=True)
    assert "Refresher: BLS update, 1 hour" in html_lib.unescape(partial)


# ------------------------------------------------------------------ the completions import


def _upload(client, content: str):
    return client.post("/admin/import/completions", data={"file": (io.BytesIO(content.encode("utf-8")), "esr.csv")},
                       content_type="multipart/form-data")


def _confirm(client, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/admin/import/completions/confirm", data={"token": token, "filename": "esr.csv"})


def test_the_import_keeps_a_certificates_expiry_and_a_refresher(as_admin, as_learner, world, bls):
    n = world.learner.employee_number
    content = ("Employee Number,Competence Name,Achievement Date,Expiry Date,Activity\r\n"
               f"{n},CSTF-FIRE,2025-03-14,2026-01-14,\r\n"       # the certificate's own, earlier than the rule
               f"{n},BLS,2024-03-01,2025-03-01,initial\r\n"       # just the rule's date: nothing of its own
               f"{n},BLS,2025-02-20,,Refresher\r\n")
    html = _upload(as_admin, content).get_data(as_text=True)
    assert "<strong>3</strong> completions to add" in html
    assert "<strong>1</strong> of them with a certificate's own expiry" in html_lib.unescape(html)
    assert "<strong>1</strong> of them refreshers" in html
    assert _confirm(as_admin, html).status_code == 303
    entries = {(e.item_id, e.completed_on): e for e in db.session.scalars(
        select(Entry).where(Entry.person_id == world.learner.id))}
    fire = entries[(world.fire.id, D(2025, 3, 14))]
    assert fire.certificate_expires_on == D(2026, 1, 14) and fire.activity is INITIAL
    assert "Expiry in the source" not in fire.note
    assert entries[(bls.id, D(2024, 3, 1))].certificate_expires_on is None
    assert entries[(bls.id, D(2025, 2, 20))].activity is REFRESHER
    fire_row = _row(as_learner, world, world.fire)
    assert ("Expired 14 Jan 2026: the certificate's own expiry, earlier than completed 14 Mar 2025 + 24 months"
            in fire_row)
    assert "Expires 20 Feb 2026" not in _row(as_learner, world, bls)
    assert "Expired 20 Feb 2026: refresher 20 Feb 2025 + 12 months" in _row(as_learner, world, bls)


@pytest.mark.parametrize("row, column, reason", [
    ("{n},CSTF-FIRE,2025-03-14,2025-03-01,", "expires_on", "Not after the completion date."),
    ("{n},CSTF-FIRE,2025-03-14,2025-02-30,", "expires_on", "is not a date"),
    ("{n},CSTF-FIRE,2025-03-14,,refresher", "activity", "Fire safety has no refresher"),
    ("{n},BLS,2025-03-14,,update", "activity", "is neither initial nor refresher"),
])
def test_a_bad_expiry_or_activity_stops_the_import_with_the_rows_message(as_admin, world, bls, row, column, reason):
    content = "employee_number,item,completed_on,expires_on,activity\r\n" + row.format(
        n=world.learner.employee_number) + "\r\n"
    html = html_lib.unescape(_upload(as_admin, content).get_data(as_text=True))
    assert "Nothing was imported: 1 problem in esr.csv" in html
    cell = r'<td class="nhsuk-table__cell">'
    problem = re.search(rf'<tr class="nhsuk-table__row">{cell}2</td>{cell}([^<]+)</td>{cell}([^<]+)</td>', html)
    assert problem.group(1) == column and reason in problem.group(2)
    assert db.session.scalars(select(Entry)).all() == []
    assert db.session.get(Item, bls.id).has_refresher
