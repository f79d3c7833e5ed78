"""Transferable, verifiable passports (PRODUCT.md §6.6, issue 18).

- ``keys``: the organisation's Ed25519 signing key (made on first use, sealed with the secret key, rotated;
  every public key ever used stays published).
- ``ob3``: an Open Badges 3.0 ``OpenBadgeCredential`` and a passport bundle, as plain data (no database).
- ``status_list``: the Bitstring Status List that revokes a credential when its entry is revoked.
- ``issuing``: a person's current credentials, signed (VC-JWT), one by one or as one bundle.
- ``verifying``: a received credential or bundle checked against an issuer's keys, dates and status list,
  with the reason when it is refused (no database).
"""
