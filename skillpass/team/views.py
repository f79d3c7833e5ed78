"""The team page (educators: their teams; admins: any team or everyone): the
compliance matrix, who lapses next, the 12-month trend, exports and bulk print.
Filters live in the URL, so a view can be shared and the back button works."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from skillpass import access, charts, htmx, transaction
from skillpass.access import OWN_PRINT_JOB, TEAM, guard, visible_team_ids
from skillpass.clock import today
from skillpass.extensions import db
from skillpass.team.forms import PrintForm
from skillpass.inputs import page_number, printable, to_id
from skillpass.models import PrintJobStatus, Team
from skillpass.rules import Standing, Status, format_date
from skillpass.print import bulk as bulk_print
from skillpass.services import exports, submissions
from skillpass.services.errors import DomainError
from skillpass.services import figures
from skillpass.services.settings import get_settings

bp = Blueprint("team", __name__, url_prefix="/team")

PAGE_SIZE = 100
FORECAST_DAYS = (30, 60, 90)
STATUSES = [Status.OVERDUE, Status.EXPIRED, Status.EXPIRING, Status.TODO, Status.COMPLETE, figures.AWAITING]


@dataclass
class Filters:
    team: int | None
    job_role: str
    template: int | None
    status: Status | figures.Awaiting | None
    out: bool

    def query(self, **changes) -> dict:
        """The filters as URL parameters (only those set), with *changes* applied."""
        values = {"team": self.team, "job_role": self.job_role, "template": self.template,
                  "status": self.status.value if self.status else None, "out": "1" if self.out else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def narrowed(self) -> bool:
        """Whether any filter besides the team narrows who is shown."""
        return bool(self.job_role or self.template or self.status or self.out)


def _filters(source=None) -> Filters:
    """The filters of the page (GET: its address) or of a form posted from it (bulk print).

    The team is the one the access guard checked (g.team_id), never read again here."""
    values = request.args if source is None else source
    statuses = {s.value: s for s in STATUSES}
    return Filters(team=g.team_id, job_role=(values.get("job_role") or "").strip()[:120],
                   template=to_id(values.get("template", "")), status=statuses.get(values.get("status", "")),
                   out=values.get("out") == "1")


def _scope(filters: Filters) -> figures.Scope:
    if filters.team is not None:
        team_ids: tuple[int, ...] | None = (filters.team,)
    else:
        team_ids = visible_team_ids(current_user)
    return figures.Scope(team_ids=team_ids, job_role=filters.job_role, template_id=filters.template)


def _title(filters: Filters, teams: dict[int, Team]) -> str:
    if filters.team is not None:
        team = teams.get(filters.team)
        return team.name if team else "Team"
    if current_user.is_admin:
        return "Whole organisation"
    names = sorted(t.name for t in teams.values() if t.archived_at is None)
    if not names:
        return "Your teams"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def row_cells(row, columns, passport_url: str) -> Markup:
    """A matrix row's cells as HTML, built here rather than cell by cell in Jinja: a 100-row page of a 135-item
    matrix is 13,500 cells, and this is the page's hot loop. A column's fixed parts are made once (Column.drawn),
    and a cell's words once per shared cell (walk.Cell.drawn), so a cell costs one join. Everything from people is
    escaped."""
    name = escape(printable(row.person.name))
    base = escape(passport_url)
    cells = row.cells
    parts = []
    append = parts.append
    for column in columns:
        item_id, link, title_end, none_end = column.drawn or _draw_column(column)
        cell = cells.get(item_id)
        if cell is None:
            append(f'{_NONE_START}{name}{none_end}')
            continue
        start, end = cell.drawn or _draw_cell(cell)
        append(f'{start}{base}{link}{name}{title_end}{end}')
    # Every value above is escaped (names, titles, URL) or built here from fixed words and dates.
    return Markup("".join(parts))  # nosec B704


_NONE_START = ('<td class="app-cell app-cell--none"><span aria-hidden="true">–</span>'
               '<span class="nhsuk-u-visually-hidden">')


def _draw_column(column) -> tuple[int, str, str, str]:
    """A column's fixed parts of its cells: (item id, the end of the link's address and the start of the hidden
    label, the label's end after the person's name, the end of a cell not assigned)."""
    item_id, title = column.item.id, column.escaped_title
    column.drawn = (item_id, f'#item-{item_id}"><span class="nhsuk-u-visually-hidden">', f', {title}: </span>',
                    f', {title}: not assigned</span></td>')
    return column.drawn


def _draw_cell(cell) -> tuple[str, str]:
    """A cell's own parts of its HTML: up to the link's address, and from the status word to the end. The words of
    rules.status_line, the marker in a span of its own."""
    awaiting = f'<span class="app-cell__awaiting"> · {cell.awaiting_words}</span>' if cell.awaiting else ""
    cell.drawn = (f'<td class="app-cell app-cell--{cell.css}"><a class="app-cell__link" href="',
                  f'{cell.word}{awaiting}<span class="app-cell__date">{cell.date_line}</span></a></td>')
    return cell.drawn


def standing_url(filters: Filters, template_id: int | None, standing: Standing | None, *,
                 team: int | None = None, no_team: bool = False, page: int | None = None) -> str:
    """The people page of one count: the team page's team, job role and passport, narrowed to one passport,
    one standing and (from a team's row) one team, or the people without a team."""
    values = {"team": team if team is not None else (None if no_team else filters.team),
              "no_team": "1" if no_team else None, "job_role": filters.job_role or None, "template": template_id,
              "standing": standing.value if standing else None, "page": page}
    return url_for("team.standing", **{k: v for k, v in values.items() if v is not None})


def _matrix(filters: Filters, *, keep: bool = False):
    settings = get_settings()
    matrix = figures.build_matrix(_scope(filters), today=today(), warning_days=settings.warning_days, keep=keep)
    rows = figures.filter_rows(matrix, status=filters.status, out_only=filters.out)
    return matrix, rows


@bp.get("/")
@guard(TEAM)
def index():
    filters = _filters()
    teams = access.visible_teams(current_user)
    scope = _scope(filters)
    if figures.team_page.exact(scope, filters.status):
        # Counted by the database over the kept dates; matrix rows built for the people of this page only.
        built = figures.team_page.build(scope, status=filters.status, out_only=filters.out,
                                        page=page_number(request.args.get("page")), size=PAGE_SIZE, today=today(),
                                        warning_days=get_settings().warning_days, forecast_days=FORECAST_DAYS[-1],
                                        windows=FORECAST_DAYS)
        matrix, shown, forecast, standings = built.matrix, built.matrix.rows, built.forecast, built.standings
        total, page, pages, holders = built.total, built.page, built.pages, built.holders
        no_passport, out_count = built.no_passport, built.out_count
    else:
        # A team or so (walking costs it less, and its matrix is kept), or a status an optional item can have
        # (not kept): the whole matrix, walked.
        matrix, rows = _matrix(filters, keep=True)
        # Staff who hold no passport have no row in the matrix: they are named apart, with why.
        no_passport = [r.person for r in rows if not r.cells]
        rows = [r for r in rows if r.cells]
        total = len(rows)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page_number(request.args.get("page")), pages)
        # One forecast over the longest window; the shorter windows' counts are read from it, side by side.
        forecast = figures.forecast(matrix, rows, days=FORECAST_DAYS[-1])
        shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        out_count = sum(1 for r in rows if r.out_of_compliance)
        holders = sum(1 for r in matrix.rows if r.cells)
        standings = figures.standing_figures(matrix)
    windows = [(days, *forecast.within(days)) for days in FORECAST_DAYS]
    weeks = forecast.weeks
    chart = charts.stacked_bars([(format_date(monday), [("app-bar--expiry", expiring), ("app-bar--due", due)])
                                 for monday, expiring, due in weeks])
    printable = total   # everyone shown holds a passport to print
    context = dict(filters=filters, matrix=matrix, rows=shown, row_cells=row_cells, total=total, page=page, pages=pages,
                   printable=printable,
                   page_url=lambda n: url_for("team.index", **filters.query(page=n)),
                   holders=holders,
                   forecast=forecast, windows=windows, no_passport=no_passport, weeks=weeks, chart=chart,
                   out_count=out_count,
                   title=_title(filters, {t.id: t for t in teams}), statuses=STATUSES,
                   # Who meets, is about to lose or does not meet each passport (PRODUCT.md §6.3), each count a link.
                   standings=standings, standing_url=standing_url)
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("team/_results.html", **context)))
    # The passports and job roles of the people this viewer can see: an educator is offered only what
    # their teams hold.
    visible = visible_team_ids(current_user)
    templates = figures.passports_on_offer(visible, keep=filters.template)
    job_roles = figures.job_roles(visible)
    prints = bulk_print.recent(current_user)
    return htmx.add_vary(Response(render_template("team/index.html", teams=teams, templates=templates,
                                                  job_roles=job_roles,
                                                  prints=prints, PrintJobStatus=PrintJobStatus, **context)))


@bp.get("/trend")
@guard(TEAM)
def trend():
    """Monthly compliance over the last 12 months, as of each month's end (htmx loads it into the team page)."""
    filters = _filters()
    settings = get_settings()
    # Past month ends are kept as writes happen; one not yet built again (just ended, or after a change that
    # touched thousands of people) is walked from the entries for a few people, and shown as being counted for many.
    lines = figures.trend(_scope(filters), today=today(), warning_days=settings.warning_days,
                          walk_limit=current_app.config["TREND_WALK_LIMIT"])
    ends = figures.month_ends(today())
    labels = [m.strftime("%b %Y") for m in ends]
    drawn = lines[:6]
    chart = charts.percent_lines(labels, [(line.name, [c.percent if c is not None else None for _, c in line.points])
                                          for line in drawn])
    counting = [label for label, (_, c) in zip(labels, lines[0].points) if c is None] if lines else []
    context = dict(filters=filters, lines=lines, chart=chart, labels=labels, ends=ends, counting=counting,
                   more=len(lines) - len(drawn), title=_title(filters, {t.id: t for t in access.visible_teams(current_user)}))
    if htmx.is_htmx():
        return htmx.add_vary(Response(render_template("team/_trend.html", **context)))
    return htmx.add_vary(Response(render_template("team/trend.html", **context)))


# ---------------------------------------------------------------- exports

def _stamp() -> str:
    return today().isoformat()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "team"


@bp.get("/export/matrix")
@guard(TEAM)
def export_matrix():
    filters = _filters()
    matrix, rows = _matrix(filters)
    title = _title(filters, {t.id: t for t in access.visible_teams(current_user)})
    table = exports.matrix_table(matrix, rows)
    return _send(table, f"compliance-{_slug(title)}-{_stamp()}", request.args.get("format", "csv"),
                 sheet="Compliance")


@bp.get("/export/standing")
@guard(TEAM)
def export_standing():
    """Who meets, is about to lose or does not meet each passport (PRODUCT.md §6.3), by passport and team: the
    counts of the team page, for its team, job role and passport."""
    filters = _filters()
    matrix, _ = _matrix(filters)
    title = _title(filters, {t.id: t for t in access.visible_teams(current_user)})
    table = exports.standing_table(figures.standing_figures(matrix))
    return _send(table, f"qualifications-{_slug(title)}-{_stamp()}", request.args.get("format", "csv"),
                 sheet="Qualifications")


@bp.get("/export/records")
@guard(TEAM)
def export_records():
    """Every entry of the people shown (the filters apply), streamed."""
    filters = _filters()
    title = _title(filters, {t.id: t for t in access.visible_teams(current_user)})
    if filters.status or filters.out:
        # Filters on statuses need the statuses: the matrix says who is shown.
        _, rows = _matrix(filters)
        people = [r.person.id for r in rows]
    else:
        people = figures.people_query(_scope(filters))    # read in the same query as the records
    template_id = filters.template
    table = exports.records_table(people, template_id=template_id)
    return _send(table, f"records-{_slug(title)}-{_stamp()}", request.args.get("format", "csv"), sheet="Records")


def _send(table: exports.Table, stem: str, fmt: str, *, sheet: str):
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        exports.write_xlsx(table, spool, sheet=sheet)
        spool.seek(0)
        return send_file(spool, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=f"{stem}.xlsx")
    response = Response(stream_with_context(exports.csv_chunks(table)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


# ---------------------------------------------------------------- bulk print

@bp.post("/print")
@guard(TEAM)
def print_start():
    """Print everyone the filters show (scope=all) or the people ticked (scope=selected)."""
    form = PrintForm()
    filters = _filters(request.form)    # the filters the page showed, sent with the form
    matrix, rows = _matrix(filters)
    title = _title(filters, {t.id: t for t in access.visible_teams(current_user)})
    selected = form.scope.data == "selected"
    if selected:
        chosen = set(form.person.data)
        people = [r.person for r in rows if r.person.id in chosen]
    else:
        people = [r.person for r in rows]
    back = url_for("team.index", **filters.query())
    if form.scope.data not in ("all", "selected"):
        return _print_refused(back, "Choose what to print: everyone shown, or the people ticked.")
    if not people:
        return _print_refused(back, "Choose at least one person to print: tick them in the table, "
                                    "or print everyone shown.")
    # Someone with no item to show (no passport, or one with no live items) would print as an empty page:
    # they are left out, and named.
    holders = {r.person.id for r in rows if r.cells}
    without = [p for p in people if p.id not in holders]
    people = [p for p in people if p.id in holders]
    if not people:
        return _print_refused(back, "Nobody chosen has a passport with anything in it: there is nothing to print. "
                                    "Give them a passport from their page, or by an assignment rule.")
    if selected:
        suffix = f": {len(people)} selected"
        title = title[:200 - len(suffix)] + suffix   # the count survives a long list of team names
    if len(people) > bulk_print.MAX_PEOPLE:
        return _print_refused(back, f"That is {len(people)} passports: print at most {bulk_print.MAX_PEOPLE} at a "
                                    f"time. Narrow the filters (a team, a job role) and print each part.")
    try:
        submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint,
                          already="This print was asked for twice: it is being made once, under Your bulk prints.")
    except DomainError as error:
        transaction.discard()
        return _print_refused(back, next(iter(error.errors.values())))
    job = bulk_print.create(actor=current_user, people=people, title=title, base_url=request.url_root)
    db.session.commit()     # before the worker that makes it looks for the job
    if without:
        names = ", ".join(p.name for p in without[:10]) + (f" and {len(without) - 10} more" if len(without) > 10 else "")
        flash(f"Left out, as they have no passport to print: {names}.")
    bulk_print.launch(job.id, base_url=request.url_root)
    location = url_for("team.print_status", job_id=job.id)
    if htmx.is_htmx():
        return htmx.redirect(Response(status=204), location)
    return redirect(location, code=303)


def _print_refused(back: str, message: str):
    flash(message)
    if htmx.is_htmx():
        return htmx.redirect(Response(status=204), back)
    return redirect(back, code=303)


@bp.get("/print/<int:job_id>")
@guard(OWN_PRINT_JOB)
def print_status(job_id: int):
    job = g.job
    db.session.refresh(job)
    if htmx.is_htmx():
        response = Response(render_template("team/_print_progress.html", job=job, PrintJobStatus=PrintJobStatus))
        if job.finished:
            # Stop polling: the finished fragment has no trigger left.
            htmx.trigger(response, "printFinished")
        return htmx.add_vary(response)
    return htmx.add_vary(Response(render_template("team/print.html", job=job, PrintJobStatus=PrintJobStatus)))


@bp.get("/print/<int:job_id>/download")
@guard(OWN_PRINT_JOB)
def print_download(job_id: int):
    job = g.job
    if job.status is not PrintJobStatus.READY or not job.stored_name:
        abort(404)
    path = bulk_print.folder() / job.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"passports-{_slug(job.title)}-{job.created_at.date().isoformat()}.pdf")


# The people behind the qualification counts (PRODUCT.md §6.3) register on this blueprint from their own module.
from skillpass.team import standing  # noqa: E402,F401
