"""The printed passport, made from what is passed in: the page as HTML, and the PDF laid out from it.

Nothing here reads the request: a bulk print on a background thread renders the same passports
as the page does, given the settings and the base URL (only WeasyPrint uses it) by its caller.
"""
from __future__ import annotations

from flask import Flask, render_template

from skillpass.clock import today
from skillpass.models import Person
from skillpass.print.pdf import render_document
from skillpass.services.passport import build_passport
from skillpass.services.settings import Settings
from skillpass.services.skills import reports as skill_reports


def passport_html(person: Person, *, settings: Settings, for_pdf: bool, skills: list | None = None,
                  verify=None) -> str:
    """The passport as one A4 page: with its toolbar and stylesheet on screen (that needs a request, for
    its links), without them for a PDF (which needs none). *skills*: the person's self-assessment and gaps
    (skill_reports.print_sections), loaded here when not given (a bulk print loads everyone's at once).
    *verify*: the verify link's address and QR code the first page carries (verify_links.printed), if any."""
    passport = build_passport(person, today=today(), warning_days=settings.warning_days)
    if skills is None:
        skills = skill_reports.print_sections([person.id])[person.id]
    return render_template("print/passport.html", passport=passport, person=person,
                           organisation=settings.organisation_name, for_pdf=for_pdf, skills=skills,
                           verify=verify)


def passport_document(person: Person, *, settings: Settings, base_url: str, app: Flask | None = None,
                      skills: list | None = None, verify=None):
    """The passport laid out by WeasyPrint (a Document: .write_pdf() for the file, .pages to put several
    together)."""
    return render_document(passport_html(person, settings=settings, for_pdf=True, skills=skills, verify=verify),
                           base_url=base_url, app=app)
