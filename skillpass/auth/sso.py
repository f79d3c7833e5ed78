"""Single sign-on with OpenID Connect (Authlib's Flask client): the sign-in page's button, the provider's
callback (state, nonce and PKCE checked by Authlib), and the provider's end of signing out.

Set up by SKILLPASS_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET (config.py); without them none of this shows
and nothing is fetched. The provider's discovery document is read at the first sign-in, then kept.
People are matched by verified email (services/sso_accounts.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_client import OAuth
from joserfc.errors import JoseError
from requests import RequestException

from skillpass import unsaved
from skillpass.access import PUBLIC, guard
from skillpass.auth.views import bp, first_asked, safe_next, start_session
from skillpass.clock import today
from skillpass.labels import Action
from skillpass.services import audit, sso_accounts
from skillpass.services.settings import get_settings

EXTENSION = "skillpass.sso"
ID_TOKEN_KEY = "sso_id_token"  # nosec B105 - a session key: the ID token kept for end-session (id_token_hint)
NEXT_KEY = "sso_next"


def _register(state) -> None:
    app = state.app
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    oauth.register(
        "sso",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": app.config["OIDC_TIMEOUT_SECONDS"]},
    )
    app.extensions[EXTENSION] = oauth.create_client("sso")


bp.record_once(_register)


def _client():
    return current_app.extensions.get(EXTENSION)


def configured() -> bool:
    return _client() is not None


def button_name() -> str:
    return current_app.config["OIDC_NAME"]


@bp.context_processor
def _sign_in_button() -> dict:
    return {"sso_button": button_name() if configured() else None}


@bp.after_app_request
def _sign_out_may_reach_the_provider(response):
    """Every page's Sign out is a form whose answer redirects to the provider's end-session, and browsers
    hold the redirect to the page's form-action: the provider's origin is added to it (the app's own
    hook, registered after the blueprints, has set the policy by the time this runs)."""
    policy = response.headers.get("Content-Security-Policy")
    if policy and configured():
        parts = urlsplit(current_app.config["OIDC_ISSUER"])
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}", 1)
    return response


def password_refused(person) -> bool:
    """Password sign-in (and reset) refused to this person: single sign-on is set up, the admin turned
    password sign-in off for its users, and they have signed in with it."""
    return configured() and sso_accounts.password_sign_in_off(
        person, sso_password_off=get_settings().sso_password_off)


def password_off_message() -> str:
    return f"Your account signs in with your organisation's account, not a password. Choose “{button_name()}”."


def end_session_url(id_token: str | None) -> str | None:
    """The provider's end-session address with id_token_hint and the way back to the sign-in page, or None
    (not signed in with single sign-on, or the provider offers no end-session)."""
    client = _client()
    if client is None or not id_token:
        return None
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (RequestException, ValueError):
        current_app.logger.warning("single sign-on: the provider's discovery document could not be read")
        return None
    if not endpoint:
        return None
    return add_params_to_uri(endpoint, {
        "id_token_hint": id_token, "client_id": current_app.config["OIDC_CLIENT_ID"],
        "post_logout_redirect_uri": url_for("auth.sign_in", _external=True)})


def _refused(reason: str, email: str | None, status: int):
    current_app.logger.warning("single sign-on refused: %s", reason)
    return render_template("auth/sso_refused.html", reason=reason, email=email, button=button_name()), status


@bp.get("/sign-in/sso")
@guard(PUBLIC)
def sso_start():
    client = _client()
    if client is None:
        return redirect(url_for("auth.sign_in"), code=303)
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("core.index"), code=303)
    back = safe_next(request.args.get("next"))
    if back:
        session[NEXT_KEY] = back
    else:
        session.pop(NEXT_KEY, None)
    try:
        return client.authorize_redirect(url_for("auth.sso_callback", _external=True))
    except (RequestException, ValueError):
        return _refused("unavailable", None, 503)


@bp.get("/sign-in/sso/callback")
@guard(PUBLIC)
def sso_callback():
    client = _client()
    if client is None:
        return redirect(url_for("auth.sign_in"), code=303)
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
            claims = {**client.userinfo(token=token), **claims}   # the ID token's own claims win
    except RequestException:
        return _refused("unavailable", None, 503)
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as error:   # state, nonce, signature, code
        current_app.logger.warning("single sign-on failed: %s", error)
        return _refused("failed", None, 400)
    settings = get_settings()
    try:
        person = sso_accounts.person_for(claims, auto_accounts=settings.sso_auto_accounts, today=today())
    except sso_accounts.Refused as refusal:
        return _refused(refusal.reason, refusal.email, 403)
    start_session(person)
    if token.get("id_token"):
        session[ID_TOKEN_KEY] = token["id_token"]
    audit.log(actor=person, action=Action.AUTH_SIGNED_IN_SSO, subject=person, person_id=person.id,
              summary=f"{person.name} signed in with SSO")
    kept = safe_next(unsaved.after_sign_in(person.id))
    target = safe_next(session.pop(NEXT_KEY, None)) or url_for("core.index")
    return redirect(kept or first_asked(person, target), code=303)
