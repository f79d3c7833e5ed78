"""Transferable, verifiable passports (issue 18): the organisation's public keys, its issuer profile and its
revocation status list (public), and — added by the parts that build them — downloads, the verify page, trusted
issuers and imports."""
from skillpass.credentials import views

bp = views.bp

__all__ = ["bp", "views"]
from skillpass.credentials import downloads  # noqa: E402,F401  (part A: a person's verified records)
from skillpass.credentials import keys_admin  # noqa: E402,F401  (part A: the signing key, for admins)
from skillpass.credentials import verify  # noqa: E402,F401  (part B: the verify link and its public page)
from skillpass.credentials import importing, trusted  # noqa: E402,F401  trusted issuers and imports (issue 18, part C)
