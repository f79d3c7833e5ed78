"""HTML to PDF with WeasyPrint; stylesheets come from the app's own static folder."""
from __future__ import annotations

from flask import current_app


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango

    base_url = current_app.static_folder
    return HTML(string=html, base_url=base_url, url_fetcher=_local_only).write_pdf()


def _local_only(url: str, *args, **kwargs):
    """Never fetch from the network: only data: URIs and files under static/."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith("data:") or url.startswith("file://" + str(current_app.static_folder)):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"refusing to fetch {url!r} while printing")
