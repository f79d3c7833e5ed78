"""The people list: live search, so any passport is two clicks from home."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from skillpass import htmx
from skillpass.access import ADMIN, STAFF, guard
from skillpass.extensions import db
from skillpass.models import Person, Role, Team
from skillpass.services import people as people_service

bp = Blueprint("people", __name__, url_prefix="/people")

PAGE_SIZE = 50


def _visible_people(q: str):
    stmt = select(Person).outerjoin(Team, Person.team_id == Team.id)
    if not current_user.is_admin:
        team_ids = [t.id for t in current_user.supported_teams]
        stmt = stmt.where(Person.team_id.in_(team_ids))
    if q:
        # The search words are literal: % and _ match themselves.
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(or_(*(
            func.lower(column).like(like, escape="\\")
            for column in (Person.name, Person.email, Person.employee_number, Person.job_role, Team.name)
        )))
    return stmt


@bp.get("/")
@guard(STAFF)
def index():
    q = (request.args.get("q") or "").strip()[:100]
    stmt = _visible_people(q)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    people = db.session.scalars(stmt.order_by(Person.active.desc(), Person.name).limit(PAGE_SIZE)).all()
    context = dict(people=people, q=q, total=total, page_size=PAGE_SIZE)
    if htmx.is_htmx():
        return render_template("people/_results.html", **context)
    return render_template("people/index.html", **context)


@bp.route("/<int:person_id>/teams", methods=["GET", "POST"])
@guard(ADMIN)
def supported_teams(person_id: int):
    """The teams an educator supports: whose entries they sign off and whose passports they see."""
    person = db.get_or_404(Person, person_id)
    if person.role is not Role.EDUCATOR:
        abort(404)
    teams = db.session.scalars(select(Team).where(Team.archived_at.is_(None)).order_by(Team.name)).all()
    if request.method == "POST":
        chosen = {int(v) for v in request.form.getlist("team") if v.isdigit()}
        people_service.set_supported_teams(actor=current_user, educator=person,
                                           teams=[t for t in teams if t.id in chosen])
        db.session.commit()
        names = ", ".join(t.name for t in person.supported_teams) or "no team"
        flash(f"{person.name} now supports {names}.")
        return redirect(url_for("passport.detail", person_id=person.id), code=303)
    return render_template("people/teams.html", person=person, teams=teams,
                           chosen={t.id for t in person.supported_teams})
