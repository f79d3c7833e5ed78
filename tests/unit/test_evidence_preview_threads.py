"""PDFium is not thread-safe: two certificate previews asked for at once (an educator's queue loads
several; the server answers them on threads) must never be inside it together, or the process can crash."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from skillpass.services import evidence_preview
from tests import factories


def test_a_pdf_preview_waits_while_another_is_being_drawn(tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(factories.pdf())
    done = threading.Event()
    worker = threading.Thread(target=lambda: (evidence_preview.preview_png(path, "application/pdf"), done.set()))
    with evidence_preview.PDFIUM_LOCK:          # another preview is inside PDFium
        worker.start()
        assert not done.wait(0.5), "a second PDF was drawn while PDFium was busy"
    assert done.wait(30), "the waiting preview was never drawn"
    worker.join()


def test_previews_asked_for_together_are_all_drawn_and_the_same(tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(factories.pdf())
    with ThreadPoolExecutor(max_workers=6) as pool:
        pngs = list(pool.map(lambda _: evidence_preview.preview_png(path, "application/pdf"), range(24)))
    assert pngs[0].startswith(b"\x89PNG") and len(set(pngs)) == 1
    assert not evidence_preview.PDFIUM_LOCK.locked()
