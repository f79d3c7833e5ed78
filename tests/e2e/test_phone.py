"""The learner's day on a 390 px phone: record, record equivalent training with a certificate, withdraw it,
add informal learning. With each form open, and again with its errors shown, every label, field, hint,
error and button lies on the screen (nothing clipped, no sideways scroll). The pages these flows change are
checked by axe at 390 px and at 1280 px. Takes the README's phone screenshots (make screenshots)."""
from __future__ import annotations

import datetime as dt
import io
import re

from playwright.sync_api import expect
from pypdf import PdfWriter
from sqlalchemy import select

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import Item, Person, TrainingSession
from tests.conftest import TODAY
from tests.e2e.conftest import assert_inside_viewport, assert_no_axe_violations, screenshot, sign_in, sign_out
from tests.e2e.dates import date_group

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fill_date(scope, label: str, date: dt.date | None):
    """Type a date into the field called `label`: the NHS.UK three-field date input (a group named by its
    legend, with Day, Month and Year) where the form has one, or a single date field. None empties it."""
    group = scope.get_by_role("group", name=label)
    if group.count():
        for part, value in (("Day", date and date.day), ("Month", date and date.month), ("Year", date and date.year)):
            group.get_by_label(part, exact=True).fill("" if value is None else str(value))
    else:
        scope.get_by_label(label, exact=True).fill("" if date is None else date.isoformat())


def _certificate() -> dict:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return {"name": "conflict-resolution-certificate.pdf", "mimeType": "application/pdf", "buffer": out.getvalue()}


def _item(title: str) -> Item:
    return db.session.scalar(select(Item).where(Item.title == title))


def _open_record_form(row):
    row.get_by_role("link", name=re.compile("^Record")).click()
    # htmx lends the old row's attributes to the new one until it settles: wait for the form's own row.
    expect(row).to_have_class(re.compile("app-row--recording"))
    expect(row.get_by_role("button", name=re.compile("^Save"))).to_be_visible()


def _withdraw(page, row):
    """Press Withdraw: the row asks first and names the item; on a phone the question fits, then Yes withdraws."""
    row.get_by_role("link", name=re.compile("^Withdraw")).click()
    confirm = row.get_by_role("button", name=re.compile("^Yes, withdraw"))
    expect(confirm).to_be_visible()
    assert_inside_viewport(page)
    confirm.click()
    expect(row.get_by_role("link", name=re.compile("^Record"))).to_be_visible()


def test_the_learners_main_actions_fit_a_390_pixel_phone(live_server, page, app):
    demo.seed(today=TODAY)
    db.session.commit()
    stress = _item("Managing work and life stress")
    conflict = _item("Conflict Resolution")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, demo.LEARNER_EMAIL, demo.DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    assert_inside_viewport(page)
    screenshot(page, "phone-my-passport")

    # Record: the form opens in its row, stacked at the screen's width; sent empty, its errors fit too.
    row = page.locator(f"#item-{stress.id}")
    _open_record_form(row)
    assert_inside_viewport(page)
    fill_date(row, "Date completed", None)
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(row.locator(".nhsuk-error-summary")).to_be_visible()
    expect(row.locator(".nhsuk-error-message").first).to_be_visible()
    assert_inside_viewport(page)
    # The date's day, month and year boxes sit side by side at their own widths, as the design system draws them.
    boxes = date_group(row, "Date completed")   # the form has a certificate's expiry date too
    tops = [round(boxes.get_by_label(part, exact=True).bounding_box()["y"]) for part in ("Day", "Month", "Year")]
    widths = [boxes.get_by_label(part, exact=True).bounding_box()["width"] for part in ("Day", "Month", "Year")]
    assert len(set(tops)) == 1 and widths[0] < 100 and widths[2] < 120, (tops, widths)
    row.locator("h4").evaluate("heading => heading.scrollIntoView()")
    screenshot(page, "phone-record-form-errors")
    assert_no_axe_violations(page)
    fill_date(row, "Date completed", TODAY - dt.timedelta(days=1))
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(row).to_contain_text("awaiting sign-off")  # rejected before, so an educator confirms this one
    expect(page.locator("#flash")).to_contain_text("Managing work and life stress")
    assert_inside_viewport(page)

    # Equivalent training demonstrated, with its certificate.
    row = page.locator(f"#item-{conflict.id}")
    _open_record_form(row)
    row.get_by_label("Equivalent training demonstrated").check()
    organisation = row.get_by_label("Organisation or qualification")
    expect(organisation).to_be_visible()
    assert_inside_viewport(page)
    row.get_by_role("button", name=re.compile("^Save")).click()  # no organisation yet: its error
    expect(row.locator(".nhsuk-error-summary")).to_be_visible()
    assert_inside_viewport(page)
    fill_date(row, "Date completed", TODAY - dt.timedelta(days=30))
    row.get_by_label("Organisation or qualification").fill("Leeds Teaching Hospitals NHS Trust")
    row.get_by_label(re.compile("^(Evidence|Certificate)")).set_input_files(_certificate())
    row.get_by_role("button", name=re.compile("^Save")).click()
    expect(row).to_contain_text("awaiting sign-off")
    expect(row).to_contain_text("Leeds Teaching Hospitals NHS Trust")
    expect(row.get_by_role("link", name=re.compile("conflict-resolution-certificate.pdf"))).to_be_visible()
    assert_inside_viewport(page)

    # Withdraw it.
    _withdraw(page, row)
    expect(page.locator("#flash")).to_contain_text("withdrawn")
    assert_inside_viewport(page)

    # Correct: the awaiting hoist competency, recorded last week, opens the same form in its row.
    row = page.locator(f"#item-{_item('Safe use of a hoist (observed practice)').id}")
    row.get_by_role("link", name=re.compile("^Correct")).click()
    expect(row).to_have_class(re.compile("app-row--recording"))
    expect(row.get_by_role("heading", name=re.compile("^Correct"))).to_be_visible()
    assert_inside_viewport(page)
    row.get_by_role("link", name="Cancel").click()
    expect(row.get_by_role("link", name=re.compile("^Correct"))).to_be_visible()

    # Informal learning: the form, its errors, the entry in the log.
    informal = page.locator("#informal-learning")
    informal.get_by_text("Add informal learning").click()
    expect(informal.get_by_label("What did you learn?")).to_be_visible()
    assert_inside_viewport(page)
    informal.get_by_role("button", name="Add to my log").click()
    expect(informal.locator(".nhsuk-error-summary")).to_be_visible()
    assert_inside_viewport(page)
    informal.get_by_label("What did you learn?").fill("Shadowed the falls prevention team on the ward round")
    fill_date(informal, "Date", TODAY - dt.timedelta(days=2))
    informal.get_by_label("Hours (optional)").fill("2.5")
    informal.get_by_role("button", name="Add to my log").click()
    expect(informal.get_by_role("table")).to_contain_text("Shadowed the falls prevention team on the ward round")
    assert_inside_viewport(page)
    assert_no_axe_violations(page)


def test_the_changed_pages_pass_axe_at_390_and_1280_pixels(live_server, page, app):
    demo.seed(today=TODAY)
    db.session.commit()
    conflict = _item("Conflict Resolution")
    sign_in(page, live_server, demo.LEARNER_EMAIL, demo.DEMO_PASSWORD)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.goto(f"{live_server}/passport")
        row = page.locator(f"#item-{conflict.id}")
        _open_record_form(row)
        row.get_by_label("Equivalent training demonstrated").check()
        row.get_by_role("button", name=re.compile("^Save")).click()
        expect(row.locator(".nhsuk-error-summary")).to_be_visible()
        assert_inside_viewport(page)
        assert_no_axe_violations(page)
    # A session in the list, so its rows are checked too.
    db.session.add(TrainingSession(item_id=conflict.id, held_on=TODAY - dt.timedelta(days=3), trainer="Jo Trainer",
                                   venue="Seminar room 2, Northgate Community Hospital",
                                   recorded_by_id=db.session.scalar(select(Person.id).where(Person.email == demo.ADMIN_EMAIL))))
    db.session.commit()
    sign_out(page)
    sign_in(page, live_server, demo.ADMIN_EMAIL, demo.DEMO_PASSWORD)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        for path, heading in (("/sessions/", "Training sessions"), ("/admin/templates/", "Passport templates"),
                              (f"/admin/templates/{conflict.template_id}", "Core Skills (CSTF)"),
                              ("/admin/teams", "Teams"), ("/admin/audit", "Audit log")):
            page.goto(live_server + path)
            expect(page.get_by_role("heading", level=1, name=re.compile("^" + re.escape(heading)))).to_be_visible()
            assert_inside_viewport(page)
            assert_no_axe_violations(page)
