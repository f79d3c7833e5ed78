"""A bulk print's passports laid out in worker processes and put together in order as they arrive (issue 19, part C).

The caller (which has the database) makes each passport's HTML, one at a time, a few ahead of the layout; a pool
of processes (as many as cores, or SKILLPASS_PRINT_PROCESSES) lays each out to a PDF file of its own in a
temporary folder. They need only the static folder and the print stylesheet: no app, no database. As soon as a
passport and every one before it are laid out, its file is appended to the whole PDF (pypdf) and deleted, and the
caller is told (the job's progress). So the caller never holds fifty laid-out documents, only the pages as PDF
(what the file will hold), and each passport's page numbers are its own: it was laid out alone.

The processes come from a fork server (a clean process that has imported WeasyPrint once) where the system has one,
else are spawned: never forked from a web worker that runs threads.
"""
from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import Flask


def processes(app: Flask) -> int:
    """How many passports are laid out at once: SKILLPASS_PRINT_PROCESSES, else one per core."""
    return max(1, app.config.get("PRINT_PROCESSES") or os.cpu_count() or 1)


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Takes effect when the fork server starts (the first print of this process): its children begin
        # with WeasyPrint imported.
        context.set_forkserver_preload(["weasyprint", __name__])
        return context
    return multiprocessing.get_context("spawn")


def _lay_out_one(html: str, base_url: str, static_folder: str, static_url_path: str, target: str) -> int:
    """In a worker process: one passport to one PDF file; its number of pages."""
    from skillpass.print.pdf import lay_out

    document = lay_out(html, base_url=base_url, static_folder=static_folder, static_url_path=static_url_path)
    document.write_pdf(target)
    return len(document.pages)


def print_in_order(app: Flask, passports: Iterable[str], *, base_url: str, target: Path, title: str,
                   on_done: Callable[[int], None]) -> int:
    """Lay out each passport's HTML (made lazily by *passports*, in order) in the pool and write them, in that
    order, as one PDF at *target*; *on_done(pages)* after each passport is in. The number of pages. A passport
    that fails to lay out raises its error here (the rest are cancelled); the temporary files go either way."""
    from pypdf import PdfWriter

    count = processes(app)
    ahead = 2 * count                   # laid out or waiting in the pool: the workers never wait for the HTML
    writer = PdfWriter()
    pages = 0
    source = iter(passports)
    with tempfile.TemporaryDirectory(prefix="skillpass-print-") as folder:
        pending = deque()
        made = 0
        pool = ProcessPoolExecutor(max_workers=count, mp_context=_context())
        try:
            def feed():
                nonlocal made
                while len(pending) < ahead:
                    html = next(source, None)
                    if html is None:
                        return
                    made += 1
                    path = Path(folder) / f"{made:05d}.pdf"
                    pending.append((path, pool.submit(_lay_out_one, html, base_url, app.static_folder,
                                                      app.static_url_path, str(path))))

            feed()
            while pending:
                path, future = pending.popleft()
                laid_out = future.result()
                writer.append(str(path))    # with its outline: the person's name is a bookmark
                path.unlink()
                pages += laid_out
                on_done(laid_out)
                feed()
        finally:
            # On an error: what is queued is dropped, what is running ends, before the folder goes.
            pool.shutdown(wait=True, cancel_futures=True)
        writer.add_metadata({"/Title": title})
        # Objects identical from one passport to the next are kept once (50 passports of 11 pages: 3.12 MB to 2.73
        # MB, for 0.6 s). Each passport's font subset stays its own: 10 kB of its 55 (issue 19, part 5).
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        try:
            with open(target, "wb") as out:
                writer.write(out)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return pages
