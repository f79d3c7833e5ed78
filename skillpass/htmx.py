"""htmx, both sides: the one place that asks "is this an htmx request?" and sets htmx response headers.

The request side leans on htmx-flask's ``request.htmx``; responses get their
headers from the helpers here (htmx-flask's own make_response refuses some
swap styles). Views and error handlers ask and answer only through this module.
"""
from __future__ import annotations

import json

from flask import Response, render_template, request


def is_request() -> bool:
    """True for any htmx request: a fragment swap, a boosted link or a history restore."""
    return bool(getattr(request, "htmx", None))


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment.

    Boosted requests and history restores want the whole page.
    """
    hx = getattr(request, "htmx", None)
    if not hx:
        return False
    return not (hx.boosted or hx.history_restore_request)


def current_url() -> str:
    """The address of the page the htmx request came from ("" when unknown)."""
    hx = getattr(request, "htmx", None)
    return (hx.current_url or "") if hx else ""


def announce(response: Response, message: str) -> Response:
    """Append the live region's news to an htmx response (an out-of-band swap of #flash)."""
    if message:
        response.set_data(response.get_data(as_text=True) + render_template("_announce.html", announce=message))
    return response


def trigger(response: Response, event: str, detail=None, *, header: str = "HX-Trigger") -> Response:
    """Add an event to HX-Trigger, merging with any already set."""
    raw = response.headers.get(header)
    events: dict = {}
    if raw:
        try:
            events = json.loads(raw)
        except ValueError:
            events = {name.strip(): None for name in raw.split(",")}
    events[event] = detail
    response.headers[header] = json.dumps(events)
    return response


def redirect(response: Response, url: str) -> Response:
    response.headers["HX-Redirect"] = url
    return response


def refresh(response: Response) -> Response:
    response.headers["HX-Refresh"] = "true"
    return response


def retarget(response: Response, selector: str, swap: str | None = None) -> Response:
    response.headers["HX-Retarget"] = selector
    if swap:
        response.headers["HX-Reswap"] = swap
    return response


def add_vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response
