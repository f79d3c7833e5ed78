"""Public: the organisation's published keys (/.well-known/jwks.json), its Open Badges issuer profile
(/issuer: a page for people, the Profile as JSON for software) and the status list that revokes credentials.
Nothing here says anything about a person."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, make_response, render_template, request

from skillpass.access import PUBLIC, guard
from skillpass.services.credentials import issuing, keys, ob3

bp = Blueprint("credentials", __name__)

JSON_TYPES = ("application/json", "application/ld+json")


@bp.get("/.well-known/jwks.json")
@guard(PUBLIC)
def jwks():
    keys.active_key()           # made on first use, so the set is never empty
    response = jsonify(keys.jwks(issuing.kid_prefix()))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/issuer")
@guard(PUBLIC)
def issuer():
    """The issuer's Open Badges Profile: JSON for software that dereferences the issuer's id, a page for
    people (what it is, its keys, how to check a credential without SkillPass)."""
    the_issuer = issuing.issuer()
    best = request.accept_mimetypes.best_match(("text/html",) + JSON_TYPES, default="text/html")
    if best in JSON_TYPES or request.args.get("format") == "json":
        profile = {"@context": [ob3.VC_CONTEXT, ob3.OB_CONTEXT], **ob3.issuer_json(the_issuer)}
        response = jsonify(profile)
        if best == "application/ld+json":
            response.mimetype = "application/ld+json"
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        keys.active_key()
        response = make_response(render_template(
            "credentials/issuer.html", issuer=the_issuer, keys=keys.all_keys(),
            jwks_url=issuing.link("credentials.jwks"), kid_prefix=issuing.kid_prefix(),
            status_url=issuing.status_url()))
    # One address, two answers: a cache must keep them apart, or a browser could be given the JSON.
    response.vary.add("Accept")
    return response


@bp.get("/credentials/status")
@guard(PUBLIC)
def status_list():
    """The revocation status list, a signed VC-JWT (Bitstring Status List v1.0)."""
    response = Response(issuing.signed_status_list(), mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
