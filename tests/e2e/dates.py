"""Typing a date in the NHS.UK date input, as a person does: day, month and year in the boxes of the group its
legend names (the fieldset has role="group")."""
from __future__ import annotations

from playwright.sync_api import expect


def date_group(scope, legend: str):
    return scope.get_by_role("group", name=legend)


def fill_date(scope, legend: str, day: str, month: str, year: str) -> None:
    group = date_group(scope, legend)
    for box, value in (("Day", day), ("Month", month), ("Year", year)):
        group.get_by_label(box, exact=True).fill(value)


def expect_date(scope, legend: str, day: str, month: str, year: str) -> None:
    group = date_group(scope, legend)
    for box, value in (("Day", day), ("Month", month), ("Year", year)):
        expect(group.get_by_label(box, exact=True)).to_have_value(value)
