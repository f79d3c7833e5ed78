"""The questionnaire's forms: they read what was posted; the services check it, and their messages, keyed by
field, are shown in place with the choices kept."""
from __future__ import annotations

import re

from flask import request
from wtforms import StringField

from skillpass.forms import Checkbox, PostedForm
from skillpass.inputs import ids, to_id

_QUESTION = re.compile(r"question-([0-9]{1,10})")
_OPTION = re.compile(r"option-([0-9]{1,10})-(label|retire|passports)")


class AnswersForm(PostedForm):
    """One radio group a question, named question-<id>, holding the chosen answer's id; next: where the person
    was going when they were asked at sign-in."""

    next = StringField(default="")
    controls = ("next",)

    def chosen(self) -> dict[int, int | None]:
        """{question id: the chosen answer's id, or None}, for every question the form sent."""
        found: dict[int, int | None] = {}
        for name in request.form:
            match = _QUESTION.fullmatch(name)
            if match and to_id(match.group(1)) is not None:
                found[int(match.group(1))] = to_id(request.form.get(name, ""))
        return found


class QuestionForm(PostedForm):
    """A new question: its words, hint, kind (yes_no or choice) and, for one of several, its answers a line."""

    text = StringField(default="")
    hint = StringField(default="")
    kind = StringField(default="")
    options = StringField(default="")


class QuestionEditForm(PostedForm):
    """A question's words and hint; each live answer's words (option-<id>-label), whether to remove it
    (option-<id>-retire) and the passports it recommends (option-<id>-passports, ticked ids); new answers."""

    text = StringField(default="")
    hint = StringField(default="")
    new_options = StringField(default="")

    def option_values(self) -> tuple[dict[int, str], set[int], dict[int, set[int]]]:
        """(labels, retired, recommends) by answer id, from the option-<id>-… fields sent."""
        labels: dict[int, str] = {}
        retire: set[int] = set()
        recommends: dict[int, set[int]] = {}
        for name in request.form:
            match = _OPTION.fullmatch(name)
            if not match or to_id(match.group(1)) is None:
                continue
            option_id, part = int(match.group(1)), match.group(2)
            if part == "label":
                labels[option_id] = request.form.get(name, "")
            elif part == "retire" and request.form.get(name):
                retire.add(option_id)
            elif part == "passports":
                recommends[option_id] = {i for i in ids(request.form.getlist(name))}
        return labels, retire, recommends

    @staticmethod
    def listed() -> set[int]:
        """The answers whose passports the form listed (a form with none ticked sends none of them)."""
        return {to_id(v) for v in request.form.getlist("listed") if to_id(v) is not None}


class MoveForm(PostedForm):
    direction = StringField(default="")


class RemoveForm(PostedForm):
    """action=remove (archive it, or remove one nobody answered) or action=restore."""

    action = StringField(default="")


class AskForm(PostedForm):
    ask = Checkbox()


class DecisionForm(PostedForm):
    """Approve or decline a recommendation, with an optional note."""

    decision = StringField(default="")
    note = StringField(default="")
