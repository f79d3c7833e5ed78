"""Meets / about to lose / does not meet (PRODUCT.md §6.3, issue 17 part B): each passport held as a qualification,
on the passport page, the team page's counts (by passport and by team, each a link to exactly its people), the
admin overview, the exports and the printed passport; every figure from the same statuses as the matrix."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
from collections import defaultdict
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from skillpass import rules
from skillpass.extensions import db
from skillpass.models import Entry, EntryActivity, EntryMethod, EntryStatus, Person, PrintJob
from skillpass.services import exports
from skillpass.services.passport import build_passport
from tests import factories
from tests.conftest import HTMX, TODAY, sign_in
from tests.querycount import count_queries
from tests.views.test_team_views import _finish

AHP = "AHP Support Worker Skills Passport"
CORE = "Core Skills (CSTF)"
COUNT_LINK = re.compile(r'href="(/team/standing\?[^"]*)">(\d+)<span')


def _done(person, item, on, **extra):
    db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=on, method=EntryMethod.HERE,
                         status=EntryStatus.ACCEPTED, recorded_by_id=person.id, **extra))


def _everything(person, world, on=dt.date(2026, 1, 20)):
    for item in (world.stress, world.competency):
        _done(person, item, on)


def _trust(world) -> SimpleNamespace:
    """Both teams and somebody without one, two passports, people of every standing. Today is 2 Mar 2026; the AHP
    passport's fire safety (every 24 months) was due 19 Jan 2026, its other two mandatory items by 5 Jul 2026."""
    core = factories.template(CORE)
    day_one = factories.section(core, "Day one", 0)
    manual = factories.item(day_one, "Manual handling", frequency_months=12, position=1)
    bls = factories.item(day_one, "Basic life support", frequency_months=12, position=2)
    bls.refresher_title, bls.grace_months = "BLS update", 3
    meets = factories.person(name="Mia Meets", team=world.team_a, email="mia@example.test")
    hca = factories.person(name="Hal Carer", team=world.team_b, email="hal@example.test", job_role="Healthcare Assistant")
    certified = factories.person(name="Cat Certificate", team=world.team_a, email="cat@example.test")
    for person in (meets, hca, certified):
        factories.assign(person, world.template)
    # Meets: everything done, fire safety in date until 2027.
    for person in (meets, hca):
        _done(person, world.fire, dt.date(2025, 6, 1))
        _everything(person, world)
    # About to lose: fire safety expires 1 Apr 2026 (within the 60-day window).
    _done(world.learner, world.fire, dt.date(2024, 4, 1))
    _everything(world.learner, world)
    # About to lose, by the certificate's own expiry (15 Apr 2026), earlier than the rule's (1 Jun 2027).
    _done(certified, world.fire, dt.date(2025, 6, 1), certificate_expires_on=dt.date(2026, 4, 15))
    _everything(certified, world)
    # Does not meet: the other learner and the educator have fire safety overdue and the rest to do.
    # Core Skills: the learner's manual handling expires 20 Apr 2026 and BLS was refreshed in time (about to lose);
    # the other learner's BLS refresher lapsed on 15 Feb 2026 (does not meet); the admin, with no team, meets it.
    for person in (world.learner, world.other_learner, world.admin):
        factories.assign(person, core)
    _done(world.learner, manual, dt.date(2025, 4, 20))
    _done(world.learner, bls, dt.date(2024, 3, 1))
    _done(world.learner, bls, dt.date(2025, 5, 1), activity=EntryActivity.REFRESHER)
    _done(world.other_learner, manual, dt.date(2025, 12, 1))
    _done(world.other_learner, bls, dt.date(2024, 3, 1))
    _done(world.other_learner, bls, dt.date(2025, 2, 15), activity=EntryActivity.REFRESHER)
    _done(world.admin, manual, dt.date(2025, 12, 1))
    _done(world.admin, bls, dt.date(2025, 12, 1))
    db.session.commit()
    return SimpleNamespace(core=core, manual=manual, bls=bls, meets=meets, hca=hca, certified=certified)


def _expected(team_ids=None, job_role="") -> dict[tuple[int, int | None, str], set[str]]:
    """Worked out apart from the team figures: each active person's passport, as its page builds it, and the
    rule's standing over its mandatory rows required now. {(template id, team id, standing value): names}."""
    found: dict = defaultdict(set)
    for person in db.session.scalars(select(Person).where(Person.active.is_(True))):
        if (team_ids is not None and person.team_id not in team_ids) or (job_role and person.job_role != job_role):
            continue
        for tv in build_passport(person, today=TODAY, warning_days=60).templates:
            if tv.live:
                standing = rules.standing_of(r.state.status for r in tv.rows if r.state.mandatory and r.state.required)
                found[(tv.template.id, person.team_id, standing.value)].add(person.name)
    return found


def _wanted(expected, template_id, standing, team=None, no_team=False, teams=None) -> set[str]:
    names = set()
    for (t, team_id, s), who in expected.items():
        if t != template_id or s != standing:
            continue
        if no_team and team_id is not None or team is not None and team_id != team:
            continue
        if teams is not None and team_id not in teams:
            continue
        names |= who
    return names


def _people_listed(client, url: str) -> list[str]:
    """Every name the people page lists for *url*, following its pages."""
    names, page = [], 1
    while True:
        response = client.get(url + f"&page={page}")
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        names += [html_lib.unescape(n) for n in re.findall(r'<tr class="nhsuk-table__row" data-person="([^"]+)"', text)]
        pages = re.search(r"Page (\d+) of (\d+)", text)
        if pages is None or page >= int(pages.group(2)):
            return names
        page += 1


def _words(text: str) -> str:
    """A PDF page's text with its line breaks read as spaces."""
    return " ".join(text.split())


def _count_links(html: str) -> list[tuple[str, int, dict]]:
    return [(html_lib.unescape(href), int(n), {k: v[0] for k, v in parse_qs(urlsplit(html_lib.unescape(href)).query).items()})
            for href, n in COUNT_LINK.findall(html)]


def test_each_count_on_the_team_page_links_to_exactly_its_people(as_admin, world):
    _trust(world)
    expected = _expected()
    html = as_admin.get("/team/").get_data(as_text=True)
    links = _count_links(html[html.index('id="qualifications"'):html.index('id="lapsing"')])
    seen = set()
    for href, n, query in links:
        names = _people_listed(as_admin, href)
        want = _wanted(expected, int(query["template"]), query["standing"],
                       team=int(query["team"]) if "team" in query else None, no_team="no_team" in query)
        assert sorted(names) == sorted(want), href
        assert n == len(names), href
        seen.add((query["template"], query.get("team"), "no_team" in query, query["standing"]))
    # Every non-zero figure is a link: both passports, overall and by team (the admin's Core Skills: "No team").
    for (template_id, team_id, standing), who in expected.items():
        assert (str(template_id), None, False, standing) in seen
        assert (str(template_id), str(team_id) if team_id else None, team_id is None, standing) in seen
    assert len(links) == len(seen)


def test_an_educator_sees_their_teams_counts_and_their_people_only(as_educator, world):
    trust = _trust(world)
    expected = _expected(team_ids={world.team_a.id})
    html = as_educator.get("/team/").get_data(as_text=True)
    links = _count_links(html[html.index('id="qualifications"'):html.index('id="lapsing"')])
    assert links
    for href, n, query in links:
        assert query.get("team") in (None, str(world.team_a.id)) and "no_team" not in query
        names = _people_listed(as_educator, href)
        assert sorted(names) == sorted(_wanted(expected, int(query["template"]), query["standing"],
                                               teams={world.team_a.id})), href
        assert n == len(names)
    about = f"/team/standing?template={world.template.id}&standing=about_to_lose"
    assert sorted(_people_listed(as_educator, about)) == ["Cat Certificate", "Lee Learner"]
    # Another team is refused, as on the team page; people without a team are never theirs.
    assert as_educator.get(f"/team/standing?team={world.team_b.id}&standing=meets").status_code == 403
    assert "Ada Admin" not in as_educator.get(f"/team/standing?template={trust.core.id}&no_team=1").get_data(as_text=True)


def test_the_people_page_says_why_with_links_to_the_rows(as_admin, world):
    trust = _trust(world)
    about = as_admin.get(f"/team/standing?template={world.template.id}&standing=about_to_lose&team={world.team_a.id}")
    text = about.get_data(as_text=True)
    assert f"<h1 class=\"app-break-anywhere\">About to lose: {AHP}</h1>" in text and "Physiotherapy" in text
    lee = text[text.index('data-person="Lee Learner"'):]
    lee = lee[:lee.index("</tr>")]
    assert (f'<a href="/people/{world.learner.id}/passport#item-{world.fire.id}">Fire safety</a>: Expiring · '
            "Expires 1 Apr 2026: completed 1 Apr 2024") in lee
    assert "Support Worker" in lee and f'href="/people/{world.learner.id}/passport#template-{world.template.id}"' in lee
    cat = text[text.index('data-person="Cat Certificate"'):]
    assert "Fire safety</a>: Expiring · Expires 15 Apr 2026: certificate&#39;s own expiry" in cat[:cat.index("</tr>")]
    stopped = as_admin.get(f"/team/standing?template={trust.core.id}&standing=does_not_meet").get_data(as_text=True)
    olu = stopped[stopped.index('data-person="Olu Other"'):]
    assert "1 expired:" in olu and "Basic life support</a>: Expired · Expired 15 Feb 2026: refresher 15 Feb 2025" in olu
    # Without a standing, everyone holding a passport, each with their standing's tag; a passport nobody holds
    # here lists nobody.
    everyone = as_admin.get("/team/standing").get_data(as_text=True)
    assert everyone.count('<tr class="nhsuk-table__row" data-person=') == 9
    assert '<strong class="nhsuk-tag nhsuk-tag--orange">About to lose</strong>' in everyone
    other = factories.template("Nobody's passport")
    db.session.commit()
    assert "No one here holds Nobody&#39;s passport." in as_admin.get(f"/team/standing?template={other.id}").get_data(
        as_text=True)


def test_the_people_page_keeps_the_job_role_and_pages_fifty_at_a_time(as_admin, world):
    _trust(world)
    page = as_admin.get("/team/?job_role=Healthcare+Assistant").get_data(as_text=True)
    [(href, n, query)] = _count_links(page[page.index('id="qualifications"'):page.index('id="lapsing"')])
    assert query == {"job_role": "Healthcare Assistant", "template": str(world.template.id), "standing": "meets"}
    assert _people_listed(as_admin, href) == ["Hal Carer"] and n == 1
    for n in range(52):
        factories.assign(factories.person(name=f"New Starter {n:02d}", team=world.team_b), world.template)
    db.session.commit()
    url = f"/team/standing?template={world.template.id}&standing=does_not_meet&team={world.team_b.id}"
    first = as_admin.get(url).get_data(as_text=True)
    assert "53 people, page 1 of 2." in first and first.count('data-person="New Starter') == 50
    assert re.search(r'href="/team/standing\?[^"]*&amp;page=2">2<', first)
    second = as_admin.get(url + "&page=2").get_data(as_text=True)
    assert second.count('<tr class="nhsuk-table__row" data-person=') == 3 and 'data-person="Olu Other"' in second
    assert "1 overdue, 2 to do:" in second


def test_the_passport_page_says_each_passports_standing_with_its_items(as_learner, world):
    trust = _trust(world)
    html = as_learner.get("/passport").get_data(as_text=True)
    ahp = html[html.index(f'id="standing-{world.template.id}"'):]
    ahp = ahp[:ahp.index("</div>")]
    assert 'data-standing="about_to_lose"' in ahp
    assert '<strong class="nhsuk-tag nhsuk-tag--orange app-standing__tag">About to lose</strong>' in ahp
    assert f'<a href="/passport#item-{world.fire.id}">Fire safety</a> (expires 1 Apr 2026).' in ahp
    core = html[html.index(f'id="standing-{trust.core.id}"'):]
    assert (f'<a href="/passport#item-{trust.manual.id}">Manual handling</a> (expires 20 Apr 2026), '
            f'<a href="/passport#item-{trust.bls.id}">Basic life support</a> (expires 1 May 2026).') in core
    # Staff see the same on the person's page; a passport that does not meet it says how many items stop it.
    educator = sign_in(as_learner.application.test_client(), world.educator)
    other = educator.get(f"/people/{world.educator.id}/passport")
    assert other.status_code == 302
    own = educator.get("/passport").get_data(as_text=True)
    mine = own[own.index(f'id="standing-{world.template.id}"'):]
    assert 'Does not meet</strong><span class="nhsuk-u-visually-hidden">.</span>' in mine and "1 overdue, 2 to do:" in mine
    assert f'<a href="/passport#item-{world.fire.id}">Fire safety</a> (overdue)' in mine
    staff = educator.get(f"/people/{world.learner.id}/passport").get_data(as_text=True)
    assert f'<a href="/people/{world.learner.id}/passport#item-{world.fire.id}">Fire safety</a>' in staff
    admin = sign_in(as_learner.application.test_client(), world.admin)
    met = admin.get("/passport").get_data(as_text=True)
    assert re.search(r'Meets</strong><span class="nhsuk-u-visually-hidden">.</span>\s+Every mandatory item is Complete.', met)


def test_the_standing_refetches_itself_when_one_of_its_sections_changes(as_learner, world):
    html = as_learner.get("/passport").get_data(as_text=True)
    region = html[html.index(f'id="standing-{world.template.id}"'):]
    region = region[:region.index(">")]
    assert f'hx-trigger="section{world.week2.id}Changed from:body, section{world.month6.id}Changed from:body"' in region
    url = f"/people/{world.learner.id}/passport/templates/{world.template.id}/standing"
    assert f'hx-get="{url}"' in region
    before = as_learner.get(url, headers=HTMX).get_data(as_text=True)
    assert before.lstrip().startswith(f'<div id="standing-{world.template.id}"') and "1 overdue, 2 to do" in before
    response = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record",
                               data={"completed_on": "2026-02-20", "method": "here", "note": ""}, headers=HTMX)
    assert response.status_code == 200 and f"section{world.week2.id}Changed" in response.headers["HX-Trigger"]
    after = as_learner.get(url, headers=HTMX).get_data(as_text=True)
    assert "2 to do:" in after and "overdue" not in after
    # Without htmx, the passport at that heading; a passport not held is not there.
    page = as_learner.get(url)
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/passport#template-{world.template.id}")
    other = factories.template("Not held")
    db.session.commit()
    assert as_learner.get(f"/people/{world.learner.id}/passport/templates/{other.id}/standing",
                          headers=HTMX).status_code == 404


def test_the_counts_agree_with_every_persons_passport_page_and_the_matrix_export(as_admin, world):
    trust = _trust(world)
    table = list(csv.reader(io.StringIO(as_admin.get("/team/export/matrix?format=csv").get_data(as_text=True)
                                        .lstrip("\ufeff"))))
    columns = {AHP: table[0].index(f"{AHP}: qualification"), CORE: table[0].index(f"{CORE}: qualification")}
    assert columns[AHP] == 7 and columns[CORE] == 8      # after the compliance counts, before the items
    words = {s.value: s.label for s in rules.Standing}
    for person in db.session.scalars(select(Person).where(Person.active.is_(True))):
        page = as_admin.get(f"/people/{person.id}/passport" if person.id != world.admin.id else "/passport")
        shown = dict(re.findall(r'<div id="standing-(\d+)" class="app-standing" data-standing="(\w+)"',
                                page.get_data(as_text=True)))
        row = next(r for r in table if r[1] == person.name)
        for name, template_id in ((AHP, world.template.id), (CORE, trust.core.id)):
            exported = row[columns[name]]
            assert exported == (words[shown[str(template_id)]] if str(template_id) in shown else "Not held"), \
                (person.name, name)
    assert next(r for r in table if r[1] == "Lee Learner")[7:9] == ["About to lose", "About to lose"]
    assert next(r for r in table if r[1] == "Olu Other")[7:9] == ["Does not meet", "Does not meet"]
    assert next(r for r in table if r[1] == "Ada Admin")[7:9] == ["Not held", "Meets"]


def test_the_workbook_colours_each_standing_beside_its_word_and_the_counts_export(as_admin, world):
    trust = _trust(world)
    sheet = load_workbook(io.BytesIO(as_admin.get("/team/export/matrix?format=xlsx").data)).active
    header = [c.value for c in sheet[1]]
    column = header.index(f"{AHP}: qualification")
    cells = {row[1].value: row[column] for row in sheet.iter_rows(min_row=2)}
    assert cells["Lee Learner"].value == "About to lose"
    assert cells["Lee Learner"].fill.fgColor.rgb == "00" + exports.FILLS["orange"][0]
    assert cells["Mia Meets"].value == "Meets" and cells["Mia Meets"].fill.fgColor.rgb == "00" + exports.FILLS["green"][0]
    assert cells["Olu Other"].fill.fgColor.rgb == "00" + exports.FILLS["red"][0]

    counts = list(csv.reader(io.StringIO(as_admin.get("/team/export/standing?format=csv").get_data(as_text=True)
                                         .lstrip("\ufeff"))))
    assert counts[0] == exports.STANDING_HEADER
    assert [AHP, "All teams shown", "2", "2", "2", "6"] in counts
    assert [AHP, "Physiotherapy", "1", "2", "1", "4"] in counts
    assert [CORE, "No team", "1", "0", "0", "1"] in counts
    # As the team page filters it: one team, its own row.
    team_b = list(csv.reader(io.StringIO(as_admin.get(f"/team/export/standing?team={world.team_b.id}")
                                         .get_data(as_text=True).lstrip("\ufeff"))))
    assert team_b[1:] == [[AHP, "Occupational Therapy", "1", "0", "1", "2"], [CORE, "Occupational Therapy", "0", "0", "1", "1"]]
    book = load_workbook(io.BytesIO(as_admin.get("/team/export/standing?format=xlsx").data))
    assert book.active.title == "Qualifications" and book.active["A2"].value == AHP
    assert trust.core.name == CORE


def test_the_admin_overview_counts_each_passport_for_the_organisation(as_admin, world):
    trust = _trust(world)
    html = as_admin.get("/admin/").get_data(as_text=True)
    section = html[html.index('id="qualifications"'):]
    links = {(q["template"], q["standing"]): (n, href) for href, n, q in _count_links(section)}
    assert all(set(q) == {"template", "standing"} for _, _, q in _count_links(section))
    expected = _expected()
    for (template_id, standing), (n, href) in links.items():
        want = _wanted(expected, int(template_id), standing)
        assert n == len(want) and sorted(_people_listed(as_admin, href)) == sorted(want)
    assert links[(str(world.template.id), "about_to_lose")][0] == 2
    assert links[(str(trust.core.id), "meets")][0] == 1
    # The same numbers as the team page for the whole organisation.
    team = as_admin.get("/team/").get_data(as_text=True)
    overall = {(q["template"], q["standing"]): n for _, n, q in _count_links(team) if "team" not in q and "no_team" not in q}
    assert overall == {key: n for key, (n, _) in links.items()}


def test_the_pdf_says_each_passports_standing_on_its_first_page(as_admin, world):
    trust = _trust(world)
    pdf = as_admin.get(f"/people/{world.learner.id}/passport.pdf")
    first = _words(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text())
    assert "Passports held as qualifications" in first
    assert f"{AHP}: About to lose 1 item expiring" in first, first
    assert f"{CORE}: About to lose 2 items expiring" in first
    other = PdfReader(io.BytesIO(as_admin.get(f"/people/{world.other_learner.id}/passport.pdf").data)).pages[0]
    assert f"{AHP}: Does not meet 1 overdue, 2 to do" in _words(other.extract_text())
    # A bulk print's passports say it too.
    response = as_admin.post("/team/print", data={"scope": "selected", "person": [str(world.learner.id),
                                                                                  str(trust.meets.id)]})
    assert response.status_code == 303
    job = db.session.scalar(select(PrintJob).order_by(PrintJob.id.desc()))
    _finish(as_admin, job.id)
    texts = [_words(p.extract_text()) for p in PdfReader(io.BytesIO(as_admin.get(f"/team/print/{job.id}/download").data)).pages]
    firsts = [t for t in texts if "Page 1 of" in t]
    assert len(firsts) == 2
    assert any(f"{AHP}: About to lose 1 item expiring" in t and "Lee Learner" in t for t in firsts)
    assert any(f"{AHP}: Meets" in t and "Mia Meets" in t for t in firsts)


def test_the_people_page_costs_the_same_queries_for_3_people_as_for_60(app, world):
    client = sign_in(app.test_client(), world.educator)
    url = f"/team/standing?template={world.template.id}&standing=does_not_meet"

    def queries():
        with count_queries() as log:
            assert client.get(url).status_code == 200
        return log

    few = queries()
    for n in range(57):
        person = factories.person(team=world.team_a)
        factories.assign(person, world.template)
        if n % 3:
            _done(person, world.fire, dt.date(2025, 1, 1 + n % 28))
    db.session.commit()
    many = queries()
    assert few.count == many.count, f"few: {few!r}\n\nmany: {many!r}"
    page = client.get(url).get_data(as_text=True)
    assert "59 people, page 1 of 2." in page
