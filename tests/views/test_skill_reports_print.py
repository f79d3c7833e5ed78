"""The passport PDF's self-assessment and gaps (issue 16, part D): a page per framework where the person
stands or has a target, in the single print and in a team's bulk print, read back from WeasyPrint's output."""
from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import select

from skillpass.extensions import db
from skillpass.models import PrintJob, SelfAssessedLevel, SelfAssessment, SkillLevel, SkillTarget
from skillpass.print import bulk as bulk_print
from skillpass.services.skills import standing
from tests import factories

L = SkillLevel


def _skills(world):
    fw = factories.skills_framework()
    a = {x.name: x for x in standing.live_areas(fw.id)}
    row = standing.kept_row(world.learner.id, a["Email"].id)
    row.self_level, row.self_reason, row.self_assessed_on = 1, "why", dt.date(2026, 2, 14)
    row = standing.kept_row(world.learner.id, a["Spreadsheets"].id)
    row.self_level, row.self_assessed_on = 3, dt.date(2026, 2, 14)
    row.confirmed_level, row.confirmed_on, row.confirmed_by_name = 2, dt.date(2026, 2, 20), "Eve Educator"
    db.session.add(SkillTarget(area_id=a["Email"].id, person_id=world.learner.id, minimum=2))
    assessment = SelfAssessment(person_id=world.learner.id, framework_id=fw.id, submitted_on=dt.date(2026, 2, 14))
    db.session.add(assessment)
    db.session.flush()
    db.session.add(SelfAssessedLevel(assessment_id=assessment.id, area_id=a["Email"].id, level=1))
    factories.skills_framework(name="Nobody's framework")
    db.session.commit()
    return fw


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_passport_pdf_has_a_page_of_self_assessment_and_gaps(as_learner, world):
    _skills(world)
    pages = _text(as_learner.get(f"/people/{world.learner.id}/passport.pdf").data)
    skills = [i for i, t in enumerate(pages) if "Skills: IT user skills" in t]
    assert skills, pages
    text = " ".join(" ".join(pages[skills[0]:]).split())
    for words in ("Latest self-assessment submitted 14 Feb 2026", "Self-assessed", "Confirmed by an educator",
                  "Below target", "Email: Foundation now, target Intermediate", "Eve Educator, 20 Feb 2026",
                  "Intermediate counts (confirmed)", "own target", "No target"):
        assert words in text, words
    # It starts a page of its own, and a framework where they neither stand nor have a target is left out.
    assert "Skills: IT user skills" not in pages[skills[0] - 1]
    assert "Nobody's framework" not in " ".join(pages)
    html = as_learner.get(f"/people/{world.learner.id}/passport/print").get_data(as_text=True)
    assert "Skills: IT user skills" in html


def test_without_skills_the_passport_prints_as_before(as_learner, world):
    factories.skills_framework()
    db.session.commit()
    pages = _text(as_learner.get(f"/people/{world.learner.id}/passport.pdf").data)
    assert not any("Skills: " in t for t in pages)


def test_a_bulk_print_has_each_persons_own_skills_page(app, as_admin, world):
    _skills(world)
    job = bulk_print.create(actor=world.admin, people=[world.educator, world.learner], title="Physiotherapy")
    db.session.commit()
    job_id = job.id
    bulk_print.run(app, job_id, "http://localhost/")     # on this thread, as the benchmark runs it
    job = db.session.scalar(select(PrintJob).where(PrintJob.id == job_id))
    pdf = (bulk_print.folder(app) / job.stored_name).read_bytes()
    pages = _text(pdf)
    skills = [t for t in pages if "Skills: IT user skills" in t]
    assert len(skills) == 1 and "Skills passport: Lee Learner" in skills[0]
