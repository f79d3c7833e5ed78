"""htmx, both sides: is this an htmx request, and small response-header helpers.

The request side leans on htmx-flask's ``request.htmx``; responses get their
headers from the helpers here (htmx-flask's own make_response refuses some
swap styles).
"""
from __future__ import annotations

import json

from flask import Response, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment.

    Boosted requests and history restores want the whole page.
    """
    hx = getattr(request, "htmx", None)
    if not hx:
        return False
    if request.headers.get("HX-Boosted") == "true":
        return False
    if request.headers.get("HX-History-Restore-Request") == "true":
        return False
    return True


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
