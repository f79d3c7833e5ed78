"""Floors: what the same work costs with nothing of SkillPass around it, measured in the same run as the pages,
so a figure can be read as a ratio (issue 19, item 5). Machines differ by 2–3×; a ratio to a floor measured a
moment before on the same machine does not.

- A page (My passport, a person's passport, the team matrix): a bare Flask application, in the same process and
  through the same test client, rendering one Jinja template with as many rows as the page and the same number of
  bytes: no database, no sign-in, no hooks.
- The CSV of every record: one plain DB-API cursor over the same join, its rows written by ``csv.writer``.
- A passport PDF: WeasyPrint laying out the very HTML the app printed (saved from the print page) with the print
  stylesheet and the app's user-agent stylesheet (skillpass/print/print-ua.css: the same inputs as the app's
  layout), nothing of the app loaded around it.
- A bulk print: the same, for the very passports the bulk print made, in as many worker processes as it uses.
- The admin home: one SQL aggregate over the kept dates (services/item_dates.py): every kept row's status as of
  the day, counted. (The page reads only the date ranges today moves, through their indexes, plus one row per
  passport held: it can come in under this floor.)
"""
from __future__ import annotations

import csv
import io
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_TEMPLATE = """<!DOCTYPE html><html lang="en"><head><title>Bare</title></head><body><main><table>
{% for r in rows %}<tr id="item-{{ r.id }}" class="row"><td><strong>{{ r.title }}</strong> ({{ r.lead }})</td>
<td>{{ r.status }}</td><td>{{ r.date }}</td><td><a href="/items/{{ r.id }}/record">Record</a>{{ r.filler }}</td></tr>
{% endfor %}</table></main></body></html>"""
ROW_BYTES = 240   # what one bare row writes before its filler


def _timed(fn, repeat: int) -> dict:
    fn()   # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    p95 = ordered[max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(times), "p95": p95, "runs": repeat}


def rows_in(html: str) -> int:
    """How many rows a page draws: table rows, or the passport's item rows."""
    return max(1, html.count("<tr"), html.count('class="nhsuk-table__row app-row'))


def bare_page(html: str, repeat: int) -> dict:
    """A bare Flask page rendering as many rows as *html* to the same size, timed through Flask's test client."""
    from flask import Flask, render_template_string

    rows = rows_in(html)
    size = len(html.encode())
    filler = max(0, size // rows - ROW_BYTES)
    data = [{"id": i, "title": f"Item {i} <title>", "lead": "Learning & Development", "status": "Complete",
             "date": "Due 19 Jan 2026: start date 5 Jan 2026 + 2 weeks", "filler": "x" * filler}
            for i in range(rows)]
    bare = Flask("bare_floor")

    @bare.get("/bare")
    def page():
        return render_template_string(BARE_TEMPLATE, rows=data)

    client = bare.test_client()

    def call():
        response = client.get("/bare")
        call.size = len(response.get_data())
        response.close()
    call.size = 0
    row = _timed(call, repeat)
    row["note"] = f"{rows} rows, {call.size / 1000:.0f} kB against the page's {size / 1000:.0f} kB"
    return row


RECORDS_SQL = """
SELECT e.status, e.completed_on, e.method, e.equivalent_source, e.decided_by_name, e.decided_at,
       i.title, i.code, i.frequency_months, p.employee_number, p.name, p.job_role, t.name, pt.name,
       e.certificate_expires_on, p.email, e.activity, i.archived_at, a.id
FROM entry e
JOIN item i ON i.id = e.item_id
JOIN passport_template pt ON pt.id = i.template_id
JOIN person p ON p.id = e.person_id
LEFT JOIN team t ON t.id = p.team_id
LEFT JOIN assignment a ON a.person_id = e.person_id AND a.template_id = i.template_id AND a.removed_on IS NULL
ORDER BY p.name, p.id, i.title, e.completed_on, e.id
"""


class _Counting(io.TextIOBase):
    """A file that keeps nothing: it counts what is written to it."""

    def __init__(self):
        self.size = 0

    def write(self, text):
        self.size += len(text)
        return len(text)


def csv_floor(engine) -> dict:
    """The records' columns through one plain cursor and csv.writer (no ORM, no words, no streaming response)."""
    def call():
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(RECORDS_SQL)
            sink = _Counting()
            writer = csv.writer(sink)
            writer.writerow(["status", "completed", "method", "source", "decided by", "decided at", "item",
                             "code", "months", "employee number", "name", "job role", "team", "passport",
                             "certificate expires", "email", "activity", "archived", "assignment"])
            while True:
                rows = cursor.fetchmany(5000)
                if not rows:
                    break
                writer.writerows(rows)
            call.size = sink.size
            cursor.close()
        finally:
            raw.close()
    call.size = 0
    row = _timed(call, 1)
    row["note"] = f"{call.size / 1e6:.0f} MB of CSV"
    return row


def _weasyprint_alone(static_folder: str):
    """WeasyPrint with the print stylesheet and the app's user-agent stylesheet, fetching data: URIs only (the
    verify link's QR code): (an HTML class, the print stylesheet, the fetcher). Nothing of the app is imported."""
    from weasyprint import CSS
    from weasyprint import HTML as WeasyHTML
    from weasyprint.urls import URLFetcher

    static = Path(static_folder)
    sheet = CSS(filename=str(static / "css" / "print.css"))
    # The user-agent stylesheet the app lays its printed pages out with, in place of WeasyPrint's own (print/pdf.py):
    # the same boxes, a sixth of the styling. A floor given WeasyPrint's own would be slower than the app.
    user_agent = [CSS(filename=str(ROOT / "skillpass" / "print" / "print-ua.css"))]

    class HTML(WeasyHTML):
        def _ua_stylesheets(self, forms=False):
            return user_agent

    class Offline(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError("offline")

    return HTML, sheet, Offline()


def pdf_floor(html: str, static_folder: str, repeat: int) -> dict:
    """WeasyPrint alone laying out the app's own print HTML with the print stylesheet, and writing the PDF."""
    HTML, sheet, fetch = _weasyprint_alone(static_folder)

    # Laid out and written: the page it stands beside answers with the PDF's bytes, not a layout.
    def call():
        started = time.perf_counter()
        document = HTML(string=html, base_url=static_folder, url_fetcher=fetch).render(stylesheets=[sheet])
        laid_out = time.perf_counter()
        document.write_pdf()
        call.pages = len(document.pages)
        call.split.append((laid_out - started, time.perf_counter() - laid_out))
    call.pages, call.split = 0, []
    row = _timed(call, repeat)
    layout, write = (statistics.median(part) * 1000 for part in zip(*call.split[1:]))
    row["note"] = (f"{call.pages} pages: {row['median'] / max(1, call.pages):.0f} ms a page ({layout / max(1, call.pages):.0f} "
                   f"to lay out, {write / max(1, call.pages):.0f} to write)")
    return row


_ALONE = {}


def _one_alone(html: str, static_folder: str) -> int:
    """In a worker process: one passport's HTML laid out and written by WeasyPrint alone; its number of pages."""
    if static_folder not in _ALONE:
        _ALONE[static_folder] = _weasyprint_alone(static_folder)
    HTML, sheet, fetch = _ALONE[static_folder]
    document = HTML(string=html, base_url=static_folder, url_fetcher=fetch).render(stylesheets=[sheet])
    document.write_pdf()
    return len(document.pages)


def bulk_pdf_floor(htmls: list[str], static_folder: str, processes: int) -> dict:
    """WeasyPrint alone laying out and writing the very passports a bulk print made, in as many worker processes
    as the app's print uses (from a fork server, as the app's are): what a bulk print cannot go under on this
    machine. No database, no merging into one file, no progress written."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint"])
    else:
        context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        pages = sum(pool.map(_one_alone, htmls, [static_folder] * len(htmls)))
    elapsed = (time.perf_counter() - started) * 1000
    return {"median": elapsed, "p95": elapsed, "runs": 1,
            "note": (f"{len(htmls)} passports, {pages} pages in {processes} processes: {pages / (elapsed / 1000):.1f} "
                     f"pages a second")}


ADMIN_HOME_SQL = """
SELECT CASE WHEN completed_on IS NOT NULL THEN
         CASE WHEN expires_on IS NULL OR expires_on > :soon THEN 0 WHEN expires_on > :today THEN 1 ELSE 3 END
       WHEN due_on < :today THEN 2 ELSE 4 END AS status, count(*)
FROM item_dates GROUP BY 1
"""


def admin_home_floor(engine, repeat: int, *, today) -> dict:
    import datetime as dt

    from sqlalchemy import text

    def call():
        with engine.connect() as conn:
            call.rows = sum(n for _, n in conn.execute(text(ADMIN_HOME_SQL),
                                                       {"today": today, "soon": today + dt.timedelta(days=60)}))
    call.rows = 0
    row = _timed(call, repeat)
    row["note"] = f"one aggregate over the {call.rows:,} kept dates (person × mandatory item)"
    return row


def ratio(page_ms: float, floor_ms: float) -> str:
    return f"{page_ms / floor_ms:.1f}×" if floor_ms > 0 else ""


def page_html(client, path: str) -> str:
    response = client.get(path)
    text = response.get_data(as_text=True)
    response.close()
    return text
