"""The NHS.UK date input's field (skillpass.forms.DateInputField): day, month and year read from three boxes,
what was typed kept, and the design system's messages naming the field by its label. No database: a bare
Flask app is enough."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from skillpass.forms import DateInputField, PostedForm


class DateForm(PostedForm):
    completed_on = DateInputField("Date completed")


class OptionalDateForm(PostedForm):
    completed_on = DateInputField("Date completed", required=False)


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", WTF_CSRF_ENABLED=False)
    return app


def _typed(day, month, year) -> dict:
    return {"completed_on-day": day, "completed_on-month": month, "completed_on-year": year}


def _read(app, data, form_class=DateForm):
    with app.test_request_context("/", method="POST", data=data):
        form = form_class()
        form.validate()
        return form.completed_on


@pytest.mark.parametrize("day, month, year, message, marked", [
    ("", "", "", "Enter the date completed.", ("day", "month", "year")),
    ("27", "", "2026", "Date completed must include a month.", ("month",)),
    ("", "3", "2026", "Date completed must include a day.", ("day",)),
    ("27", "3", "", "Date completed must include a year.", ("year",)),
    ("", "3", "", "Date completed must include a day and year.", ("day", "year")),
    ("", "", "2026", "Date completed must include a day and month.", ("day", "month")),
    ("27", "", "", "Date completed must include a month and year.", ("month", "year")),
    ("31", "2", "2026", "Date completed must be a real date.", ("day",)),
    ("29", "2", "2025", "Date completed must be a real date.", ("day",)),
    ("12", "13", "2026", "Date completed must be a real date.", ("month",)),
    ("32", "1", "2026", "Date completed must be a real date.", ("day",)),
    ("0", "1", "2026", "Date completed must be a real date.", ("day",)),
    ("1", "0", "2026", "Date completed must be a real date.", ("month",)),
    ("a", "3", "2026", "Date completed must be a real date.", ("day",)),
    ("27", "March", "2026", "Date completed must be a real date.", ("month",)),
    ("27", "3", "twenty", "Date completed must be a real date.", ("year",)),
    ("-1", "3", "2026", "Date completed must be a real date.", ("day",)),
    ("2.5", "3", "2026", "Date completed must be a real date.", ("day",)),
    ("٢٧", "3", "2026", "Date completed must be a real date.", ("day",)),       # Arabic-Indic digits
    ("27", "3", "26", "Year must include 4 numbers.", ("year",)),
    ("27", "3", "202", "Year must include 4 numbers.", ("year",)),
    ("27", "3", "20266", "Year must include 4 numbers.", ("year",)),
    ("1", "1", "0000", "Date completed must be a real date.", ("year",)),
])
def test_each_problem_in_the_design_systems_words_with_only_its_boxes_marked(app, day, month, year, message,
                                                                              marked):
    field = _read(app, _typed(day, month, year))
    assert field.data is None
    assert field.errors == [message]
    assert field.bad_parts == marked
    assert field.first_bad_part == marked[0]
    assert field.parts == {"day": day, "month": month, "year": year}       # kept as typed


@pytest.mark.parametrize("day, month, year, date", [
    ("27", "3", "2026", dt.date(2026, 3, 27)),
    ("05", "01", "2026", dt.date(2026, 1, 5)),          # leading zeros
    (" 5 ", " 1", "2026 ", dt.date(2026, 1, 5)),        # spaces around
    ("2 9", "0 2", "20 24", dt.date(2024, 2, 29)),      # spaces inside (a leap day)
    ("001", "1", "2026", dt.date(2026, 1, 1)),
])
def test_a_real_date_is_read_whatever_the_zeros_and_spaces(app, day, month, year, date):
    field = _read(app, _typed(day, month, year))
    assert field.data == date and field.errors == [] and field.bad_parts == ()


def test_the_message_names_the_field_by_the_label_it_has_when_the_form_validates(app):
    with app.test_request_context("/", method="POST", data=_typed("31", "2", "2026")):
        form = DateForm()
        form.completed_on.label.text = "Date observed"
        form.validate()
        assert form.completed_on.errors == ["Date observed must be a real date."]
    with app.test_request_context("/", method="POST", data={"held_on-day": "", "held_on-month": "",
                                                            "held_on-year": ""}):

        class SessionDate(PostedForm):
            held_on = DateInputField("Date of the session")

        form = SessionDate()
        form.validate()
        assert form.held_on.errors == ["Enter the date of the session."]


def test_all_empty_is_no_date_and_no_problem_when_the_date_is_optional(app):
    field = _read(app, _typed("", "", ""), OptionalDateForm)
    assert field.data is None and field.errors == [] and field.bad_parts == ()


@pytest.mark.parametrize("value, date, errors", [
    ("2026-01-05", dt.date(2026, 1, 5), []),
    (" 2026-01-05 ", dt.date(2026, 1, 5), []),
    ("", None, []),                                     # no date: the service asks for it in its own words
    ("2026-02-30", None, ["Date completed must be a real date."]),
    ("not a date", None, ["Date completed must be a real date."]),
    ("20260105", None, ["Date completed must be a real date."]),
])
def test_one_iso_value_is_read_when_the_three_boxes_are_not_sent(app, value, date, errors):
    field = _read(app, {"completed_on": value})
    assert field.data == date and field.errors == errors
    if date:
        assert field.parts == {"day": str(date.day), "month": str(date.month), "year": str(date.year)}


def test_the_three_boxes_win_over_an_iso_value(app):
    field = _read(app, {"completed_on": "2020-01-01", **_typed("27", "3", "2026")})
    assert field.data == dt.date(2026, 3, 27)


def test_nothing_posted_is_no_date_left_to_the_service(app):
    field = _read(app, {})
    assert field.data is None and field.errors == []


def test_a_form_built_on_a_get_shows_its_default_without_zeros(app):
    with app.test_request_context("/"):
        form = DateForm(completed_on=dt.date(2026, 3, 2))
        assert form.completed_on.parts == {"day": "2", "month": "3", "year": "2026"}
        assert form.completed_on.data == dt.date(2026, 3, 2)
