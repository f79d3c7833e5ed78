"""The skills and gaps report (issue 16, part D): full page and htmx partial, filters, pages, exports, access,
and a page whose queries do not grow with the people or the areas."""
from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from skillpass.extensions import db
from skillpass.models import SkillLevel, SkillTarget, TemplateStatus
from skillpass.services.skills import standing
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.querycount import count_queries

L = SkillLevel


def _set(person, area, *, self_level=None, confirmed=None):
    row = standing.kept_row(person.id, area.id)
    if self_level is not None:
        row.self_level, row.self_reason, row.self_assessed_on = int(self_level), "why", dt.date(2026, 3, 1)
    if confirmed is not None:
        row.confirmed_level, row.confirmed_on, row.confirmed_by_name = int(confirmed), dt.date(2026, 3, 2), "Eve"
    db.session.flush()


def _framework(world):
    fw = factories.skills_framework()
    a = {x.name: x for x in standing.live_areas(fw.id)}
    db.session.add_all([SkillTarget(area_id=a["Email"].id, person_id=world.learner.id, minimum=2),
                        SkillTarget(area_id=a["Spreadsheets"].id, person_id=world.learner.id, minimum=1),
                        SkillTarget(area_id=a["Email"].id, person_id=world.other_learner.id, minimum=1)])
    _set(world.learner, a["Email"], self_level=L.FOUNDATION)
    _set(world.learner, a["Spreadsheets"], self_level=L.ADVANCED, confirmed=L.INTERMEDIATE)
    _set(world.other_learner, a["Email"], self_level=L.SUPER_USER)
    db.session.commit()
    return fw, a


def _cell(html: str, person: str, area: str) -> str:
    start = html.index(f'<tr data-person="{person}">')
    row = html[start:html.index("</tr>", start)]
    marker = f"{person}, {area}: </span>"
    at = row.index(marker) + len(marker)
    return row[row.rindex("<td", 0, at):row.index("</td>", at)]


def test_the_report_is_a_full_page_and_its_results_an_htmx_partial(as_educator, world):
    _framework(world)
    page = as_educator.get("/team/skills")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Skills and gaps</h1>" in html and '<div id="skills-results"' in html
    assert "Physiotherapy: IT user skills" in html
    assert "Email: 0 of 1 meet their target" in html and "Spreadsheets: 1 of 1 meet their target" in html
    # Each cell: the level against the target in words, beside its colour.
    cell = _cell(html, "Lee Learner", "Email")
    assert 'app-skill-cell--red' in cell and 'data-state="below"' in cell
    assert "Foundation · Below target (Intermediate)" in cell
    assert "Intermediate · Meets target (Foundation)" in _cell(html, "Lee Learner", "Spreadsheets")
    assert "Not assessed" in _cell(html, "Eve Educator", "Email")
    # The educator sees their team only; the furthest list names the learner's gap.
    assert "Olu Other" not in html
    assert "Email: Foundation now, target Intermediate" in html
    partial = as_educator.get("/team/skills", headers=HTMX)
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and body.lstrip().startswith('<div id="skills-results"')
    assert "<html" not in body and "HX-Request" in partial.headers["Vary"]


def test_filters_swap_the_report_and_stay_in_its_links(as_admin, world):
    fw, _ = _framework(world)
    other = factories.skills_framework(name="Digital capabilities", areas=("Data",))
    factories.skills_framework(name="A draft", status=TemplateStatus.DRAFT)
    db.session.commit()
    html = as_admin.get("/team/skills").get_data(as_text=True)
    assert "Whole organisation: Digital capabilities" in html      # the first published, by name
    assert "A draft" not in html
    body = as_admin.get(f"/team/skills?framework={fw.id}&team={world.team_b.id}", headers=HTMX).get_data(as_text=True)
    assert "Occupational Therapy: IT user skills" in body and "Olu Other" in body and "Lee Learner" not in body
    assert "Email: 1 of 1 meet their target" in body
    assert f"/team/skills.xlsx?team={world.team_b.id}&amp;framework={fw.id}" in body
    assert f"/team/skills/trend?team={world.team_b.id}&amp;framework={fw.id}" in body
    body = as_admin.get(f"/team/skills?framework={other.id}&job_role=Nobody", headers=HTMX).get_data(as_text=True)
    assert "No one matches these filters" in body


def test_an_educator_cannot_ask_for_another_team(as_educator, world):
    _framework(world)
    assert as_educator.get(f"/team/skills?team={world.team_b.id}").status_code == 403
    assert as_educator.get(f"/team/skills.csv?team={world.team_b.id}").status_code == 403


def test_without_a_published_framework_the_page_says_so(as_admin, world):
    html = as_admin.get("/team/skills").get_data(as_text=True)
    assert "No skills framework is published yet" in html
    assert as_admin.get("/team/skills.csv").status_code == 404


def test_the_people_are_paged_and_the_counts_are_over_everyone(as_admin, world):
    fw, a = _framework(world)
    team = factories.team("Big ward")
    db.session.add(SkillTarget(area_id=a["Email"].id, job_role="Porter", minimum=1))
    for i in range(55):
        p = factories.person(name=f"Porter {i:02d}", team=team, job_role="Porter")
        _set(p, a["Email"], self_level=L.FOUNDATION)
    db.session.commit()
    html = as_admin.get(f"/team/skills?team={team.id}").get_data(as_text=True)
    assert "Email: 55 of 55 meet their target" in html and "Page 1 of 2" in html
    assert "Porter 49" in html and "Porter 50" not in html
    body = as_admin.get(f"/team/skills?team={team.id}&page=2", headers=HTMX).get_data(as_text=True)
    assert "Porter 50" in body and "Porter 49" not in body and "Email: 55 of 55 meet their target" in body


def test_the_trend_is_a_full_page_and_an_htmx_partial(as_educator, world):
    _framework(world)
    page = as_educator.get("/team/skills/trend")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Targets met over the last 12 months" in html and "<svg" in html
    assert "today&#39;s targets" in html or "today's targets" in html
    assert "Mar 2026" in html
    body = as_educator.get("/team/skills/trend", headers=HTMX).get_data(as_text=True)
    assert body.lstrip().startswith('<div id="skills-trend"') and "<html" not in body


def test_the_snapshot_exports_to_csv_and_excel(as_admin, world):
    fw, _ = _framework(world)
    response = as_admin.get(f"/team/skills.csv?team={world.team_a.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "skills-it-user-skills-physiotherapy" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Employee number", "Name", "Team", "Job role", "Email", "Spreadsheets", "Word processing"]
    lee = next(r for r in rows if r[1] == "Lee Learner")
    assert lee[4:] == ["Foundation · Below target (Intermediate)", "Intermediate · Meets target (Foundation)",
                       "Not assessed"]
    response = as_admin.get(f"/team/skills.xlsx?framework={fw.id}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.xlsx')
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][4:] == ["Email", "Spreadsheets", "Word processing"]
    lee_row = next(i for i, r in enumerate(values) if r[1] == "Lee Learner")
    assert values[lee_row][4] == "Foundation · Below target (Intermediate)"
    assert sheet.cell(row=lee_row + 1, column=5).fill.fgColor.rgb.endswith("FBE9EE")   # red beside its words
    assert any(r[1] == "Olu Other" and r[4] == "Super-user · Meets target (Foundation)" for r in values)


def test_the_page_is_a_fixed_number_of_queries_whatever_the_people_and_areas(app, world):
    admin = sign_in(app.test_client(), world.admin)

    def build(n_people, n_areas, tag):
        fw = factories.skills_framework(name=f"{tag} framework", areas=tuple(f"{tag} area {i}" for i in range(n_areas)))
        team = factories.team(f"{tag} team")
        areas = standing.live_areas(fw.id)
        for area in areas:
            db.session.add(SkillTarget(area_id=area.id, job_role=f"{tag} role", minimum=2))
        for i in range(n_people):
            p = factories.person(name=f"{tag} person {i}", team=team, job_role=f"{tag} role")
            for area in areas:
                _set(p, area, self_level=L.FOUNDATION + i % 3, confirmed=L.ADVANCED if i % 4 == 0 else None)
        db.session.commit()
        return fw, team

    counts = []
    for n_people, n_areas, tag in ((2, 1, "Small"), (60, 6, "Large")):
        fw, team = build(n_people, n_areas, tag)
        url = f"/team/skills?framework={fw.id}&team={team.id}"
        admin.get(url)
        with count_queries() as log:
            assert admin.get(url).status_code == 200
        counts.append(log.count)
    assert counts[0] == counts[1], counts
