"""The calendar feed (PRODUCT.md §6.7): a private iCalendar feed of a person's due and expiry dates at a
secret address, its account page, and resetting the address."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, CalendarFeed, Entry, EntryMethod, EntryStatus
from skillpass.services import calendar_feed
from skillpass.services.passport import build_passport
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries
from tests.views.test_passport_queries import _passport


def _text(response) -> str:
    return response.get_data(as_text=True)


def _address(client) -> str:
    """The feed's path, as the account page shows it (made first if need be)."""
    client.post("/account/calendar", data={})
    page = _text(client.get("/account/calendar"))
    url = re.search(r'id="calendar-url"[^>]*value="([^"]+)"', page).group(1)
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://localhost")


def _events(response) -> dict[str, object]:
    """The feed's events by summary, after checking it is a well-formed iCalendar answer."""
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    raw = response.get_data()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")   # CRLF line ends only
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))                 # long lines folded
    cal = Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"] == calendar_feed.PRODID
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def _dates_on_the_passport(person) -> dict[int, dt.date]:
    """What the passport page states for each row that has a due or expiry date, by item."""
    passport = build_passport(person, today=TODAY, warning_days=60)
    out = {}
    for row in passport.rows:
        if row.state.status.value == "not_required":
            continue
        on = row.state.expires_on if row.state.completed_on else row.state.due.on
        if on is not None:
            out[row.item.id] = on
    return out


def test_a_person_gets_an_address_once_and_the_page_shows_how_to_subscribe(as_learner, world):
    page = as_learner.get("/account/calendar")
    assert page.status_code == 200
    assert "Get my calendar address" in _text(page) and 'id="calendar-url"' not in _text(page)

    response = as_learner.post("/account/calendar", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/calendar")
    first = _address(as_learner)
    assert as_learner.post("/account/calendar", data={}).status_code == 303   # a second click changes nothing
    assert _address(as_learner) == first
    token = first.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 43

    body = _text(as_learner.get("/account/calendar"))
    for words in ("Copy the address", "Subscribe in Outlook", "Subscribe in Google Calendar", "Reset the address"):
        assert words in body
    made = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.CALENDAR_ADDRESS_MADE)).all()
    assert len(made) == 1 and made[0].person_id == world.learner.id
    assert token not in made[0].summary


def test_making_the_address_with_htmx_swaps_the_section_and_announces_it(as_learner):
    response = as_learner.post("/account/calendar", data={}, headers=HTMX)
    assert response.status_code == 200
    body = _text(response)
    assert body.lstrip().startswith('<div id="calendar-address"') and "<html" not in body
    assert 'id="calendar-url"' in body and "data-focus" in body
    assert "is ready to copy" in body   # the live region, out of band
    partial = _text(as_learner.get("/account/calendar", headers=HTMX))
    assert partial.lstrip().startswith('<div id="calendar-address"') and "data-focus" not in partial


def test_the_header_links_to_the_calendar_page(as_learner):
    assert 'href="/account/calendar"' in _text(as_learner.get("/passport"))


def test_the_feed_is_valid_icalendar_with_the_passports_dates(app, as_learner, world):
    path = _address(as_learner)
    anonymous = app.test_client()
    events = _events(anonymous.get(path))
    cal = Calendar.from_ical(anonymous.get(path).get_data())
    assert str(cal["X-WR-CALNAME"]) == "SkillPass: Lee Learner"

    expected = _dates_on_the_passport(world.learner)
    assert {world.fire.id, world.stress.id, world.competency.id, world.optional.id} == set(expected)
    by_item = {int(str(e["UID"]).split("-item-")[1].split("@")[0]): e for e in events.values()}
    assert {item_id: e.decoded("DTSTART") for item_id, e in by_item.items()} == expected
    for event in events.values():
        start = event.decoded("DTSTART")
        assert type(start) is dt.date and event.decoded("DTEND") == start + dt.timedelta(days=1)
        assert event.get("DTSTAMP") is not None and event.get("LAST-MODIFIED") is not None

    fire = events["Fire safety due"]
    assert fire.decoded("DTSTART") == dt.date(2026, 1, 19)   # start 5 Jan 2026 + 2 weeks
    description = str(fire["DESCRIPTION"])
    assert "Overdue" in description and "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks" in description
    assert "AHP Support Worker Skills Passport · Within 2 weeks" in description
    assert "Reflective practice due (optional)" in events   # optional items are there, and say so


def test_uids_are_stable_and_a_new_record_moves_the_date_and_the_sequence(app, as_learner, world):
    path = _address(as_learner)
    anonymous = app.test_client()
    before = _events(anonymous.get(path))
    again = _events(anonymous.get(path))
    assert {str(e["UID"]) for e in before.values()} == {str(e["UID"]) for e in again.values()}
    assert anonymous.get(path).get_data() == anonymous.get(path).get_data()   # nothing changed: the same bytes

    fire = before["Fire safety due"]
    db.session.add(Entry(person_id=world.learner.id, item_id=world.fire.id, completed_on=dt.date(2026, 2, 20),
                         method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=world.learner.id))
    db.session.commit()
    after = _events(anonymous.get(path))
    renewed = after["Fire safety expires"]
    assert str(renewed["UID"]) == str(fire["UID"])
    assert renewed.decoded("DTSTART") == dt.date(2028, 2, 20)   # completed 20 Feb 2026 + 24 months
    assert renewed.decoded("SEQUENCE") > fire.decoded("SEQUENCE")
    assert renewed.decoded("LAST-MODIFIED") >= fire.decoded("LAST-MODIFIED")
    assert "Expires 20 Feb 2028: completed 20 Feb 2026 + 24 months" in str(renewed["DESCRIPTION"])


def test_an_entry_awaiting_sign_off_keeps_the_date_the_passport_states(app, as_learner, world):
    path = _address(as_learner)
    db.session.add(Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 20),
                         method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id))
    db.session.commit()
    hoist = _events(app.test_client().get(path))["Moving a patient with a hoist due"]
    assert hoist.decoded("DTSTART") == _dates_on_the_passport(world.learner)[world.competency.id]
    assert "awaiting sign-off" in str(hoist["DESCRIPTION"])


def test_resetting_the_address_asks_first_then_the_old_address_answers_404(app, as_learner, world):
    old = _address(as_learner)
    question = as_learner.get("/account/calendar/reset")
    assert question.status_code == 200 and "Reset your calendar address?" in _text(question)
    inline = _text(as_learner.get("/account/calendar/reset", headers=HTMX))
    assert inline.lstrip().startswith('<div id="calendar-address"') and "Yes, reset the address" in inline
    assert app.test_client().get(old).status_code == 200   # asking changes nothing

    response = as_learner.post("/account/calendar/reset", data={})
    assert response.status_code == 303
    assert "Your calendar address has been reset" in _text(as_learner.get("/account/calendar"))
    new = _address(as_learner)
    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200
    reset = db.session.scalars(select(AuditEvent).where(AuditEvent.action == Action.CALENDAR_ADDRESS_RESET)).all()
    assert [e.person_id for e in reset] == [world.learner.id]


def test_resetting_with_htmx_shows_the_new_address_with_focus_on_its_heading(app, as_learner):
    old = _address(as_learner)
    response = as_learner.post("/account/calendar/reset", data={}, headers=HTMX)
    assert response.status_code == 200
    body = _text(response)
    assert body.lstrip().startswith('<div id="calendar-address"') and old not in body
    heading = re.search(r"<h2[^>]*>Your calendar address</h2>", body).group(0)
    assert "data-focus" in heading   # focus on the news, never on the Reset button
    assert "has been reset" in body
    assert app.test_client().get(old).status_code == 404


@pytest.mark.parametrize("path", ["/calendar/nothing-like-it.ics", "/calendar/" + "x" * 43 + ".ics",
                                  "/calendar/" + "x" * 300 + ".ics", "/calendar/.ics"])
def test_a_wrong_address_is_not_found(client, world, path):
    assert client.get(path).status_code == 404


def test_a_deactivated_persons_feed_is_not_found(app, as_learner, world):
    path = _address(as_learner)
    world.learner.active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_each_person_has_their_own_address(app, world):
    lee = sign_in(app.test_client(), world.learner)
    eve = sign_in(app.test_client(), world.educator)
    assert _address(lee) != _address(eve)
    names = {str(Calendar.from_ical(app.test_client().get(_address(c)).get_data())["X-WR-CALNAME"])
             for c in (lee, eve)}
    assert names == {"SkillPass: Lee Learner", "SkillPass: Eve Educator"}
    assert db.session.scalar(select(CalendarFeed).where(CalendarFeed.person_id == world.learner.id)).token_key \
        != db.session.scalar(select(CalendarFeed).where(CalendarFeed.person_id == world.educator.id)).token_key


def test_the_feed_costs_the_same_queries_whatever_the_passports_size(app):
    counts = []
    for size, years in ((5, 0), (60, 5)):
        learner, _educator, _items, _sections = _passport(size, years)
        token = calendar_feed.make_address(learner)
        db.session.commit()
        client = app.test_client()
        client.get(f"/calendar/{token}.ics")   # warm: first-request work is not the feed's
        with count_queries() as log:
            response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        counts.append((log, len(Calendar.from_ical(response.get_data()).walk("VEVENT"))))
    (small, small_events), (large, large_events) = counts
    assert small_events == 5 and large_events == 30   # the 30 one-off items, done, have no date left
    assert small.count == large.count, f"small: {small!r}\n\nlarge: {large!r}"
    assert small.count <= 10, repr(small)
