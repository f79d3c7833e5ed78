"""The team page, its exports and bulk print, and the admin overview: full pages and htmx partials."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from skillpass import clock
from skillpass.extensions import db
from skillpass.models import (CreditMapping, CreditTarget, Entry, EntryActivity, EntryMethod, EntryStatus, Person,
                              PrintJob, PrintJobStatus)
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.querycount import count_queries


def _accepted(person, item, on):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=EntryStatus.ACCEPTED, recorded_by_id=person.id))


def _matrix_row(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start:html.index("</tr>", start)]


def test_the_team_page_is_a_full_page_and_its_results_an_htmx_partial(as_educator, world):
    page = as_educator.get("/team/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Team compliance</h1>" in html and '<div id="team-results"' in html
    partial = as_educator.get("/team/", headers=HTMX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and body.lstrip().startswith('<div id="team-results"')
    assert "<html" not in body and "Vary" in partial.headers and "HX-Request" in partial.headers["Vary"]


def test_cells_say_their_status_and_date_and_link_to_the_passport(as_educator, world):
    # Today 2 Mar 2026: the learner started 5 Jan 2026, fire safety due 2 weeks later and not done.
    html = as_educator.get("/team/").get_data(as_text=True)
    row = _matrix_row(html, "Lee Learner")
    assert (f'href="/people/{world.learner.id}/passport#item-{world.fire.id}"><span class="nhsuk-u-visually-hidden">'
            f'Lee Learner, Fire safety: </span>Overdue<span class="app-cell__date">Due 19 Jan 2026</span>') in row
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))
    db.session.commit()
    row = _matrix_row(as_educator.get("/team/").get_data(as_text=True), "Lee Learner")
    assert "Expiring<span class=\"app-cell__date\">Expires 1 Apr 2026: completed 1 Apr 2024</span>" in row
    # The optional item shows its status but never counts: fire (expiring) is the only one due.
    assert '100% <span class="app-matrix__counts">1/1</span>' in row


def test_a_template_not_held_shows_a_dash_that_says_so(as_admin, world):
    other = factories.template("Core Skills (CSTF)")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    factories.item(section, "Manual handling", frequency_months=12)
    factories.assign(world.other_learner, other)
    db.session.commit()
    html = as_admin.get("/team/").get_data(as_text=True)
    assert "Lee Learner, Manual handling: not assigned" in _matrix_row(html, "Lee Learner")
    assert "Olu Other, Manual handling: </span>Overdue" in _matrix_row(html, "Olu Other")


def test_an_educator_sees_only_the_teams_they_support(as_educator, world):
    html = as_educator.get("/team/").get_data(as_text=True)
    assert "Lee Learner" in html and "Olu Other" not in html
    assert as_educator.get(f"/team/?team={world.team_b.id}").status_code == 403
    assert as_educator.get(f"/team/export/records?team={world.team_b.id}").status_code == 403
    assert as_educator.post("/team/print", data={"team": str(world.team_b.id), "scope": "all"}).status_code == 403
    assert as_educator.get(f"/team/?team={world.team_a.id}").status_code == 200


def test_filters_live_in_the_url_and_pick_who_is_shown(as_admin, world):
    _accepted(world.learner, world.fire, dt.date(2025, 6, 1))   # complete: nothing overdue for the learner
    db.session.commit()
    everyone = as_admin.get("/team/", headers=HTMX).get_data(as_text=True)
    assert all(name in everyone for name in ("Lee Learner", "Olu Other", "Eve Educator"))
    team_a = as_admin.get(f"/team/?team={world.team_a.id}", headers=HTMX).get_data(as_text=True)
    assert ">Olu Other</a>" not in team_a and ">Lee Learner</a>" in team_a
    out = as_admin.get("/team/?out=1", headers=HTMX).get_data(as_text=True)
    assert ">Lee Learner</a>" not in out and ">Olu Other</a>" in out
    overdue = as_admin.get("/team/?status=overdue", headers=HTMX).get_data(as_text=True)
    assert ">Lee Learner</a>" not in overdue and ">Eve Educator</a>" in overdue
    # The item figures under the table count everyone, and say so; the forecast is of the people shown.
    assert "(all 3 people who hold a passport, not only those shown)" in overdue and "among the people shown" in overdue
    assert "not only those shown" not in team_a and "Figures for everyone in the whole organisation" in everyone
    # Export links carry the filters.
    assert f"/team/export/matrix?format=xlsx&amp;team={world.team_a.id}" in team_a


def test_a_passport_filter_shows_only_the_people_who_hold_it(as_admin, world):
    other = factories.template("Core Skills (CSTF)")
    section = factories.section(other, "Within 2 weeks", 2, "weeks")
    manual = factories.item(section, "Manual handling", frequency_months=12)
    factories.assign(world.other_learner, other)
    _accepted(world.other_learner, manual, dt.date(2025, 6, 1))
    _accepted(world.learner, world.fire, dt.date(2025, 6, 1))
    db.session.commit()
    html = as_admin.get(f"/team/?template={other.id}", headers=HTMX).get_data(as_text=True)
    assert ">Olu Other</a>" in html and ">Lee Learner</a>" not in html and ">Eve Educator</a>" not in html
    assert "Print 1 passport" in html
    matrix = list(csv.reader(io.StringIO(as_admin.get(f"/team/export/matrix?format=csv&template={other.id}")
                                         .get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[1] for row in matrix[1:]] == ["Olu Other"]
    records = list(csv.reader(io.StringIO(as_admin.get(f"/team/export/records?format=csv&template={other.id}")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert {row[1] for row in records[1:]} == {"Olu Other"}


def _windows(html: str) -> list[str]:
    """The forecast's side-by-side counts, in words."""
    block = html[html.index('class="app-figures app-lapse-windows"'):]
    block = block[:block.index("</ul>")]
    return [re.sub(r"<[^>]+>", " ", "<li" + li).split() for li in block.split("<li")[1:]]


def test_the_forecast_shows_30_60_and_90_days_side_by_side_and_lists_what_lapses(as_educator, world):
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))    # expires 1 Apr 2026: 30 days away
    db.session.commit()
    html = as_educator.get("/team/").get_data(as_text=True)
    assert 'id="team-days"' not in html and 'name="days"' not in html      # no dropdown to switch
    words = [" ".join(w) for w in _windows(html)]
    assert [w.split(" within ")[1].split(",")[0] for w in words] == ["30 days", "60 days", "90 days"]
    thirty = words[0]
    assert "Fire safety: expires 1 Apr 2026" in html          # the day itself is inside 30 days
    assert int(thirty.split()[0]) >= 1
    # Expiries are hatched, not told from due dates by colour alone.
    assert '<pattern id="forecast-hatch"' in html and "Expiries (hatched)" in html
    _accepted(world.learner, world.fire, dt.date(2024, 5, 20))   # a later completion: expires 20 May 2026, 79 days away
    db.session.commit()
    html = as_educator.get("/team/").get_data(as_text=True)
    after = [int(w[0]) for w in _windows(html)]
    assert after[0] == int(thirty.split()[0]) - 1 and after[1] == after[0] and after[2] == after[1] + 1
    assert "Fire safety: expires 20 May 2026" in html


def test_staff_without_a_passport_are_left_out_of_the_matrix_and_named_apart(as_admin, world):
    factories.person(name="Nia Newstarter", team=world.team_a, email="nia@example.test")
    db.session.commit()
    html = as_admin.get(f"/team/?team={world.team_a.id}", headers=HTMX).get_data(as_text=True)
    matrix = html[html.index('<table class="app-matrix">'):html.index("</table>")]
    assert ">Nia Newstarter</a>" not in matrix and ">Lee Learner</a>" in matrix
    assert "1 person holds no passport, so is left out of the matrix" in html
    assert "No passport assigned" in html and ">Nia Newstarter</a>" in html
    assert "2 people shown" in html


def test_filters_that_match_nobody_offer_to_clear_them(as_admin, world):
    html = as_admin.get(f"/team/?team={world.team_a.id}&job_role=Astronaut", headers=HTMX).get_data(as_text=True)
    assert "No one matches these filters." in html
    assert f'<a href="/team/?team={world.team_a.id}">Clear the filters</a>' in html
    assert "Clear the filters" not in as_admin.get("/team/", headers=HTMX).get_data(as_text=True)


def test_the_matrix_says_it_scrolls_and_keeps_the_compliance_column(as_educator, world):
    html = as_educator.get("/team/").get_data(as_text=True)
    assert "data-scrolls" in html and "The matrix scrolls sideways and down inside its box" in html
    assert html.count("app-matrix__compliance") == 2 + html.count('<th scope="row" class="app-matrix__person">') - 1


def test_the_trend_says_past_months_can_change(as_educator, world):
    partial = as_educator.get("/team/trend", headers=HTMX).get_data(as_text=True)
    assert "Past months can change: a record dated back into an earlier month counts there once it is approved" in partial


def test_the_trend_is_a_partial_for_htmx_and_a_page_without_it(as_educator, world):
    partial = as_educator.get("/team/trend", headers=HTMX).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="team-trend"') and "Compliance by month" in partial
    page = as_educator.get("/team/trend").get_data(as_text=True)
    assert "<h1>Compliance over the last 12 months: Physiotherapy</h1>" in page and "<svg" in page


def test_exports_follow_the_filters_and_read_back_cell_by_cell(as_admin, world):
    world.other_learner.name = '=HYPERLINK("http://x","y")'
    _accepted(world.learner, world.fire, dt.date(2024, 4, 1))
    db.session.commit()
    response = as_admin.get(f"/team/export/matrix?format=csv&team={world.team_a.id}")
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="compliance-physiotherapy-2026-03-02.csv"' == response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:7] == ["Employee number", "Name", "Team", "Job role", "Compliance %", "Met", "Due"]
    lee = next(r for r in rows if r[1] == "Lee Learner")
    assert lee[2] == "Physiotherapy" and lee[4:7] == ["100", "1", "1"]
    fire_column = rows[0].index("AHP Support Worker Skills Passport: Fire safety [CSTF-FIRE]")
    assert lee[fire_column] == "Expiring: Expires 1 Apr 2026: completed 1 Apr 2024"
    assert all(r[2] == "Physiotherapy" for r in rows[1:])

    book = load_workbook(io.BytesIO(as_admin.get("/team/export/records?format=xlsx").data))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Employee number", "Name", "Team", "Job role", "Item", "Code", "Status", "Completed on",
                         "Expires on", "How", "Signed off by", "Sign-off date", "Passport", "Required now", "Email",
                         "Activity")
    [record] = [v for v in values[1:] if v[1] == "Lee Learner"]
    assert record[4:10] == ("Fire safety", "CSTF-FIRE", "Accepted", dt.datetime(2024, 4, 1), dt.datetime(2026, 4, 1),
                            "Completed here")
    assert record[12:] == ("AHP Support Worker Skills Passport", "Yes", "lee@example.test", None)
    names = [v[1] for v in load_workbook(io.BytesIO(as_admin.get("/team/export/matrix?format=xlsx").data))
             .active.iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names and not any(str(n).startswith("=") for n in names)


def _finish(client, job_id, timeout=90):
    """Poll as the progress page does, until the job is finished (waiting, not a timing assertion)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        html = client.get(f"/team/print/{job_id}", headers=HTMX).get_data(as_text=True)
        if "Download the PDF" in html or "could not be printed" in html:
            return html
        assert 'hx-trigger="every 1s"' in html and "<progress" in html
        time.sleep(0.3)
    raise AssertionError("the print job did not finish")


def test_a_team_prints_as_one_pdf_each_passport_on_its_own_pages(as_admin, world):
    response = as_admin.post("/team/print", data={"team": str(world.team_a.id), "scope": "all"})
    assert response.status_code == 303
    job = db.session.scalar(select(PrintJob).order_by(PrintJob.id.desc()))
    assert response.headers["Location"].endswith(f"/team/print/{job.id}") and job.total == 2
    page = as_admin.get(f"/team/print/{job.id}").get_data(as_text=True)
    assert "<h1>Passports: Physiotherapy</h1>" in page
    finished = _finish(as_admin, job.id)
    assert "Ready: 2 passports, each starting on a new page." in finished and "hx-trigger" not in finished
    download = as_admin.get(f"/team/print/{job.id}/download")
    assert download.mimetype == "application/pdf"
    # Kept by no browser or proxy, like every signed-in download (send_file would say "no-cache").
    assert download.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(download.data))
    texts = [p.extract_text() for p in reader.pages]
    firsts = [i for i, t in enumerate(texts) if "Page 1 of" in t]
    assert len(firsts) == 2 and firsts[0] == 0
    bounds = firsts + [len(texts)]
    for start, end in zip(bounds, bounds[1:]):
        owner = "Eve Educator" if "Eve Educator" in texts[start] else "Lee Learner"
        other = "Lee Learner" if owner == "Eve Educator" else "Eve Educator"
        assert all(f"Skills passport: {owner}" in t for t in texts[start:end])
        assert not any(f"Skills passport: {other}" in t for t in texts[start:end])
    # The PDF's outline names each passport's holder, so a long print is searched by name.
    assert reader.metadata.title == "Skills passports: Physiotherapy"
    top = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert sorted(top) == ["Skills passport: Eve Educator", "Skills passport: Lee Learner"]
    db.session.refresh(job)
    assert job.status is PrintJobStatus.READY and job.done == 2


def test_only_the_people_ticked_are_printed_and_nobody_ticked_is_refused(as_admin, world):
    refused = as_admin.post("/team/print", data={"scope": "selected"})
    assert refused.status_code == 303
    assert "Choose at least one person to print" in as_admin.get(refused.headers["Location"]).get_data(as_text=True)
    nothing = as_admin.post("/team/print", data={})
    assert nothing.status_code == 303 and db.session.scalar(select(PrintJob)) is None
    response = as_admin.post("/team/print", data={"scope": "selected", "person": [str(world.learner.id)]})
    job = db.session.scalar(select(PrintJob))
    assert response.status_code == 303 and job.person_ids == [world.learner.id]
    _finish(as_admin, job.id)


def test_a_print_job_is_its_requesters_alone(app, as_admin, world):
    as_admin.post("/team/print", data={"scope": "selected", "person": [str(world.learner.id)]})
    job = db.session.scalar(select(PrintJob))
    _finish(as_admin, job.id)
    educator = sign_in(app.test_client(), world.educator)
    assert educator.get(f"/team/print/{job.id}").status_code == 403
    assert educator.get(f"/team/print/{job.id}/download").status_code == 403


def test_the_admin_overview_answers_how_compliant_we_are(app, as_admin, world):
    _accepted(world.learner, world.fire, dt.date(2023, 4, 1))                # expired
    db.session.add(Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id))
    db.session.commit()
    home = sign_in(app.test_client(), world.admin).get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/admin/")
    html = as_admin.get("/admin/").get_data(as_text=True)
    # Fire safety is due for all three holders: the learner's expired, the others' overdue.
    assert '<span class="app-figure__value">0%</span><span class="app-figure__label">compliant: 0 of 3 due' in html
    assert '<span class="app-figure__value">2</span><span class="app-figure__label">Overdue' in html
    assert '<span class="app-figure__value">1</span><span class="app-figure__label">Expired' in html
    assert f'<a href="/sign-off/">1</a>' in html
    teams = html[html.index("Teams, least compliant first"):html.index("Items most often out")]
    # Both at 0% (ties by name); the admin's "No team" has nothing due and comes last.
    assert teams.index("Occupational Therapy") < teams.index("Physiotherapy") < teams.index("No team")
    assert '0% <span class="app-matrix__counts">0/2</span>' in teams
    items = html[html.index("Items most often out"):]
    assert "Fire safety" in items


def test_the_team_page_costs_the_same_queries_for_3_people_as_for_40(as_admin, world):
    def queries():
        with count_queries() as log:
            assert as_admin.get("/team/").status_code == 200
        return log.count

    # Fire safety has a refresher (PRODUCT.md §6.3), and credit across passports is mapped both ways: the
    # chain rule's and credit's reads cost the same for 3 people as for 40.
    world.fire.refresher_title, world.fire.grace_months = "Fire safety update", 3
    source = factories.item(world.month6, "Fire marshal course", position=9)
    for mapping in (CreditMapping(source_item_id=source.id, created_by_id=world.admin.id),
                    CreditMapping(source_qualification="Fire Warden Certificate", source_key="fire warden certificate",
                                  created_by_id=world.admin.id)):
        db.session.add(mapping)
        db.session.flush()
        db.session.add(CreditTarget(mapping_id=mapping.id, item_id=world.stress.id))
    db.session.commit()
    few = queries()
    for n in range(37):
        person = factories.person(team=world.team_a if n % 2 else world.team_b)
        factories.assign(person, world.template)
        _accepted(person, world.fire, dt.date(2023, 1, 1 + n % 28))
        # A refresher (now and then too late), a certificate with its own expiry, and credit of both kinds.
        db.session.add_all([
            Entry(person_id=person.id, item_id=world.fire.id, completed_on=dt.date(2025 if n % 3 else 2026, 1, 5),
                  method=EntryMethod.HERE, status=EntryStatus.ACCEPTED, recorded_by_id=person.id,
                  activity=EntryActivity.REFRESHER,
                  certificate_expires_on=dt.date(2026, 6, 1) if n % 4 == 0 else None),
            Entry(person_id=person.id, item_id=source.id if n % 2 else world.optional.id,
                  completed_on=dt.date(2025, 3, 1), status=EntryStatus.ACCEPTED, recorded_by_id=person.id,
                  method=EntryMethod.HERE if n % 2 else EntryMethod.EQUIVALENT,
                  equivalent_source="" if n % 2 else "Fire warden certificate")])
    db.session.commit()
    assert queries() == few


def test_a_print_no_worker_is_moving_says_it_waits_for_the_print_worker_and_is_not_failed(app, as_admin, world):
    """A bulk print is made by a job worker (skillpass/jobs.py). One whose worker stopped (restarted, its host
    gone), or that no worker has picked up, goes a lease without a step: its page says it waits for the print
    worker, keeps following it, and leaves it as it is (a worker takes it over and makes it). A web server's
    restart is no failure; only a print that could not be made is failed."""
    now = clock.now()
    lease = dt.timedelta(seconds=app.config["JOBS_LEASE_SECONDS"])

    def job(status, *, age, step=None, error=""):
        return PrintJob(requested_by_id=world.admin.id, title="Physiotherapy", person_ids=[world.learner.id],
                        total=1, done=0, status=status, created_at=now - age, enqueued_at=now - age,
                        progressed_at=None if step is None else now - step, error=error)

    lost = job(PrintJobStatus.RUNNING, age=dt.timedelta(minutes=10), step=lease + dt.timedelta(seconds=5))
    never_taken = job(PrintJobStatus.QUEUED, age=lease + dt.timedelta(seconds=5))
    moving = job(PrintJobStatus.RUNNING, age=dt.timedelta(minutes=10), step=lease / 2)
    just_asked = job(PrintJobStatus.QUEUED, age=dt.timedelta(seconds=1))
    failed = job(PrintJobStatus.FAILED, age=dt.timedelta(minutes=10), error="OSError: the passports could not be "
                                                                            "printed. Try again.")
    db.session.add_all([lost, never_taken, moving, just_asked, failed])
    db.session.commit()
    for waiting, moved in ((lost, "moved this print on"), (never_taken, "picked this print up")):
        html = as_admin.get(f"/team/print/{waiting.id}", headers=HTMX).get_data(as_text=True)
        assert html.startswith('<div id="print-progress"') and 'hx-trigger="every 1s"' in html
        assert "Waiting for the print worker: 0 of 1 passports" in html and f"No print worker has {moved}" in html
        assert "could not be printed" not in html and "stopped" not in html
        page = as_admin.get(f"/team/print/{waiting.id}").get_data(as_text=True)
        assert "<h1>Passports: Physiotherapy</h1>" in page and "Waiting for the print worker" in page
        db.session.refresh(waiting)
        assert waiting.status in (PrintJobStatus.RUNNING, PrintJobStatus.QUEUED) and waiting.finished_at is None
    html = as_admin.get(f"/team/print/{moving.id}", headers=HTMX).get_data(as_text=True)
    assert "Printing: 0 of 1 passports" in html and "Waiting for the print worker" not in html
    html = as_admin.get(f"/team/print/{just_asked.id}", headers=HTMX).get_data(as_text=True)
    assert "Waiting to start: 0 of 1 passports" in html and "Waiting for the print worker" not in html
    html = as_admin.get(f"/team/print/{failed.id}", headers=HTMX).get_data(as_text=True)
    assert "The passports could not be printed" in html and "hx-trigger" not in html


def test_an_educator_is_offered_only_the_job_roles_of_their_teams(as_educator, as_admin, world):
    world.other_learner.job_role = "Porter"          # team B: not the educator's
    db.session.commit()
    educator_page = as_educator.get("/team/").get_data(as_text=True)
    assert "<option>Support Worker</option>" in educator_page and "<option>Porter</option>" not in educator_page
    assert "<option>Porter</option>" in as_admin.get("/team/").get_data(as_text=True)
    # The People page's job-role filter too.
    people_page = as_educator.get("/people/").get_data(as_text=True)
    assert "<option>Support Worker</option>" in people_page and "<option>Porter</option>" not in people_page
    assert "<option>Porter</option>" in as_admin.get("/people/").get_data(as_text=True)
    # Filters are not restored from the browser's memory on Back (JavaScript off): the page says what is applied.
    assert 'method="get" autocomplete="off"' in educator_page


def test_the_team_page_lists_your_recent_bulk_prints_to_come_back_to(as_admin, as_educator, world):
    now = clock.now()

    def job(title, by, status, age, done=0):
        return PrintJob(requested_by_id=by.id, title=title, person_ids=[world.learner.id], total=2, done=done,
                        status=status, created_at=now - age, progressed_at=now - age)

    ready = job("Physiotherapy", world.admin, PrintJobStatus.READY, dt.timedelta(hours=2), done=2)
    ready.stored_name = "x.pdf"
    running = job("Occupational Therapy", world.admin, PrintJobStatus.RUNNING, dt.timedelta(seconds=5), done=1)
    old = job("Last month's ward", world.admin, PrintJobStatus.READY, dt.timedelta(days=20), done=2)
    theirs = job("Someone else's print", world.educator, PrintJobStatus.READY, dt.timedelta(hours=1), done=2)
    stalled = job("Ward 7", world.admin, PrintJobStatus.RUNNING, dt.timedelta(hours=3), done=1)
    db.session.add_all([ready, running, old, theirs, stalled])
    db.session.commit()
    html = as_admin.get("/team/").get_data(as_text=True)
    section = html[html.index('<h2 id="your-prints">'):]
    assert section.index("Occupational Therapy") < section.index("Physiotherapy")     # newest first
    # A print no worker has moved for hours is not "being made": it waits for the print worker (not failed).
    assert re.search(rf'/team/print/{stalled.id}">Ward 7</a>.*?</td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>\s*'
                     r'Waiting for the print worker: 1 of 2', section, flags=re.S)
    db.session.expire_all()
    assert db.session.get(PrintJob, stalled.id).status is PrintJobStatus.RUNNING
    assert f'href="/team/print/{running.id}">Occupational Therapy</a> (2 passports)' in section
    assert "Being made: 1 of 2" in section
    assert f'Ready: <a href="/team/print/{ready.id}/download">download the PDF' in section
    assert "Last month" not in section and "Someone else" not in section
    theirs_page = as_educator.get("/team/").get_data(as_text=True)
    assert "Someone else" in theirs_page and "Physiotherapy</a> (2 passports)" not in theirs_page
    db.session.delete(theirs)
    db.session.commit()
    assert 'id="your-prints"' not in as_educator.get("/team/").get_data(as_text=True)


def test_people_who_hold_no_passport_are_left_out_of_a_print_and_named(as_admin, world):
    """A new starter whose passport is not given yet would print as an empty page."""
    factories.person(name="Nia Newstarter", team=world.team_a, email="nia@example.test")
    db.session.commit()
    page = as_admin.get(f"/team/?team={world.team_a.id}").get_data(as_text=True)
    assert "Nia Newstarter" in page and "Print 2 passports as one PDF" in page
    response = as_admin.post("/team/print", data={"team": str(world.team_a.id), "scope": "all"})
    job = db.session.scalar(select(PrintJob))
    assert response.status_code == 303 and sorted(job.person_ids) == sorted([world.learner.id, world.educator.id])
    status = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Left out, as they have no passport to print: Nia Newstarter." in status
    _finish(as_admin, job.id)
    nia = db.session.scalar(select(Person).where(Person.name == "Nia Newstarter"))
    refused = as_admin.post("/team/print", data={"team": str(world.team_a.id), "scope": "selected",
                                                 "person": [str(nia.id)]})
    assert "Nobody chosen has a passport with anything in it" in as_admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 1


def test_the_status_filter_finds_people_with_something_awaiting_sign_off(as_educator, world):
    db.session.add(Entry(person_id=world.learner.id, item_id=world.competency.id, completed_on=dt.date(2026, 2, 2),
                         method=EntryMethod.HERE, status=EntryStatus.AWAITING, recorded_by_id=world.learner.id))
    db.session.commit()
    page = as_educator.get("/team/").get_data(as_text=True)
    assert '<option value="awaiting">Awaiting sign-off</option>' in page
    body = as_educator.get("/team/?status=awaiting", headers=HTMX).get_data(as_text=True)
    assert "1 person shown (filtered)" in body and "Lee Learner" in body and "Eve Educator" not in body
    full = as_educator.get("/team/?status=awaiting").get_data(as_text=True)
    assert '<option value="awaiting" selected>Awaiting sign-off</option>' in full
    exported = as_educator.get("/team/export/matrix?status=awaiting").get_data(as_text=True)
    assert "Lee Learner" in exported and "Eve Educator" not in exported


def test_an_educator_is_offered_only_the_passports_their_teams_hold(as_educator, world):
    other = factories.template("Care Certificate")
    factories.item(factories.section(other, "Day one", 0), "Duty of care")
    factories.assign(world.other_learner, other)        # Olu is in Occupational Therapy, not Eve's team
    db.session.commit()
    page = as_educator.get("/team/").get_data(as_text=True)
    assert "AHP Support Worker Skills Passport</option>" in page and "Care Certificate</option>" not in page
    assert "Figures for everyone in Physiotherapy," in page


def test_a_passport_chosen_in_the_url_stays_in_the_dropdown(as_educator, world):
    other = factories.template("Care Certificate")
    factories.item(factories.section(other, "Day one", 0), "Duty of care")
    db.session.commit()
    page = as_educator.get(f"/team/?template={other.id}").get_data(as_text=True)
    assert f'<option value="{other.id}" selected>Care Certificate</option>' in page



def test_the_records_export_says_which_passport_and_whether_a_record_is_still_required(as_admin, world):
    """A removed passport's records are kept and exported, marked as no longer required."""
    from skillpass.models import Assignment
    _accepted(world.learner, world.fire, dt.date(2025, 4, 1))
    _accepted(world.other_learner, world.fire, dt.date(2025, 4, 1))
    assignment = db.session.scalar(select(Assignment).where(Assignment.person_id == world.other_learner.id))
    assignment.removed_on = dt.date(2026, 2, 1)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(as_admin.get("/team/export/records?format=csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["Lee Learner"][12:14] == ["AHP Support Worker Skills Passport", "Yes"]
    assert by_name["Olu Other"][12:14] == ["AHP Support Worker Skills Passport", "No"]


def test_spreadsheet_exports_are_kept_by_no_browser_or_proxy(as_educator):
    for path in ("/team/export/matrix", "/team/export/records"):
        for fmt in ("xlsx", "csv"):
            response = as_educator.get(f"{path}?format={fmt}")
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "private, no-store", (path, fmt)
            response.close()
