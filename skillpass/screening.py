"""The request side of inputs.py: what every request goes through before any view reads it.

Ids in a route are bounded (:class:`IdConverter`), and :func:`screen` refuses, with a 400 and nothing
done, what no page of ours sends (see inputs.py for why).
"""
from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from skillpass.inputs import FREE_TEXT_FIELDS, MAX_ID, has_control, printable


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most MAX_ID, so an id the database cannot hold is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _refuse(message: str):
    """A 400 with *message*: the error handler shows it as a page, or in the live region for htmx."""
    raise BadRequest(message)


def screen():
    """before_request: refuse what no page of ours sends, with a clear message and nothing done.

    * a POST whose address and body give a name two different values;
    * a control character in an address parameter (a search, a filter) or in a form field that is not
      typed by people (those are refused in place by their forms).
    """
    if request.endpoint in (None, "static"):
        return None
    args = request.args
    for name in args:
        if has_control(name) or any(has_control(v) for v in args.getlist(name)):
            return _refuse("The address holds a character that cannot be used (a control character). "
                           "Remove it and try again.")
    if request.method != "POST":
        return None
    form = request.form
    for name in form:
        if name in args and set(args.getlist(name)) != set(form.getlist(name)):
            current_app.logger.warning("refused %s %s: %r differs between the address and the form",
                                       request.method, request.path, name)
            return _refuse(f"The request gave two different values for “{printable(name)[:40]}”, in its "
                           f"address and in its form, so nothing was done. Go back, reload the page and try again.")
        if name in FREE_TEXT_FIELDS:
            continue
        if has_control(name) or any(has_control(v) for v in form.getlist(name)):
            return _refuse("The form sent a character that cannot be used (a control character), so nothing "
                           "was saved. Reload the page and try again.")
    for name in request.files:
        for upload in request.files.getlist(name):
            if has_control(upload.filename):
                # A file's name is only ever shown (never used as a path): its control characters are
                # dropped here, so no code after this sees them.
                upload.filename = printable(upload.filename or "")
    return None
