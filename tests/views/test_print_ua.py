"""The printed pages are laid out with a user-agent stylesheet of only the rules they use (skillpass/print/print-ua.css,
issue 19, part 5): every box of every page is where WeasyPrint's own stylesheet puts it, with the same words and the
same computed style, and the outline is the same; and far fewer styles are worked out to get there."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from weasyprint import HTML

from skillpass import demo
from skillpass.extensions import db
from skillpass.models import Person, TrainingSession
from skillpass.print import pdf, render
from skillpass.services.credentials import verify_links
from skillpass.services.settings import get_settings
from skillpass.services.skills import reports as skill_reports
from tests.conftest import TODAY

BASE = "http://localhost/"


def _boxes(document) -> list[tuple]:
    """Every box of every page: its kind, element, place, size, words and whole computed style."""
    found = []

    def walk(box, page):
        style = box.style
        found.append((page, type(box).__name__, getattr(box, "element_tag", None), getattr(box, "pseudo_type", None), box.position_x, box.position_y,
                      box.width, box.height, getattr(box, "text", None),
                      {name: repr(style[name]) for name in sorted(style)} if style is not None else None))
        for child in getattr(box, "children", None) or []:
            walk(child, page)

    for number, page in enumerate(document.pages, 1):
        walk(page._page_box, number)
    return found


def _same_as_weasyprints_own(app, html: str) -> int:
    ours = pdf.render_document(html, base_url=BASE, app=app)
    fetcher = pdf.static_only_fetcher(Path(app.static_folder), app.static_url_path)
    theirs = HTML(string=html, base_url=BASE, url_fetcher=fetcher).render(stylesheets=[pdf.print_stylesheet(app)])
    assert len(ours.pages) == len(theirs.pages)
    mine, other = _boxes(ours), _boxes(theirs)
    assert len(mine) == len(other)
    for a, b in zip(mine, other):
        assert a == b
    assert ours.make_bookmark_tree() == theirs.make_bookmark_tree()
    return len(ours.pages)


@pytest.fixture
def demo_people(app):
    demo.seed(today=TODAY)
    db.session.commit()
    people = db.session.scalars(select(Person).where(Person.email.in_(
        [demo.LEARNER_EMAIL, demo.EDUCATOR_EMAIL])).order_by(Person.id)).all()
    assert len(people) == 2
    return people


def test_a_passport_lays_out_box_for_box_as_with_weasyprints_own_stylesheet(app, demo_people):
    """The demo's passports as a bulk print makes them: verify link and QR code, standings, skills, informal
    learning, signatures."""
    admin = db.session.scalar(select(Person).where(Person.email == demo.ADMIN_EMAIL))
    links = verify_links.live_links(demo_people, admin)
    skills = skill_reports.print_sections([p.id for p in demo_people])
    for person in demo_people:
        html = render.passport_html(person, settings=get_settings(), for_pdf=True, skills=skills.get(person.id, []),
                                    verify=verify_links.printed(links[person.id].token, base_url=BASE))
        assert _same_as_weasyprints_own(app, html) >= 1


def test_a_session_register_lays_out_box_for_box_as_with_weasyprints_own_stylesheet(app, as_educator, world):
    as_educator.post("/sessions/new", data={
        "item": str(world.fire.id), "held_on": "2026-02-20", "trainer": "Sam Trainer", "venue": "Room 2", "q": "",
        "employee_numbers": "", "action": "save", "people": [str(world.learner.id)]})
    session = db.session.scalars(select(TrainingSession)).one()
    from flask import g, render_template

    from skillpass.clock import today
    from skillpass.services import sessions
    with app.test_request_context():
        g.training_session = session
        html = render_template("sessions/print.html", view=sessions.session_view(session),
                               organisation=get_settings().organisation_name, for_pdf=True, today=today())
        assert "Lee Learner" in html
        assert _same_as_weasyprints_own(app, html) == 1


def test_the_print_works_out_a_fraction_of_the_styles(app, demo_people, monkeypatch):
    """The reason for it: WeasyPrint's own stylesheet gives every element styles of its own for pseudo-elements
    the page never shows (::marker, ::footnote-call …); the print's works out styles for what is there."""
    from weasyprint import css

    html = render.passport_html(demo_people[0], settings=get_settings(), for_pdf=True)
    made = []
    real = css.StyleFor.set_computed_styles
    monkeypatch.setattr(css.StyleFor, "set_computed_styles", lambda self, *a, **k: made.append(1) or real(self, *a, **k))
    pdf.render_document(html, base_url=BASE, app=app)
    ours = len(made)
    made.clear()
    HTML(string=html, base_url=BASE).render(stylesheets=[pdf.print_stylesheet(app)])
    assert ours * 2 < len(made)
