"""The top of My passport: what needs the learner now (with the row's Record action), the summary's counts as
links to their rows (?show=…, without JavaScript), the sections to jump to; as a full page and as the summary's
htmx partial, which the page refetches on passportChanged."""
from __future__ import annotations

import datetime as dt
import re

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus
from tests.conftest import HTMX

D = dt.date


def _text(response) -> str:
    return response.get_data(as_text=True)


def _needs(html: str) -> str:
    start = html.index('<section class="app-needs"')
    return html[start:html.index("</section>", start)]


def _entry(person, item, on, status=EntryStatus.ACCEPTED, **extra):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=status, recorded_by_id=person.id, **extra))
    db.session.commit()


def test_my_passport_opens_with_what_needs_me_and_its_record_action(as_learner, world):
    html = _text(as_learner.get("/passport"))
    needs = _needs(html)
    assert "What needs you now" in needs
    assert "Fire safety" in needs and "was due 19 Jan 2026 (42 days ago)" in needs
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' in needs
    record = f"/people/{world.learner.id}/passport/items/{world.fire.id}/record"
    # The row's Record: a link to its form (a page without JavaScript), opened in the row by htmx.
    assert re.search(rf'<a class="app-need__action" href="{record}" hx-get="{record}" '
                     rf'hx-target="#item-{world.fire.id}" hx-swap="outerHTML">Record', needs)
    # The needs list comes before the rows.
    assert html.index("What needs you now") < html.index(f'id="item-{world.fire.id}"')
    # The form it links to is the row's form, as a page.
    page = _text(as_learner.get(record))
    assert "Record: Fire safety" in page


def test_nothing_needs_me_says_so_and_names_the_next_date(as_learner, world):
    for item in (world.fire, world.stress, world.competency):
        _entry(world.learner, item, D(2026, 2, 1))
    needs = _needs(_text(as_learner.get("/passport")))
    assert "Nothing needs you now. Next due: Fire safety, expires 1 Feb 2028." in " ".join(needs.split())


def test_a_rejected_entry_is_listed_with_its_reason(as_learner, world):
    _entry(world.learner, world.competency, D(2026, 2, 20), status=EntryStatus.REJECTED,
           decided_by_name="Eve Educator", decision_reason="Not observed on the ward")
    needs = _needs(_text(as_learner.get("/passport")))
    assert "Moving a patient with a hoist" in needs and "Reason given: Not observed on the ward" in needs


def test_an_item_awaiting_sign_off_says_who_it_waits_for_and_counts_once(as_learner, world):
    _entry(world.learner, world.fire, D(2026, 2, 20), status=EntryStatus.AWAITING)
    html = _text(as_learner.get("/passport"))
    needs = _needs(html)
    assert "waiting for an educator of Physiotherapy to confirm it" in needs
    assert f'href="#item-{world.fire.id}">See the entry' in needs and "/record" not in needs
    counts = " ".join(re.sub(r"<[^>]+>", " ", html[html.index('class="app-counts"'):]).split())
    assert "Overdue 0" in counts and "Awaiting sign-off 1" in counts and "To do 2" in counts
    assert "Each of the 3 mandatory items is counted once" in counts


def test_an_educator_sees_the_list_without_the_learners_record_action(as_educator, world):
    needs = _needs(_text(as_educator.get(f"/people/{world.learner.id}/passport")))
    assert "What needs doing now" in needs and "Fire safety" in needs
    assert "/record" not in needs


def test_the_summary_counts_link_to_their_rows_and_show_all_comes_back(as_learner, world):
    html = _text(as_learner.get("/passport"))
    assert 'href="/passport?show=overdue#passport-items"' in html
    assert 'href="/passport?show=expired' not in html          # nothing to show: no link
    shown = _text(as_learner.get("/passport?show=overdue"))
    assert "Showing only the 1 item counted as Overdue." in shown
    assert '<a href="/passport">Show all items</a>' in shown
    assert f'id="item-{world.fire.id}"' in shown and f'id="item-{world.stress.id}"' not in shown
    assert f'id="section-{world.month6.id}"' not in shown.replace(f'#section-{world.month6.id}', "")
    todo = _text(as_learner.get("/passport?show=todo"))
    assert f'id="item-{world.stress.id}"' in todo and f'id="item-{world.fire.id}"' not in todo
    # The section's progress is still the whole section's.
    assert "Progress: <strong>0 of 3</strong>" in todo
    # Anything else shows everything.
    every = _text(as_learner.get("/passport?show=<b>"))
    assert "Showing only" not in every and f'id="item-{world.stress.id}"' in every


def test_a_needs_line_for_a_row_not_shown_opens_the_record_page(as_learner, world):
    shown = _text(as_learner.get("/passport?show=todo"))
    needs = _needs(shown)
    record = f"/people/{world.learner.id}/passport/items/{world.fire.id}/record"
    assert f'href="{record}">Record' in needs and f'hx-target="#item-{world.fire.id}"' not in needs


def test_sections_can_be_jumped_to_with_their_progress(as_learner, world):
    html = _text(as_learner.get("/passport"))
    nav = html[html.index('<nav class="app-contents"'):]
    nav = nav[:nav.index("</nav>")]
    assert f'href="#section-{world.week2.id}">Within 2 weeks</a>' in nav
    assert f'href="#section-{world.month6.id}">Within 6 months</a>' in nav
    assert "0 of 1 complete" in nav and "0 of 3 complete" in nav
    assert f'id="section-{world.week2.id}"' in html


def test_the_summary_partial_carries_the_list_counts_and_contents_for_htmx(as_learner, world):
    url = f"/people/{world.learner.id}/passport/summary"
    partial = _text(as_learner.get(url, headers=HTMX))
    assert partial.lstrip().startswith('<div id="passport-summary"') and "<html" not in partial
    assert 'hx-trigger="passportChanged from:body"' in partial
    assert "What needs you now" in partial and "was due 19 Jan 2026" in partial
    assert 'class="app-counts"' in partial and 'class="app-contents"' in partial
    # Recorded elsewhere (the row's form): the refetched summary no longer lists it.
    _entry(world.learner, world.fire, D(2026, 2, 1))
    after = _text(as_learner.get(url, headers=HTMX))
    assert "was due 19 Jan 2026" not in after and "Nothing needs you now" in after
    # The filtered page's summary keeps its filter when it refetches itself.
    filtered = _text(as_learner.get("/passport?show=todo"))
    assert f'hx-get="{url}?show=todo"' in filtered
    assert as_learner.get(url).status_code == 302


def test_the_optional_item_is_grey_in_the_row_and_the_summary(as_learner, world):
    html = _text(as_learner.get("/passport"))
    start = html.index(f'id="item-{world.optional.id}"')
    row = html[start:html.index("</tr>", start)]
    assert '<strong class="nhsuk-tag nhsuk-tag--grey app-status">Optional · not done</strong>' in row
    assert '<strong class="nhsuk-tag nhsuk-tag--grey">Optional · not done</strong> 1' in html
    assert "1 optional item not counted." in html


def test_a_record_saved_with_htmx_tells_the_summary_to_refresh(as_learner, world):
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                               data={"completed_on": "2026-02-20", "method": "here", "note": ""}, headers=HTMX)
    assert response.status_code == 200
    assert "passportChanged" in response.headers["HX-Trigger"]
