"""SkillPass: skills passports for an NHS trust or a team."""
from __future__ import annotations

import hmac
import secrets
import time

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import InternalServerError
from htmx_flask import Htmx
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from skillpass import config as config_module
from skillpass.config import ROOT


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(config_module.load(overrides))
    # Every <int:…> in a route holds only ids the database can hold: anything larger is a 404.
    from skillpass.screening import IdConverter

    app.url_map.converters["int"] = IdConverter
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_templates(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from skillpass.extensions import db, login_manager, migrate
    from skillpass.services import data_version

    db.init_app(app)
    from skillpass import sqlite_mode

    sqlite_mode.register()      # a SQLite file in WAL mode: readers never wait for a writer (issue 19)
    from skillpass.services import item_dates

    item_dates.register()       # the kept dates: written at each commit that changes them (issue 19)
    # After the kept dates' hooks (listeners run in the order registered): raising the data version is the
    # commit's last statement, so other writers queue on its one row only for the moment of the commit, not
    # while a write's kept dates are worked out (an import's batch of 500 people on PostgreSQL).
    data_version.register()     # its session hooks raise the data version at each commit that writes data
    from skillpass.services import evidence

    evidence.register()         # files written by a transaction that does not commit go with it
    from skillpass.services import mail

    mail.register(app)          # email a request queues goes once it has committed, never if rolled back
    from skillpass import jobs

    jobs.register(app)          # background work on Huey: bulk prints, email, digests (flask jobs-worker)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    # CSRFProtect is set up last of the request hooks (register_request_hooks): see there.
    Htmx(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id: str):
        from skillpass.models import Person

        from skillpass.inputs import to_id

        person_id, _, token = user_id.partition(":")
        if to_id(person_id) is None or not token:
            return None
        person = db.session.get(Person, to_id(person_id))
        if person is None or not person.active or not person.session_token:
            return None
        return person if hmac.compare_digest(person.session_token, token) else None


def register_templates(app: Flask) -> None:
    from skillpass import filters

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PackageLoader("nhsuk_frontend_jinja"),
    ])
    app.jinja_env.undefined = ChainableUndefined
    # Stored text is written without control characters, whatever it holds (pages and PDFs alike).
    from skillpass.inputs import finalize

    app.jinja_env.finalize = finalize
    # Escape everywhere, the NHS.UK .jinja macros included: Flask's default escapes only .html
    # and friends, which would print a person's or the organisation's name raw inside the header.
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    filters.register(app)
    # Templates compare with the enums themselves (item.kind == ItemKind.COMPETENCY), never their stored strings.
    from skillpass.models import AssignmentSource, EntryMethod, EvidenceRule, ItemKind, Role, TemplateStatus

    app.jinja_env.globals.update(AssignmentSource=AssignmentSource, EntryMethod=EntryMethod, EvidenceRule=EvidenceRule,
                                 ItemKind=ItemKind, Role=Role, TemplateStatus=TemplateStatus)
    # Refreshers and certificates (issue 17, part A): an entry's activity and the chain rule's words.
    from skillpass.models import EntryActivity
    from skillpass.rules import FULL_COURSE_NEEDED, REFRESHER_DUE, TOO_LATE

    app.jinja_env.globals.update(EntryActivity=EntryActivity, FULL_COURSE_NEEDED=FULL_COURSE_NEEDED,
                                 REFRESHER_DUE=REFRESHER_DUE, TOO_LATE=TOO_LATE)


def register_blueprints(app: Flask) -> None:
    from skillpass.auth.views import bp as auth_bp
    from skillpass.core.views import bp as core_bp
    from skillpass.passport.views import bp as passport_bp
    from skillpass.people.views import bp as people_bp
    from skillpass.print.views import bp as print_bp

    from skillpass.admin.views import bp as admin_bp
    from skillpass.audit_log.views import bp as audit_log_bp
    from skillpass.evidence.views import bp as evidence_bp
    from skillpass.sessions.views import bp as sessions_bp
    from skillpass.signoff.views import bp as signoff_bp
    from skillpass.team.views import bp as team_bp
    from skillpass.template_editor import bp as editor_bp

    for bp in (core_bp, auth_bp, passport_bp, people_bp, print_bp, signoff_bp, evidence_bp, audit_log_bp, admin_bp,
               editor_bp, team_bp, sessions_bp):
        app.register_blueprint(bp)
    # The calendar feed (issue 15, part B)
    from skillpass.calendar.views import bp as calendar_bp

    app.register_blueprint(calendar_bp)
    # Notifications and digests: email choices, one-click unsubscribe (issue 15, part D)
    from skillpass.notifications.views import bp as notifications_bp

    app.register_blueprint(notifications_bp)
    # Skills and gaps: the snapshot report and its exports (issue 16, part D)
    from skillpass.skill_reports.views import bp as skill_reports_bp

    app.register_blueprint(skill_reports_bp)
    # Confirmed levels and targets: a person's skills page for staff, job roles' targets (issue 16, part C)
    from skillpass.skill_targets import bp as skill_targets_bp

    app.register_blueprint(skill_targets_bp)
    # Skills frameworks: the editor (issue 16, part A)
    from skillpass.skills_editor import bp as skills_editor_bp

    app.register_blueprint(skills_editor_bp)
    # My skills: self-assessment, gaps and improvement (issue 16, part B)
    from skillpass.skills.views import bp as skills_bp

    app.register_blueprint(skills_bp)
    # Credit across passports: "holding X counts as Y" (issue 17, part C)
    from skillpass.credit import bp as credit_bp

    app.register_blueprint(credit_bp)
    # The questionnaire: answering it, its editor and the recommendations waiting for approval (issue 17, part D)
    from skillpass.questionnaire import bp as questionnaire_bp

    app.register_blueprint(questionnaire_bp)
    # Transferable, verifiable passports: keys, issuer profile, status list, and what builds on them (issue 18)
    from skillpass.credentials import bp as credentials_bp

    app.register_blueprint(credentials_bp)

    from skillpass import transaction

    transaction.register(app)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_request_hooks(app: Flask) -> None:
    from skillpass import access, htmx, screening, unsaved
    from skillpass.extensions import db

    @app.teardown_appcontext
    def close_session_safely(exc):
        """Runs before Flask-SQLAlchemy's own teardown: if the database went away mid-request, the
        rollback on close fails; drop that session quietly (the pool replaces the dead connection)
        instead of turning a friendly 503 into a bare 500."""
        try:
            db.session.remove()
        except DBAPIError:
            app.logger.warning("closing a session whose database connection was lost")
            db.session.registry.clear()

    @app.before_request
    def csp_nonce():
        # The one inline script is the NHS.UK template's "js-enabled" line; it carries this nonce.
        g.csp_nonce = secrets.token_urlsafe(16)

    # Before anything reads the request: what no page of ours sends (control characters, one name
    # with two values) is refused, with nothing done.
    app.before_request(screening.screen)

    @app.before_request
    def data_version_first():
        """Pages kept between requests are keyed by the data version: read it (with the settings, in
        one query) before anyone is loaded, so nothing this request reads is older than its key."""
        if request.endpoint not in ("static", "core.healthz"):   # the health check answers for itself
            from skillpass.services.settings import get_settings

            get_settings()

    @app.before_request
    def session_limits():
        """Signed out SESSION_HOURS after signing in, however busy (the time is kept in the session, so
        re-signing the cookie cannot stretch it), and after IDLE_MINUTES without a request; the sign-in
        page says why."""
        from flask import flash, session
        from flask_login import current_user, logout_user

        if not current_user.is_authenticated:
            return
        now = int(time.time())
        limit = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
        signed_in_at = session.get("signed_in_at")
        if not isinstance(signed_in_at, int) or not now - limit <= signed_in_at <= now + 60:
            if isinstance(signed_in_at, int):
                unsaved.keep(current_user.id)
            logout_user()
            session.pop("seen", None)
            session.pop("signed_in_at", None)
            flash(f"You were signed out: a sign-in lasts at most {limit // 3600} hours. Sign in again to carry on."
                  if isinstance(signed_in_at, int) else "Please sign in again to carry on.")
            return
        seen = session.get("seen")
        if seen is not None and now - seen > app.config["IDLE_MINUTES"] * 60:
            unsaved.keep(current_user.id)     # what a Save sent too late comes back after signing in again
            logout_user()
            session.pop("seen", None)
            flash(f"You were signed out after {app.config['IDLE_MINUTES']} minutes without activity. "
                  f"Sign in again to carry on.")
            return
        if seen is None or now - seen >= 30:   # not every request: the cookie need not change each time
            session["seen"] = now

    app.before_request(access.enforce)

    # The CSRF check comes after the guard: a refused token can then be answered with the same view, drawn
    # again with what was typed (skillpass/unsaved.py), knowing who asked and what they may see. Nothing
    # before it writes. Then a form kept across an idle sign-out is brought back.
    from skillpass.extensions import csrf

    csrf.init_app(app)
    unsaved.register(app)

    @app.context_processor
    def nonce_for_templates():
        return {"cspNonce": g.get("csp_nonce", "")}

    @app.after_request
    def vary_on_htmx(response):
        htmx.add_vary(response)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # No inline script or style anywhere: htmx is configured to match (no eval, no indicator styles).
        nonce = g.get("csp_nonce")
        response.headers.setdefault("Content-Security-Policy",
                                    CONTENT_SECURITY_POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else ""))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # A signed-in person's pages, exports and PDFs are never kept by the browser or a proxy: Back shows the
        # queue as it is now (not an old copy with a decided entry still in it), and a shared computer keeps
        # nobody's records. Static files stay cacheable.
        # Downloads included: send_file's own "no-cache" would let a shared computer keep a copy.
        # Who is signed in is read from what the request already loaded, never from the database: after
        # the request's commit it may be gone (restarting), and the answer must still go out whole.
        user = g.get("_login_user")
        if request.endpoint != "static" and user is not None and not user.is_anonymous:
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _connection_errors() -> tuple[type, ...]:
    """Driver errors that mean "cannot reach the database", for SQLite and PostgreSQL."""
    import sqlite3

    errors: list[type] = [sqlite3.OperationalError]
    try:
        import psycopg

        errors.append(psycopg.OperationalError)
    except ImportError:  # pragma: no cover - psycopg is a requirement
        pass
    return tuple(errors)


_CONNECTION_ERRORS = _connection_errors()


def _unique_key_clash(error: IntegrityError) -> str | None:
    """The unique key an IntegrityError broke (its name only: PostgreSQL's message would carry the values),
    or None when it was another kind of integrity error."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "23505":                      # PostgreSQL: unique_violation
        return getattr(getattr(orig, "diag", None), "constraint_name", None) or "a unique key"
    text = str(orig)
    if text.startswith("UNIQUE constraint failed"):                      # SQLite names the columns
        return text.partition(":")[2].strip() or "a unique key"
    return None


def register_errorhandlers(app: Flask) -> None:
    from skillpass import htmx

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        """The page had been open too long: its form comes back with what was typed, saying nothing was saved
        yet; a form that cannot be drawn again reloads its page (htmx) or says to go back (no JavaScript)."""
        from flask import flash

        from skillpass import unsaved

        redrawn = unsaved.after_expired_token()
        if redrawn is not None:
            return redrawn
        if htmx.is_request():
            flash("Nothing was saved: the page had been open too long, so it has been reloaded. Try again.")
            response = app.response_class("The page had expired; it has been reloaded.", status=400)
            return htmx.refresh(response)
        return render_template("errors/csrf.html"), 400

    def render_error(error):
        code = getattr(error, "code", 500)
        return render_template("errors/error.html", code=code, error=error), code

    @app.errorhandler(400)
    def bad_request(error):
        """A request no page of ours would send: say so, change nothing. htmx shows it in the live region."""
        message = error.description or "That request could not be used: nothing was changed."
        if htmx.is_request():
            response = htmx.announce(app.response_class(status=400), message)
            return htmx.retarget(response, "#flash", "none")
        return render_template("errors/error.html", code=400, error=error, message=message), 400

    for code in (403, 404, 405, 500):
        app.errorhandler(code)(render_error)

    @app.errorhandler(IntegrityError)
    def lost_a_race(error):
        """Two people (or two tabs) saved clashing things at the same moment and the database kept one (a
        unique key): the other gets a clear message, never a 500. Services turn the races they expect into
        messages in place; this is the net under them. Any other integrity error is a bug: a 500, logged."""
        from skillpass.extensions import db

        db.session.rollback()
        clash = _unique_key_clash(error)
        if clash is None:
            app.logger.exception("database integrity error")
            return render_error(InternalServerError())
        app.logger.warning("a write lost a race on %s", clash)
        message = ("Someone else saved the same thing at the same moment, so nothing of yours was saved. "
                   "Reload the page to see what is there now, then try again if it is still needed.")
        if htmx.is_request():
            response = htmx.announce(app.response_class(status=409), message)
            return htmx.retarget(response, "#flash", "none")
        return render_template("errors/error.html", code=409, error=error, message=message), 409

    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        """The database is down or restarting: a friendly page that needs nothing from it.

        Other database errors (a bug, a constraint) stay 500s."""
        from skillpass.extensions import db

        try:
            db.session.rollback()
        except Exception as rollback_error:  # the connection is gone; the pool replaces it next time
            app.logger.info("rollback after a lost connection failed: %s", rollback_error)
        if not getattr(error, "connection_invalidated", False) and not isinstance(error.orig, _CONNECTION_ERRORS):
            app.logger.exception("database error")
            return render_error(InternalServerError())
        app.logger.error("database unavailable: %s", error.orig)
        # Rendering must not ask the database who is signed in (Flask-Login's context processor would).
        from skillpass.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
        organisation = app.config.get("ORGANISATION_NAME", "SkillPass")
        if htmx.is_request():
            message = ("SkillPass cannot reach its database just now. Try again in a minute; if you had just "
                       "saved something, check it is there before saving it again.")
            response = htmx.announce(app.response_class(status=503), message)
            htmx.retarget(response, "#flash", "none")
        else:
            response = app.response_class(render_template("errors/unavailable.html", organisation=organisation),
                                          status=503)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(413)
    def too_large(error):
        message = "That file is far too large to upload. Choose a smaller one: a PDF, PNG or JPEG."
        if htmx.is_request():
            response = htmx.announce(app.response_class(status=413), message)
            return htmx.retarget(response, "#flash", "none")
        return render_template("errors/error.html", code=413, error=error, message=message), 413


def register_commands(app: Flask) -> None:
    from skillpass import cli

    cli.register(app)
