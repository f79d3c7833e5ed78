"""The snapshot of skills and gaps (educators: their teams; admins: any team or the whole organisation):
counts meeting target per area, the people furthest from target, the monthly trend of the share meeting
target, and areas × people a page at a time; the same snapshot as CSV and Excel.
Filters live in the URL (team, job role, framework), as on the team page."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass

from flask import Blueprint, Response, g, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user

from skillpass import access, charts, htmx
from skillpass.access import TEAM, guard, visible_team_ids
from skillpass.clock import today
from skillpass.inputs import page_number, to_id
from skillpass.rules import format_date
from skillpass.services import exports, figures
from skillpass.services.skills import reports

bp = Blueprint("skill_reports", __name__, url_prefix="/team")


@dataclass
class Filters:
    team: int | None
    job_role: str
    framework: int | None

    def query(self, **changes) -> dict:
        """The filters as URL parameters (only those set), with *changes* applied."""
        values = {"team": self.team, "job_role": self.job_role, "framework": self.framework}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _filters() -> Filters:
    """The page's filters, from its address. The team is the one the access guard checked (g.team_id)."""
    return Filters(team=g.team_id, job_role=(request.args.get("job_role") or "").strip()[:120],
                   framework=to_id(request.args.get("framework", "")))


def _people(filters: Filters):
    team_ids = (filters.team,) if filters.team is not None else visible_team_ids(current_user)
    return figures.people_query(figures.Scope(team_ids=team_ids, job_role=filters.job_role))


def _title(filters: Filters) -> str:
    teams = access.visible_teams(current_user)
    if filters.team is not None:
        return next((t.name for t in teams if t.id == filters.team), "Team")
    if current_user.is_admin:
        return "Whole organisation"
    names = [t.name for t in teams]
    if not names:
        return "Your teams"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _chosen(filters: Filters):
    frameworks = reports.published_frameworks()
    framework = reports.choose_framework(frameworks, filters.framework)
    if framework is not None:
        filters.framework = framework.id    # the links of the page keep the framework shown
    return frameworks, framework


@bp.get("/skills")
@guard(TEAM)
def index():
    filters = _filters()
    frameworks, framework = _chosen(filters)
    report = None
    if framework is not None:
        report = reports.report(framework, _people(filters), page=page_number(request.args.get("page")))
    context = dict(filters=filters, framework=framework, report=report, title=_title(filters),
                   page_url=lambda n: url_for("skill_reports.index", **filters.query(page=n)))
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("skill_reports/_results.html", **context)))
    visible = visible_team_ids(current_user)
    return htmx.add_vary(Response(render_template(
        "skill_reports/index.html", teams=access.visible_teams(current_user), frameworks=frameworks,
        job_roles=figures.job_roles(visible), **context)))


@bp.get("/skills/trend")
@guard(TEAM)
def trend():
    """The share of targets met at each month's end over the last 12 months (htmx loads it into the report)."""
    filters = _filters()
    _, framework = _chosen(filters)
    points = reports.trend(framework, _people(filters), today=today()) if framework is not None else []
    labels = [p.month_end.strftime("%b %Y") for p in points]
    chart = charts.percent_lines(labels, [("Targets met", [p.percent for p in points])]) if points else None
    context = dict(filters=filters, framework=framework, points=points, labels=labels, chart=chart,
                   title=_title(filters), format_date=format_date)
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("skill_reports/_trend.html", **context)))
    return htmx.add_vary(Response(render_template("skill_reports/trend.html", **context)))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "team"


def _export(fmt: str):
    filters = _filters()
    _, framework = _chosen(filters)
    if framework is None:
        return Response("No published skills framework to export.", status=404, mimetype="text/plain")
    table = reports.snapshot_table(framework, _people(filters))
    stem = f"skills-{_slug(framework.name)}-{_slug(_title(filters))}-{today().isoformat()}"
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        exports.write_xlsx(table, spool, sheet="Skills")
        spool.seek(0)
        return send_file(spool, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=f"{stem}.xlsx")
    response = Response(stream_with_context(exports.csv_chunks(table)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


@bp.get("/skills.csv")
@guard(TEAM)
def export_csv():
    return _export("csv")


@bp.get("/skills.xlsx")
@guard(TEAM)
def export_xlsx():
    return _export("xlsx")
