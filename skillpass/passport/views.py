"""My passport, a person's passport: recording learning inline, and an educator's decisions on its rows
(approve, reject with a reason, revoke with a reason). The sign-off queue decides from its own screen
(signoff/views.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from skillpass import access, htmx, transaction
from skillpass.access import DECIDE_FOR_PERSON, OWN_ENTRY, RECORD_FOR_PERSON, SIGNED_IN, VIEW_PERSON, guard
from skillpass.clock import today
from skillpass.models import EntryActivity, EntryMethod, Item, ItemKind
from skillpass.passport.forms import InformalForm, RecordForm, field_errors
from skillpass.rules import OPTIONAL_NOT_DONE, format_date
from skillpass.services import entries as entry_service
from skillpass.services import corrections, kept, submissions, todo
from skillpass.services.errors import DomainError
from skillpass.services.passport import BUCKETS, build_passport
from skillpass.services.settings import get_settings

bp = Blueprint("passport", __name__)

LEARNER_METHODS = {m.value: m for m in (EntryMethod.HERE, EntryMethod.EQUIVALENT)}
ACTIVITIES = {a.value: a for a in EntryActivity}
CHOOSE_ACTIVITY = "Choose which you completed: the initial activity or the refresher."


def _activity(form: RecordForm, item: Item, kept: EntryActivity | None = None) -> EntryActivity | None:
    """Which activity the record is (PRODUCT.md §6.3): asked only for an item with a refresher, where an
    answer is required (None, with the form's error set, when there is none); always the initial activity
    otherwise. *kept*: what a correction carries over when the form does not send the question."""
    if not item.has_refresher:
        return EntryActivity.INITIAL
    if form.activity.data is None and kept is not None:
        return kept
    activity = ACTIVITIES.get(form.activity.data or "")
    if activity is None:
        form.activity.errors = [CHOOSE_ACTIVITY]
    return activity


def _row_flags(person) -> dict:
    """What the signed-in person may do on this passport's rows, and the addresses the rows link to."""
    return dict(
        can_record=access.can_record_for(current_user, person),
        can_decide=access.can_decide_for(current_user, person),
        row_urls=_RowUrls(person.id),
    )


# An item id no database holds, that the address of an item's page is built with once and then replaced.
_STAND_IN = 987654321987654321


def _per_id(endpoint: str, person_id: int, name: str):
    """url_for(endpoint, person_id=…, <name>=…) for every item (or entry) of one passport at the cost of one url_for."""
    head, tail = url_for(endpoint, person_id=person_id, **{name: _STAND_IN}).split(str(_STAND_IN))
    return lambda id_: f"{head}{id_}{tail}"


class _RowUrls:
    """The addresses each passport row links to: its Record form, its history and, for an educator or admin, its
    decisions and observed practice (a page of 90 rows otherwise spends milliseconds in url_for)."""

    def __init__(self, person_id: int):
        self.record = _per_id("passport.record", person_id, "item_id")
        self.history = _per_id("audit_log.item_history", person_id, "item_id")
        self.observed = _per_id("passport.observed", person_id, "item_id")
        self.decide = _per_id("passport.decide", person_id, "entry_id")
        self.revoke = _per_id("passport.revoke", person_id, "entry_id")


def _passport(person):
    return build_passport(person, today=today(), warning_days=get_settings().warning_days)


def _show() -> str | None:
    """Which summary count's rows the page shows (?show=overdue), or None for all of them."""
    show = request.args.get("show")
    return show if show in BUCKETS else None


def _summary_context(passport, show) -> dict:
    """What the summary (its to-do list, counts and contents) needs, from the passport already built."""
    return dict(needs=todo.needs(passport), next_due=todo.next_due(passport), counts=passport.counts, show=show,
                shown_templates=passport.shown(show), bucket_words=BUCKETS, optional_word=OPTIONAL_NOT_DONE)


# Stands in a kept page body for the CSRF token, which belongs to one session: the token of the
# request that is served goes back in its place.
_CSRF_SLOT = "\x00csrf-token\x00"


def _page(person, status=200, **extra):
    own = person.id == current_user.id
    # The plain page (no refused form to show again) is kept per worker until the data changes:
    # for this viewer, this person, today and this warning window (services/kept.py).
    settings = get_settings()
    show = _show()
    key = kept.key("passport", current_user.id, person.id, today(), settings.warning_days, show) \
        if not extra and status == 200 else None
    token = generate_csrf()
    body = kept.PASSPORT_PAGES.get(key) if key is not None else None
    if body is not None:
        # Each serving carries its own CSRF token and its own one-time form tokens.
        body = submissions.from_slots(body.replace(_CSRF_SLOT, token))
    else:
        passport = _passport(person)
        context = dict(
            passport=passport,
            **_summary_context(passport, show),
            person=person,
            **_row_flags(person),
            own=own,
            informal_form=extra.pop("informal_form", None) or InformalForm(formdata=None, completed_on=today()),
            informal_errors=extra.pop("informal_errors", {}),
        )
        context.update(extra)
        body = render_template("passport/_body.html", **context)
        if key is not None and token:
            kept.PASSPORT_PAGES.put(key, submissions.to_slots(body.replace(token, _CSRF_SLOT)))
    # The body is HTML this module's own template made, its values escaped there.
    return render_template("passport/page.html", body=Markup(body), person=person, own=own), status  # nosec B704


@bp.get("/passport")
@guard(SIGNED_IN)
def index():
    return _page(current_user._get_current_object())


@bp.get("/people/<int:person_id>/passport")
@guard(VIEW_PERSON)
def detail(person_id: int):
    if g.person.id == current_user.id:
        return redirect(url_for("passport.index"))
    undo = deciding.take_undo_offer()     # an approval made without JavaScript: its Undo, on this page only
    return _page(g.person, undo_entry_id=undo) if undo else _page(g.person)


def _row_or_404(passport, item_id):
    row = passport.row(item_id)
    if row is None:
        abort(404)
    return row


@bp.get("/people/<int:person_id>/passport/items/<int:item_id>")
@guard(VIEW_PERSON)
def item_row(person_id: int, item_id: int):
    if not htmx.is_htmx():
        _row_or_404(_passport(g.person), item_id)
        return redirect(_passport_url(g.person) + f"#item-{item_id}")
    return _row_response(g.person, item_id, changed=False)


def _row_response(person, item_id: int, *, message: str = "", status: int = 200, changed: bool = True,
                  queue_changed: bool = False, decision_errors: dict | None = None, open_form: tuple | None = None,
                  undo_entry_id: int | None = None):
    """One passport row for htmx: the row as it now stands, the live region's news out of band and, after a
    change, the events the page's other regions listen for (its summary, its section's progress and, for a
    decision, the sign-off count in the menu). A refused form (422) is drawn open with its errors, and
    changes nothing else."""
    passport = _passport(person)
    row = _row_or_404(passport, item_id)
    # The rows of the same subject in the person's other passports change with it: they come out of band.
    others = passport.same_subject(row) if changed and status == 200 else []
    response = make_response(render_template(
        "passport/_item_row.html", row=row, also=others, passport=passport, person=person, **_row_flags(person),
        decision_errors=decision_errors or {}, open_form=open_form, focus_record=not decision_errors,
        undo_entry_id=undo_entry_id,
    ), status)
    htmx.announce(response, message)
    if changed and status == 200:
        htmx.trigger(response, "passportChanged")
        for section_id in dict.fromkeys(r.section.id for r in [row, *others]):
            htmx.trigger(response, f"section{section_id}Changed")
        if queue_changed:
            htmx.trigger(response, "queueChanged")
    return response


@bp.get("/people/<int:person_id>/passport/summary")
@guard(VIEW_PERSON)
def summary(person_id: int):
    if not htmx.is_htmx():
        return redirect(_passport_url(g.person))
    passport = _passport(g.person)
    return render_template("passport/_summary.html", passport=passport, person=g.person,
                           own=g.person.id == current_user.id, **_row_flags(g.person),
                           **_summary_context(passport, _show()))


@bp.get("/people/<int:person_id>/passport/sections/<int:section_id>/progress")
@guard(VIEW_PERSON)
def section_progress(person_id: int, section_id: int):
    passport = _passport(g.person)
    section = passport.section(section_id)
    if section is None:
        abort(404)
    if not htmx.is_htmx():
        return redirect(_passport_url(g.person) + f"#section-{section_id}")
    return render_template("passport/_section_progress.html", sv=section, person=g.person)


@bp.get("/people/<int:person_id>/passport/templates/<int:template_id>/standing")
@guard(VIEW_PERSON)
def standing(person_id: int, template_id: int):
    """Where the person stands with one passport they hold, as a qualification (PRODUCT.md §6.3): refetched
    when one of its sections changes."""
    passport = _passport(g.person)
    tv = next((t for t in passport.templates if t.template.id == template_id and t.live), None)
    if tv is None:
        abort(404)
    if not htmx.is_htmx():
        return redirect(_passport_url(g.person) + f"#template-{template_id}")
    return htmx.add_vary(make_response(render_template("passport/_standing.html", tv=tv, person=g.person)))


def _passport_url(person) -> str:
    if person.id == current_user.id:
        return url_for("passport.index")
    return url_for("passport.detail", person_id=person.id)


@bp.route("/people/<int:person_id>/passport/items/<int:item_id>/record", methods=["GET", "POST"])
@guard(RECORD_FOR_PERSON)
def record(person_id: int, item_id: int):
    return _record_form(observed=False)


@bp.route("/people/<int:person_id>/passport/items/<int:item_id>/observed", methods=["GET", "POST"])
@guard(DECIDE_FOR_PERSON)
def observed(person_id: int, item_id: int):
    """An educator records observed practice of a competency: it counts at once, signed off in their name.
    An admin records any item here for anyone else (a learning item: completed here, recorded by an admin)."""
    return _record_form(observed=True)


def _record_form(*, observed: bool):
    person = g.person
    passport = _passport(person)
    row = _row_or_404(passport, request.view_args["item_id"])
    if not row.state.required or (observed and row.item.kind is not ItemKind.COMPETENCY
                                  and not current_user.is_admin):
        abort(404)
    item: Item = row.item
    form = RecordForm(completed_on=today()) if not _is_post() else RecordForm()
    if observed and item.kind is ItemKind.COMPETENCY:
        form.completed_on.label.text = "Date observed"     # as the form shows it, so its messages say so
    errors: dict[str, str] = {}
    if _is_post():
        valid = form.validate()
        method = (EntryMethod.OBSERVED if item.kind is ItemKind.COMPETENCY else EntryMethod.HERE) if observed \
            else LEARNER_METHODS.get(form.method.data or "")
        if method is None:
            form.method.errors = ["Choose how you completed it."]
            valid = False
        activity = _activity(form, item)
        if activity is None:
            valid = False
        if valid:
            try:
                submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
                entry = entry_service.record_entry(
                    actor=current_user,
                    person=person,
                    item=item,
                    completed_on=form.completed_on.data,
                    method=method,
                    equivalent_source=form.equivalent_source.data or "",
                    note=form.note.data or "",
                    upload=request.files.get("evidence"),
                    max_upload_mb=get_settings().max_upload_mb,
                    today=today(),
                    activity=activity,
                    certificate_expires_on=form.certificate_expires_on.data,
                )
            except DomainError as error:
                errors = error.errors
            else:
                return _recorded(person, item, entry)
        else:
            errors = field_errors(form)
    status = 422 if errors else 200
    context = dict(row=row, item=item, person=person, form=form, errors=errors, passport=passport,
                   back_url=_passport_url(person), observed=observed)
    if htmx.is_htmx():
        return render_template("passport/_record_form_row.html", **context), status
    return render_template("passport/record.html", **context), status


def _is_post() -> bool:
    return request.method == "POST"


def _recorded(person, item, entry, what: str = ""):
    passport = _passport(person)
    row = passport.row(item.id)
    what = what or ("observed practice recorded" if entry.method is EntryMethod.OBSERVED else "recorded")
    who = f"{person.name}: " if person.id != current_user.id else ""
    message = f"{who}{item.title}: {what} {format_date(entry.completed_on)}. Status: {row.state.label}."
    if not htmx.is_htmx():
        flash(message)
        return redirect(_passport_url(person) + f"#item-{item.id}", code=303)
    return _row_response(person, item.id, message=message)


@bp.route("/entries/<int:entry_id>/correct", methods=["GET", "POST"])
@guard(OWN_ENTRY)
def correct(entry_id: int):
    """A learner corrects their own entry within 14 days (PRODUCT.md §6.2): the record form, filled with what
    the entry says; saving records a new entry that supersedes it."""
    entry = g.entry
    person = current_user._get_current_object()
    passport = _passport(person)
    row = _row_or_404(passport, entry.item_id)
    item: Item = row.item
    refusal = corrections.why_not(entry, actor_id=person.id, today=today())
    if refusal:
        transaction.discard()
        if not htmx.is_htmx():
            flash(refusal)
            return redirect(url_for("passport.index") + f"#item-{item.id}", code=303)
        return _row_response(person, item.id, message=refusal, changed=False)
    errors: dict[str, str] = {}
    if not _is_post():
        form = RecordForm(completed_on=entry.completed_on, method=entry.method.value,
                          equivalent_source=entry.equivalent_source, note=entry.note,
                          activity=entry.activity.value if item.has_refresher else None,
                          certificate_expires_on=entry.certificate_expires_on)
    else:
        form = RecordForm()
        valid = form.validate()
        method = LEARNER_METHODS.get(form.method.data or "")
        if method is None:
            form.method.errors = ["Choose how you completed it."]
            valid = False
        # What the form does not send is carried over from the entry corrected (services/corrections.py).
        activity = _activity(form, item, kept=entry.activity)
        if activity is None:
            valid = False
        expiry = form.certificate_expires_on
        certificate_expires_on = expiry.data if expiry.raw_data else corrections.KEEP
        if not valid:
            errors = field_errors(form)
        else:
            try:
                submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
                correction = corrections.correct_entry(
                    actor=person, entry=entry, item=item, completed_on=form.completed_on.data, method=method,
                    equivalent_source=form.equivalent_source.data or "", note=form.note.data or "",
                    upload=request.files.get("evidence"), max_upload_mb=get_settings().max_upload_mb, today=today(),
                    activity=activity, certificate_expires_on=certificate_expires_on)
            except DomainError as error:
                errors = error.errors
            else:
                return _recorded(person, item, correction, what="corrected")
    context = dict(row=row, item=item, person=person, form=form, errors=errors, passport=passport,
                   back_url=_passport_url(person), observed=False, correcting=entry)
    status = 422 if errors else 200
    if htmx.is_htmx():
        return render_template("passport/_record_form_row.html", **context), status
    return render_template("passport/record.html", **context), status


@bp.get("/people/<int:person_id>/passport/informal")
@guard(VIEW_PERSON)
def informal_log(person_id: int):
    if not htmx.is_htmx():
        return redirect(_passport_url(g.person) + "#informal-learning")
    passport = _passport(g.person)
    return render_template(
        "passport/_informal.html", passport=passport, person=g.person,
        can_record=access.can_record_for(current_user, g.person),
        informal_form=InformalForm(formdata=None, completed_on=today()), informal_errors={},
    )


@bp.post("/people/<int:person_id>/passport/informal")
@guard(RECORD_FOR_PERSON)
def informal_add(person_id: int):
    person = g.person
    form = InformalForm()
    errors: dict[str, str] = {}
    if form.validate():
        try:
            submissions.claim(request.form.get(submissions.FIELD), actor=current_user, endpoint=request.endpoint)
            added = entry_service.add_informal(
                actor=current_user,
                person=person,
                title=form.title.data,
                completed_on=form.completed_on.data,
                hours=form.hours.data,
                reflection=form.reflection.data,
                upload=request.files.get("evidence"),
                max_upload_mb=get_settings().max_upload_mb,
                today=today(),
            )
        except DomainError as error:
            errors = error.errors
        else:
            message = f"Added to your informal learning log: {added.title}."
            if not htmx.is_htmx():
                flash(message)
                return redirect(url_for("passport.index") + "#informal-learning", code=303)
            passport = _passport(person)
            return htmx.announce(make_response(render_template(
                "passport/_informal.html", passport=passport, person=person, can_record=True,
                informal_form=InformalForm(formdata=None, completed_on=today()), informal_errors={},
            )), message)
    else:
        errors = field_errors(form)
    if htmx.is_htmx():
        passport = _passport(person)
        return render_template(
            "passport/_informal.html", passport=passport, person=person, can_record=True,
            informal_form=form, informal_errors=errors,
        ), 422
    return _page(person, status=422, informal_form=form, informal_errors=errors)


# The routes of the passport's decisions (withdraw, approve, reject, revoke, undo) register on this
# blueprint from their own module.
from skillpass.passport import deciding  # noqa: E402,F401
