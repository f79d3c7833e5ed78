"""HTML to PDF with WeasyPrint, offline.

The page links its stylesheet by its ordinary /static/ URL; the fetcher below
serves such URLs from the app's static folder and data: URIs, and refuses
everything else, so printing never touches the network.
"""
from __future__ import annotations

import mimetypes
import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app


def render_document(html: str, *, base_url: str, app=None):
    """Lay out a page made with for_pdf=True (it links no stylesheet: the print stylesheet, parsed
    once per process, is given here; bulk prints lay out fifty passports with it)."""
    app = app or current_app
    return lay_out(html, base_url=base_url, static_folder=app.static_folder, static_url_path=app.static_url_path)


def lay_out(html: str, *, base_url: str, static_folder: str, static_url_path: str):
    """The same, given only the static folder and its URL path: no app, no database (a bulk print's worker
    processes lay passports out with this, print/processes.py)."""
    fetcher = static_only_fetcher(Path(static_folder), static_url_path)
    return _printed_html_class()(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=[stylesheet(static_folder, static_url_path)])


UA_STYLESHEET = Path(__file__).with_name("print-ua.css")
_PRINTED_HTML = None


def _printed_html_class():
    """WeasyPrint's HTML, with the user-agent stylesheet of only the rules the printed pages use (print-ua.css
    says why: the same boxes, in a third to a sixth of the styling time). Made once per process: it imports
    WeasyPrint, which loads Pango."""
    global _PRINTED_HTML
    with _STYLESHEETS_LOCK:
        if _PRINTED_HTML is None:
            from weasyprint import CSS, HTML

            user_agent = [CSS(string=UA_STYLESHEET.read_text(encoding="utf-8"))]

            class PrintedHTML(HTML):
                # WeasyPrint's own hook for its user-agent stylesheets (HTML._ua_stylesheets; WeasyPrint is pinned,
                # 70.0, and tests/views/test_print_ua.py fails if the hook stops being used).
                def _ua_stylesheets(self, forms=False):
                    return user_agent

            _PRINTED_HTML = PrintedHTML
        return _PRINTED_HTML


_STYLESHEETS: dict[str, object] = {}
_STYLESHEETS_LOCK = threading.Lock()


def print_stylesheet(app):
    """static/css/print.css parsed by WeasyPrint, once per process (it never changes while running)."""
    return stylesheet(app.static_folder, app.static_url_path)


def stylesheet(static_folder: str, static_url_path: str):
    from weasyprint import CSS

    path = Path(static_folder) / "css" / "print.css"
    with _STYLESHEETS_LOCK:
        sheet = _STYLESHEETS.get(str(path))
        if sheet is None:
            sheet = _STYLESHEETS[str(path)] = CSS(
                string=path.read_text(encoding="utf-8"), base_url=path.as_uri(),
                url_fetcher=static_only_fetcher(Path(static_folder), static_url_path))
        return sheet


def static_only_fetcher(static_folder: Path, static_url_path: str):
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    root = static_folder.resolve()
    prefix = static_url_path.rstrip("/") + "/"

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = urlsplit(url).path
            if not path.startswith(prefix):
                raise ValueError(f"refusing to fetch {url!r} while printing")
            target = (root / path[len(prefix):]).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                raise FatalURLFetchingError(f"{url!r} is not a static file")
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    return StaticOnly()
