"""HTML to PDF with WeasyPrint, offline.

The page links its stylesheet by its ordinary /static/ URL; the fetcher below
serves such URLs from the app's static folder and data: URIs, and refuses
everything else, so printing never touches the network.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, request


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango

    fetcher = static_only_fetcher(Path(current_app.static_folder), current_app.static_url_path)
    return HTML(string=html, base_url=request.url_root, url_fetcher=fetcher).write_pdf()


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
