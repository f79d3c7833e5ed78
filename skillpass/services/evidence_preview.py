"""A certificate's preview, for an educator deciding beside the queue row: the first page of a PDF, or the
image itself, drawn afresh as a small PNG. The stored file is never trusted: a PDF is only rendered (by
PDFium, no scripts, no forms, no links), an image is decoded with a pixel ceiling, and what is sent is a new
PNG no larger than PREVIEW_MAX pixels on its longer side; a file that cannot be drawn has no preview."""
from __future__ import annotations

import io
import threading
from pathlib import Path

PREVIEW_MAX = 1200                 # pixels, the longer side
SOURCE_PIXELS_MAX = 40_000_000     # an image (or a rendered page) larger than this is not decoded
PDF_POINTS_MAX = 14_400            # the largest page PDF allows (200 inches): anything larger is damaged


# PDFium is not thread-safe: two threads inside it at once (two previews asked for together, served by a
# threaded server or gunicorn's threads) can crash the whole process. One PDF is drawn at a time per process.
PDFIUM_LOCK = threading.Lock()


class NoPreview(Exception):
    """The file cannot be drawn: the page offers the download instead."""


def placeholder_png() -> bytes:
    """What shows where a file cannot be drawn: a grey panel that says so (the link to the full file is
    beside it)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 120), (240, 244, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 479, 119), outline=(174, 183, 189), width=2)
    draw.text((20, 45), "No preview of this file: open the full file.", fill=(33, 43, 50), font_size=18)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def preview_png(path: Path, content_type: str) -> bytes:
    """The preview of the evidence file at *path* as PNG bytes; NoPreview when it cannot be drawn."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = SOURCE_PIXELS_MAX
    try:
        if content_type == "application/pdf":
            image = _first_page(path)
        elif content_type in ("image/png", "image/jpeg"):
            with Image.open(path) as source:
                if source.format not in ("PNG", "JPEG"):
                    raise NoPreview("not the image it claims to be")
                source.thumbnail((PREVIEW_MAX, PREVIEW_MAX))
                image = source.convert("RGB")
        else:
            raise NoPreview("no preview for this kind of file")
    except NoPreview:
        raise
    except Exception as error:   # a damaged or hostile file: no preview, never an error page
        raise NoPreview(str(error)) from error
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _first_page(path: Path):
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        return _render_first_page(pdfium, path)


def _render_first_page(pdfium, path: Path):
    document = pdfium.PdfDocument(str(path))
    try:
        if len(document) < 1:
            raise NoPreview("a PDF without pages")
        page = document[0]
        try:
            width, height = page.get_size()
            if not (0 < width <= PDF_POINTS_MAX and 0 < height <= PDF_POINTS_MAX):
                raise NoPreview("a page of no sensible size")
            scale = min(PREVIEW_MAX / max(width, height), 2.0)
            bitmap = page.render(scale=scale, may_draw_forms=False)
            try:
                return bitmap.to_pil().convert("RGB")
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        document.close()
