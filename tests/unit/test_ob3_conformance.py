"""Open Badges 3.0 conformance of what SkillPass issues, property by property.

Written from the data model of the Open Badges 3.0 specification (1EdTech, ob_v3p0: the classes
AchievementCredential with what it inherits from VerifiableCredential, AchievementSubject, Achievement,
Criteria, Alignment, Profile, IdentityObject and CredentialStatus) and from its JSON Web Token proof section as of
3.0.3: the JOSE header may carry only alg, kid (a URI), jwk and typ ("JWT" when present); the JWT payload *is*
the credential, with iss, sub, nbf, jti (and exp where the credential has validUntil) beside its properties.

Each row of REQUIRED names a class, a property the specification makes required (cardinality 1 or more) and
the type it gives it. Every credential SkillPass issues for a passport of several kinds of item (with and
without expiry, with national names, a Core Skills Training Framework code, a competency) is checked against
every row for every object of that class it holds; OPTIONAL rows check the type of properties we choose to
send. The issuer's Profile at /issuer (as JSON) is checked against the Profile rows.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import jwt
import pytest

from skillpass.extensions import db
from skillpass.models import Entry, EntryMethod, EntryStatus, ItemKind
from skillpass.services.credentials import issuing
from tests import factories
from tests.conftest import TODAY

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
DATE_TIME_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
# The specification's AchievementType and AlignmentTargetType vocabularies (extensible with "ext:" terms).
ACHIEVEMENT_TYPES = {
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree", "Award", "Badge",
    "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
    "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
    "JourneymanCertificate", "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
    "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
    "SecondarySchoolDiploma",
}
ALIGNMENT_TARGET_TYPES = {"ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
                          "CFRubricCriterionLevel", "CTDL"}
# IdentifierTypeEnum comes from 1EdTech's shared common data model; the specification's examples use emailAddress.
IDENTIFIER_TYPES = {"name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
                    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId", "sisSourcedId",
                    "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier"}
JOSE_HEADERS = {"alg", "kid", "jwk", "typ"}


# ------------------------------------------------------------------------------------------- the types

def is_uri(value) -> bool:
    """An absolute URI: a scheme, then something (https://…, urn:uuid:…)."""
    return isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) is not None


def is_url(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def is_string(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def is_datetime_z(value) -> bool:
    if not (isinstance(value, str) and DATE_TIME_Z.match(value)):
        return False
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def types_of(value) -> list:
    """An IRI 1..* "array-compacted": one string, or an array of them."""
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def contains(*wanted):
    def check(value):
        found = types_of(value)
        return bool(found) and all(is_string(t) for t in found) and all(
            (any(w in found for w in want) if isinstance(want, tuple) else want in found) for want in wanted)
    check.__name__ = f"IRI array containing {wanted}"
    return check


def equals(wanted):
    def check(value):
        return value == wanted
    check.__name__ = f"exactly {wanted!r}"
    return check


def ob_context(value) -> bool:
    return (isinstance(value, list) and len(value) >= 2 and value[0] == VC_V2 and isinstance(value[1], str)
            and OB_CONTEXT.match(value[1]) is not None)


def profile_ref(value) -> bool:
    """ProfileRef: a URI, or a Profile (checked by its own rows)."""
    return is_uri(value) or (isinstance(value, dict) and is_uri(value.get("id")))


def is_object(value) -> bool:
    return isinstance(value, dict)


def identity_hash(value) -> bool:
    return isinstance(value, str) and re.match(r"^(sha256\$[0-9a-f]{64}|md5\$[0-9a-f]{32})$", value) is not None


def in_vocabulary(words):
    def check(value):
        return value in words or (isinstance(value, str) and value.startswith("ext:"))
    check.__name__ = "a term of the vocabulary"
    return check


# --------------------------------------------------------------- the specification's rows, in our words

REQUIRED = [
    # AchievementCredential (OpenBadgeCredential), with what it inherits from VerifiableCredential
    ("AchievementCredential", "@context", ob_context),
    ("AchievementCredential", "id", is_uri),
    ("AchievementCredential", "type", contains("VerifiableCredential", ("AchievementCredential", "OpenBadgeCredential"))),
    ("AchievementCredential", "issuer", profile_ref),
    ("AchievementCredential", "validFrom", is_datetime_z),
    ("AchievementCredential", "credentialSubject", is_object),
    ("AchievementSubject", "type", contains("AchievementSubject")),
    ("AchievementSubject", "achievement", is_object),
    ("Achievement", "id", is_uri),
    ("Achievement", "type", contains("Achievement")),
    ("Achievement", "criteria", is_object),
    ("Achievement", "description", is_string),
    ("Achievement", "name", is_string),
    ("Alignment", "type", contains("Alignment")),
    ("Alignment", "targetName", is_string),
    ("Alignment", "targetUrl", is_url),
    ("Profile", "id", is_uri),
    ("Profile", "type", contains("Profile")),
    ("IdentityObject", "type", equals("IdentityObject")),
    ("IdentityObject", "hashed", lambda v: isinstance(v, bool)),
    ("IdentityObject", "identityHash", identity_hash),
    ("IdentityObject", "identityType", in_vocabulary(IDENTIFIER_TYPES)),
    ("CredentialStatus", "id", is_uri),
    ("CredentialStatus", "type", is_string),
]

OPTIONAL = [   # not required, but typed when present
    ("AchievementCredential", "validUntil", is_datetime_z),
    ("AchievementCredential", "awardedDate", is_datetime_z),
    ("AchievementCredential", "name", is_string),
    ("AchievementSubject", "id", is_uri),
    ("AchievementSubject", "activityEndDate", is_datetime_z),
    ("AchievementSubject", "narrative", is_string),
    ("AchievementSubject", "identifier", lambda v: isinstance(v, list)),
    ("Achievement", "achievementType", in_vocabulary(ACHIEVEMENT_TYPES)),
    ("Achievement", "humanCode", is_string),
    ("Achievement", "alignment", lambda v: isinstance(v, list)),
    ("Achievement", "creator", is_object),
    ("Criteria", "id", is_uri),
    ("Criteria", "narrative", is_string),
    ("Alignment", "targetCode", is_string),
    ("Alignment", "targetFramework", is_string),
    ("Alignment", "targetType", in_vocabulary(ALIGNMENT_TARGET_TYPES)),
    ("Profile", "name", is_string),
    ("Profile", "url", is_uri),
    ("IdentityObject", "salt", is_string),
]


def objects(cred: dict) -> dict[str, list[dict]]:
    """Every object of each class a credential holds, found where the data model puts it."""
    subject = cred.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    status = cred.get("credentialStatus")
    return {
        "AchievementCredential": [cred],
        "AchievementSubject": [subject],
        "Achievement": [achievement],
        "Criteria": [achievement.get("criteria") or {}],
        "Alignment": list(achievement.get("alignment") or []),
        "Profile": [p for p in (cred.get("issuer"), achievement.get("creator")) if isinstance(p, dict)],
        "IdentityObject": list(subject.get("identifier") or []),
        "CredentialStatus": status if isinstance(status, list) else [status] if status else [],
    }


def problems(cred: dict) -> list[str]:
    found = objects(cred)
    out = []
    for cls, prop, check in REQUIRED:
        for obj in found[cls]:
            if prop not in obj:
                out.append(f"{cls}.{prop} is required and missing")
            elif not check(obj[prop]):
                out.append(f"{cls}.{prop} = {obj[prop]!r} is not {getattr(check, '__name__', 'the right type')}")
    for cls, prop, check in OPTIONAL:
        for obj in found[cls]:
            if prop in obj and not check(obj[prop]):
                out.append(f"{cls}.{prop} = {obj[prop]!r} is not {getattr(check, '__name__', 'the right type')}")
    subject = cred.get("credentialSubject") or {}
    if "id" not in subject and not subject.get("identifier"):
        out.append("AchievementSubject needs an id or at least one identifier")
    for criteria in found["Criteria"]:
        if "id" not in criteria and "narrative" not in criteria:
            out.append("Criteria should have an id or a narrative")
    return out


# ------------------------------------------------------------------------------- what SkillPass issues

@pytest.fixture
def issued(app, world):
    with app.test_request_context("/", base_url="https://skillpass.northgate.test/"):
        names = factories.item(world.month6, "Information governance", frequency_months=12, position=5,
                               names=("NHS|CSTF|Information Governance and Data Security - 1 Year|",))
        cstf = factories.item(world.month6, "Equality, diversity and human rights", frequency_months=36,
                              code="CSTF-EDHR", position=6,
                              names=("NHS|CSTF|Equality, Diversity and Human Rights - 3 Years|",))
        for item, on in ((world.fire, dt.date(2026, 1, 10)), (world.stress, dt.date(2026, 2, 1)),
                         (world.competency, dt.date(2026, 2, 3)), (names, dt.date(2025, 9, 1)),
                         (cstf, dt.date(2024, 6, 1))):
            db.session.add(Entry(person_id=world.learner.id, item_id=item.id, completed_on=on,
                                 method=EntryMethod.HERE, status=EntryStatus.ACCEPTED,
                                 recorded_by_id=world.educator.id if item.kind is ItemKind.COMPETENCY
                                 else world.learner.id, decided_by_id=world.educator.id))
        db.session.flush()
        claims = issuing.current_claims(world.learner, today=TODAY)
        yield issuing.issue(world.learner, claims)


def test_the_passport_covers_every_kind_of_item(issued):
    by_name = {i.claim.achievement.name: i.credential for i in issued}
    assert set(by_name) == {"Fire safety", "Managing work and life stress", "Moving a patient with a hoist",
                            "Information governance", "Equality, diversity and human rights"}
    assert "validUntil" in by_name["Fire safety"] and "validUntil" not in by_name["Managing work and life stress"]
    achievement = lambda name: by_name[name]["credentialSubject"]["achievement"]   # noqa: E731
    assert achievement("Moving a patient with a hoist")["achievementType"] == "Competency"
    assert achievement("Equality, diversity and human rights")["humanCode"] == "CSTF-EDHR"
    assert len(achievement("Equality, diversity and human rights")["alignment"]) == 2   # CSTF + national name
    assert len(achievement("Information governance")["alignment"]) == 1


def test_every_credential_has_every_required_property_with_its_type(issued):
    for one in issued:
        assert problems(one.credential) == [], one.claim.achievement.name


def test_the_checks_catch_what_is_missing_or_mistyped(issued):
    """The table is not vacuous: a credential stripped or changed the ways issuers get wrong is caught."""
    import copy

    cred = copy.deepcopy(next(i.credential for i in issued if i.claim.achievement.code == "CSTF-EDHR"))
    del cred["validFrom"]
    cred["@context"] = [VC_V2]
    cred["type"] = ["VerifiableCredential"]
    achievement = cred["credentialSubject"]["achievement"]
    del achievement["criteria"], achievement["alignment"][0]["targetUrl"]
    cred["issuer"]["type"] = "Issuer"
    cred["credentialSubject"]["identifier"][0]["identityHash"] = "someone@example.test"
    found = "\n".join(problems(cred))
    for expected in ("validFrom is required", "@context", "AchievementCredential.type", "Achievement.criteria",
                     "Alignment.targetUrl", "Profile.type", "identityHash"):
        assert expected in found


def test_the_jwt_proof_is_as_the_specification_gives_it(issued):
    for one in issued:
        header = jwt.get_unverified_header(one.jws)
        payload = jwt.decode(one.jws, options={"verify_signature": False})
        cred = one.credential
        assert set(header) <= JOSE_HEADERS and is_string(header["alg"]) and header.get("typ", "JWT") == "JWT"
        assert is_uri(header["kid"]) and header["kid"].startswith("https://skillpass.northgate.test/.well-known/jwks.json#")
        # 3.0.3: the payload is the credential itself, with the registered claims beside it.
        assert "vc" not in payload
        assert {k: v for k, v in payload.items() if k not in ("iss", "sub", "nbf", "jti", "exp")} == cred
        assert payload["iss"] == cred["issuer"]["id"] and is_uri(payload["iss"])
        assert payload["jti"] == cred["id"] and payload["sub"] == cred["credentialSubject"]["id"]
        assert dt.datetime.fromtimestamp(payload["nbf"], dt.timezone.utc) == \
            dt.datetime.fromisoformat(cred["validFrom"].replace("Z", "+00:00"))
        if "validUntil" in cred:
            assert dt.datetime.fromtimestamp(payload["exp"], dt.timezone.utc) == \
                dt.datetime.fromisoformat(cred["validUntil"].replace("Z", "+00:00"))
        else:
            assert "exp" not in payload


def test_the_issuer_profile_is_a_valid_profile(app, world):
    client = app.test_client()
    profile = client.get("/issuer", headers={"Accept": "application/json"}).get_json()
    assert profile["@context"][0] == VC_V2 and OB_CONTEXT.match(profile["@context"][1])
    for cls, prop, check in REQUIRED + OPTIONAL:
        if cls == "Profile" and (prop in profile or (cls, prop, check) in REQUIRED):
            assert prop in profile and check(profile[prop]), prop
    assert profile["id"].endswith("/issuer")
    assert client.get("/issuer?format=json").get_json() == profile
