"""A person's verified records (PRODUCT.md §6.6): what their signed bundle holds, the bundle itself and each
credential alone, for the person and for admins (OWN_OR_ADMIN: educators see the passport, not the file).

Every download is audited (who downloaded whose, how many). When the organisation's signing key cannot be
unsealed (SKILLPASS_SECRET_KEY changed), every page of this blueprint says what to do, with a 503."""
from __future__ import annotations

import re

from flask import Response, abort, g, render_template
from flask_login import current_user

from skillpass import clock
from skillpass.access import OWN_OR_ADMIN, guard
from skillpass.credentials.views import bp
from skillpass.labels import Action
from skillpass.services import audit
from skillpass.services.credentials import issuing, keys

JWT_TYPE = "application/jwt"


@bp.errorhandler(keys.KeyUnavailable)
def key_unavailable(error):
    """The signing key was sealed with another secret key: nothing can be signed until an admin rotates it."""
    return render_template("credentials/key_unavailable.html", reason=str(error)), 503


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "person"


def _attachment(body: str, filename: str) -> Response:
    response = Response(body, mimetype=JWT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _downloaded(person, count: int, what: str) -> None:
    whose = "Own" if current_user.id == person.id else f"{person.name}'s"
    audit.log(actor=current_user, action=Action.CREDENTIALS_DOWNLOADED, subject=person, person_id=person.id,
              summary=f"{whose} verified records downloaded: {what} "
                      f"({count} credential{'s' if count != 1 else ''})",
              after={"count": count, "what": what, "by": current_user.id})


@bp.get("/people/<int:person_id>/credentials")
@guard(OWN_OR_ADMIN)
def records(person_id: int):
    person = g.person
    claims = issuing.current_claims(person, today=clock.today())
    return render_template("credentials/records.html", person=person, claims=claims,
                           own=current_user.id == person.id, issuer=issuing.issuer())


@bp.get("/people/<int:person_id>/credentials/passport.jwt")
@guard(OWN_OR_ADMIN)
def bundle(person_id: int):
    person = g.person
    claims = issuing.current_claims(person, today=clock.today())
    if not claims:
        abort(404)
    issued = issuing.issue(person, claims, actor=current_user)
    body = issuing.bundle(person, issued, actor=current_user)
    _downloaded(person, len(issued), "the whole passport as one file")
    return _attachment(body, f"skillpass-{_slug(person.name)}-{clock.today().isoformat()}.jwt")


@bp.get("/people/<int:person_id>/credentials/<int:entry_id>.jwt")
@guard(OWN_OR_ADMIN)
def credential(person_id: int, entry_id: int):
    person = g.person
    claims = [c for c in issuing.current_claims(person, today=clock.today()) if c.entry_id == entry_id]
    if not claims:
        abort(404)     # not one of this person's current credentials (another's, awaiting, expired, revoked)
    [one] = issuing.issue(person, claims[:1], actor=current_user)
    _downloaded(person, 1, one.claim.achievement.name)
    return _attachment(one.jws, f"skillpass-{_slug(person.name)}-{_slug(one.claim.achievement.name)}-"
                                f"{clock.today().isoformat()}.jwt")
