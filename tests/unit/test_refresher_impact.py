"""The impact preview through the chain rule (PRODUCT.md §6.3): skillpass/services/impact.py.

A change to an item with a refresher (its frequency, its grace, the refresher given or taken away) moves
people as the chain rule says, not as the latest date alone would; a certificate's own expiry holds whatever
the frequency. The editor's check of the refresher fields is here too (services/templates_admin).

Today is fixed at 2 Mar 2026 (tests/conftest.py); W = 60 days.
"""
from __future__ import annotations

import datetime as dt

import pytest

from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus
from skillpass.rules import FULL_COURSE_NEEDED, REFRESHER_DUE, Status
from skillpass.services import templates_admin as service
from skillpass.services.errors import ValidationFailed
from skillpass.services.impact import archive_impact, impact
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import TODAY
from tests.querycount import count_queries

D = dt.date
UTC = dt.timezone.utc
W = 60
INITIAL, REFRESHER = EntryActivity.INITIAL, EntryActivity.REFRESHER


def _bls(db, *, frequency=12, refresher="BLS update, 1 hour", grace=3, name="Resuscitation"):
    tpl = factories.template(name)
    week2 = factories.section(tpl, "Within 2 weeks", 2, "weeks")
    bls = factories.item(week2, "Basic life support, full day", frequency_months=frequency, code="BLS")
    bls.refresher_title, bls.grace_months = refresher, grace if refresher else 0
    db.session.flush()
    return tpl, week2, bls


def _holder(db, tpl, *entries, name="Ann", item):
    person = factories.person(name=name, start_date=D(2022, 1, 3))
    factories.assign(person, tpl)
    for completed_on, activity, *own in entries:
        db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=completed_on,
                             method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=person.id,
                             recorded_at=dt.datetime.combine(completed_on, dt.time(9), tzinfo=UTC),
                             activity=activity, certificate_expires_on=own[0] if own else None))
    db.session.flush()
    return person


def _one_move(result):
    [move] = result.moves
    return move.before, move.after


def _passport_status(person, item):
    row = build_passport(person, today=TODAY, warning_days=W).row(item.id)
    return row.state.status


def test_a_shorter_grace_breaks_the_chain_of_a_late_refresher(db):
    # Initial 1 Jan 2024; refresher 1 Apr 2025, three months after 1 Jan 2025: it counts with 3 months' grace
    # (E = 1 Apr 2026, Expiring), not with 2 (E = 1 Jan 2025 from the initial, Expired; E + 2 months passed).
    tpl, _, bls = _bls(db, grace=3)
    ann = _holder(db, tpl, (D(2024, 1, 1), INITIAL), (D(2025, 4, 1), REFRESHER), item=bls)
    result = impact(today=TODAY, warning_days=W, what="grace", template_id=tpl.id,
                    item_refresher={bls.id: (True, 2)})
    assert _one_move(result) == (Status.EXPIRING, Status.EXPIRED)
    assert result.before.expiring == 1 and result.after.expired == 1
    assert [(m.before, m.after) for m in result.renewal_moves] == [(REFRESHER_DUE, FULL_COURSE_NEEDED)]
    assert result.renewal_sentences() == ["1 person: refresher due → full course needed"]
    assert result.date_sentences() == ["1 person: expiry moves from 1 Apr 2026 to 1 Jan 2025"]
    # What the preview says before is what the passport says now.
    assert _passport_status(ann, bls) is Status.EXPIRING


def test_a_longer_grace_can_only_keep_a_chain_going(db):
    tpl, _, bls = _bls(db, grace=0)
    _holder(db, tpl, (D(2024, 1, 1), INITIAL), (D(2025, 4, 1), REFRESHER), item=bls)
    result = impact(today=TODAY, warning_days=W, what="grace", template_id=tpl.id,
                    item_refresher={bls.id: (True, 3)})
    assert _one_move(result) == (Status.EXPIRED, Status.EXPIRING)


def test_taking_the_refresher_away_counts_the_latest_completion_whatever_it_was(db):
    # Initial 1 Jan 2023; a refresher 1 Jun 2025, long after 1 Jan 2024 + 3 months: too late, so Expired.
    # Without a refresher the latest completion counts: 1 Jun 2025 + 12 months, Complete.
    tpl, _, bls = _bls(db, grace=3)
    ann = _holder(db, tpl, (D(2023, 1, 1), INITIAL), (D(2025, 6, 1), REFRESHER), item=bls)
    assert _passport_status(ann, bls) is Status.EXPIRED
    result = impact(today=TODAY, warning_days=W, what="no refresher", template_id=tpl.id,
                    item_refresher={bls.id: (False, 0)})
    assert _one_move(result) == (Status.EXPIRED, Status.COMPLETE)
    assert [(m.before, m.after) for m in result.renewal_moves] == [(FULL_COURSE_NEEDED, "")]


def test_giving_a_refresher_back_reads_the_whole_history_not_the_latest_date(db):
    # Entries recorded while the item had a refresher, which it has no longer: the latest counts (Complete).
    # Given one again, the refresher of 1 Jun 2025 is too late for the initial of 1 Jan 2023: Expired (read
    # from the initial), not Overdue (as if there were no initial at all).
    tpl, _, bls = _bls(db, refresher="")
    ann = _holder(db, tpl, (D(2023, 1, 1), INITIAL), (D(2025, 6, 1), REFRESHER), item=bls)
    assert _passport_status(ann, bls) is Status.COMPLETE
    result = impact(today=TODAY, warning_days=W, what="refresher", template_id=tpl.id,
                    item_refresher={bls.id: (True, 0)})
    assert _one_move(result) == (Status.COMPLETE, Status.EXPIRED)
    assert [(m.before, m.after) for m in result.renewal_moves] == [("", FULL_COURSE_NEEDED)]


def test_a_new_frequency_counts_a_refresher_its_chain_now_reaches(db):
    # Initial 1 Jan 2024, refresher 1 Mar 2025: too late at 12 months (limit 1 Jan 2025), so E = 1 Jan 2025,
    # Expired. At 18 months the limit is 1 Jul 2025: the refresher counts, E = 1 Sep 2026, Complete.
    tpl, _, bls = _bls(db, grace=0)
    _holder(db, tpl, (D(2024, 1, 1), INITIAL), (D(2025, 3, 1), REFRESHER), item=bls)
    result = impact(today=TODAY, warning_days=W, what="frequency", template_id=tpl.id,
                    item_frequency={bls.id: 18})
    assert _one_move(result) == (Status.EXPIRED, Status.COMPLETE)
    assert result.date_sentences() == ["1 person: expiry moves from 1 Jan 2025 to 1 Sep 2026"]


def test_a_certificates_own_expiry_holds_whatever_the_frequency(db):
    # Completed 1 Jun 2025, its certificate expiring 1 Apr 2026: Expiring at 12 months, and still at 24
    # (the latest date alone would have said Complete).
    tpl, _, bls = _bls(db, refresher="")
    _holder(db, tpl, (D(2025, 6, 1), INITIAL, D(2026, 4, 1)), item=bls)
    result = impact(today=TODAY, warning_days=W, what="frequency", template_id=tpl.id,
                    item_frequency={bls.id: 24})
    assert not result.moves and result.after.expiring == 1 and not result.date_moves


def test_a_new_warning_window_reads_the_chain_too(db):
    # The refresher of 1 Apr 2025 counts (3 months' grace): E = 1 Apr 2026. W 60 → 29 days: Complete.
    tpl, _, bls = _bls(db, grace=3)
    _holder(db, tpl, (D(2024, 1, 1), INITIAL), (D(2025, 4, 1), REFRESHER), item=bls)
    result = impact(today=TODAY, warning_days=W, what="window", new_warning_days=29)
    assert _one_move(result) == (Status.EXPIRING, Status.COMPLETE)


def test_archiving_names_the_status_the_chain_gives(db):
    tpl, _, bls = _bls(db, grace=3)
    _holder(db, tpl, (D(2023, 1, 1), INITIAL), (D(2025, 6, 1), REFRESHER), item=bls)
    assert archive_impact(item=bls, today=TODAY, warning_days=W).holders == [("Ann", Status.EXPIRED)]


def test_the_preview_of_a_refresher_change_costs_the_same_for_2_or_40_people(db):
    counts = []
    for size in (2, 40):
        tpl, _, bls = _bls(db, refresher="", name=f"Resuscitation {size}")
        for n in range(size):
            _holder(db, tpl, (D(2023, 1, 1), INITIAL), (D(2025, 6, 1), REFRESHER), name=f"P{size}-{n}",
                    item=bls)
        db.session.commit()
        db.session.expire_all()
        with count_queries() as log:
            result = impact(today=TODAY, warning_days=W, what="refresher", template_id=tpl.id,
                            item_refresher={bls.id: (True, 0)})
        assert len(result.moves) == size
        counts.append(log.count)
    assert counts[0] == counts[1]


# --------------------------------------------------------------------------- the editor's check


def _form(section, **overrides):
    form = {"title": "Basic life support", "frequency_months": "12", "kind": "learning", "evidence": "optional",
            "mandatory": "on", "section_id": str(section.id), "refresher_title": "BLS update, 1 hour",
            "refresher_description": "An hour's practice on the manikin.", "grace_months": "3"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_check_item_keeps_the_refresher_and_its_grace(db):
    tpl, week2, _ = _bls(db)
    values = service.check_item(_form(week2), template=tpl)
    assert (values.refresher_title, values.refresher_description, values.grace_months) == (
        "BLS update, 1 hour", "An hour's practice on the manikin.", 3)


@pytest.mark.parametrize("overrides, field, words", [
    ({"frequency_months": ""}, "refresher_title", "A refresher renews something that expires"),
    ({"refresher_title": "", "refresher_description": "", "grace_months": "3"}, "grace_months",
     "give the item a refresher, or set the grace to 0"),
    ({"refresher_title": "", "grace_months": "0"}, "refresher_title", "Enter the refresher's title"),
    ({"grace_months": "25"}, "grace_months", "from 0 to 24"),
    ({"grace_months": "-1"}, "grace_months", "from 0 to 24"),
    ({"grace_months": "two"}, "grace_months", "from 0 to 24"),
    ({"refresher_title": "x" * 201}, "refresher_title", "200 characters or fewer"),
])
def test_check_item_says_what_is_wrong_with_a_refresher_by_its_field(db, overrides, field, words):
    tpl, week2, _ = _bls(db)
    with pytest.raises(ValidationFailed) as excinfo:
        service.check_item(_form(week2, **overrides), template=tpl)
    assert words in excinfo.value.errors[field]
    assert set(excinfo.value.errors) == {field}


def test_a_form_that_does_not_send_the_refresher_keeps_the_items_own(db):
    tpl, week2, bls = _bls(db)
    form = _form(week2, refresher_title=None, refresher_description=None, grace_months=None)
    values = service.check_item(form, template=tpl, item=bls)
    assert (values.refresher_title, values.grace_months) == ("BLS update, 1 hour", 3)
    assert service.check_item(form, template=tpl).refresher_title == ""     # a new item has none


def test_a_copy_keeps_the_refresher_and_its_grace(db):
    tpl, _, bls = _bls(db)
    bls.refresher_description = "An hour's practice."
    admin = factories.person(name="Ada Admin")
    copy = service.copy_template(actor=admin, template=tpl, name="Resuscitation (copy)", today=TODAY)
    from sqlalchemy import select

    from skillpass.extensions import db as database
    from skillpass.models import Item
    [copied] = database.session.scalars(select(Item).where(Item.template_id == copy.id)).all()
    assert (copied.refresher_title, copied.refresher_description, copied.grace_months) == (
        "BLS update, 1 hour", "An hour's practice.", 3)
