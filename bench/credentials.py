"""Verifiable passports, measured (issue 18): `python -m bench.credentials` prints the figures; nothing is
asserted (the tests say what must hold, this says how long it takes).

- signing and verifying N credentials (credentials a second; verifying with the issuer's key, no status list);
- a person's bundle with 45 items: working out their current credentials, signing each and the bundle (ms), and
  its size in bytes;
- the status list at 500,000 entries (2 % of them revoked, withdrawn or rejected): building and signing it
  (ms), and the bytes served;
- verifying a 50-credential bundle with that status list (ms): the bundle's signature, each credential's, and the
  status list fetched once, checked and decoded.

A throwaway SQLite database, migrated, in a temporary folder; `--entries` and `--n` change the sizes.
"""
from __future__ import annotations

import argparse
import logging
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 3, 2)
BASE = "https://skillpass.bench.example/"


def _app(url: str, upload: str):
    from skillpass import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "FIXED_TODAY": TODAY, "UPLOAD_FOLDER": upload,
                       "SECRET_KEY": "bench-secret-key-bench-secret-key", "CACHE_PAGES": False})


def _best(fn, repeat: int = 5) -> tuple[float, object]:
    """The median of *repeat* runs, in ms, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def _person_with_items(n: int, *, name: str):
    from skillpass.extensions import db
    from skillpass.models import (Assignment, Entry, EntryMethod, EntryStatus, Item, ItemKind, OffsetUnit,
                                  PassportTemplate, Person, Role, Section, TemplateStatus)

    tpl = PassportTemplate(name=f"{name}'s passport", status=TemplateStatus.PUBLISHED)
    db.session.add(tpl)
    db.session.flush()
    section = Section(template_id=tpl.id, name="Within 2 weeks", offset_amount=2, offset_unit=OffsetUnit.WEEKS,
                      position=0)
    db.session.add(section)
    db.session.flush()
    person = Person(name=name, email=f"{name.lower().replace(' ', '.')}@bench.example", role=Role.LEARNER,
                    start_date=dt.date(2023, 1, 2))
    db.session.add(person)
    db.session.flush()
    db.session.add(Assignment(person_id=person.id, template_id=tpl.id, assigned_on=dt.date(2023, 1, 2)))
    for k in range(n):
        item = Item(template_id=tpl.id, section_id=section.id, title=f"Topic {k}", kind=ItemKind.LEARNING,
                    position=k, added_on=dt.date(2023, 1, 2),
                    frequency_months=(12, 24, 36, None)[k % 4], code=f"{name[:3].upper()}-{k}")
        db.session.add(item)
        db.session.flush()
        db.session.add(Entry(person_id=person.id, item_id=item.id, completed_on=dt.date(2025, 6, 1) +
                             dt.timedelta(days=k), method=EntryMethod.HERE, status=EntryStatus.ACCEPTED,
                             recorded_by_id=person.id))
    db.session.flush()
    return person


def _many_entries(total: int) -> None:
    """*total* entries, spread over 5,000 people and 100 items, 2 % of them no longer accepted."""
    from skillpass.extensions import db
    from skillpass.models import Entry, EntryMethod, EntryStatus, Item, Person, Role

    existing = db.session.scalar(select(db.func.count(Entry.id)))
    if total <= existing:
        return
    people = [{"name": f"Person {k}", "email": f"p{k}@bench.example", "role": Role.LEARNER,
               "start_date": dt.date(2023, 1, 2)} for k in range(5000)]
    db.session.execute(insert(Person), people)
    person_ids = list(db.session.scalars(select(Person.id).where(Person.email.like("p%@bench.example"))))
    item_ids = list(db.session.scalars(select(Item.id)))
    statuses = (EntryStatus.REVOKED, EntryStatus.WITHDRAWN, EntryStatus.REJECTED)     # (one awaiting per row at most)
    rows = []
    for k in range(total - existing):
        pid = person_ids[k % len(person_ids)]
        rows.append({"person_id": pid, "item_id": item_ids[k % len(item_ids)],
                     "completed_on": dt.date(2024, 1, 1) + dt.timedelta(days=k % 700), "method": EntryMethod.HERE,
                     "status": statuses[k % 3] if k % 50 == 0 else EntryStatus.ACCEPTED, "recorded_by_id": pid})
        if len(rows) == 20000:
            db.session.execute(insert(Entry), rows)
            rows = []
    if rows:
        db.session.execute(insert(Entry), rows)
    db.session.commit()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="credentials signed and verified one by one")
    parser.add_argument("--entries", type=int, default=500_000, help="entries behind the status list")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from skillpass.extensions import db
    from skillpass.services.credentials import issuing, keys, status_list, verifying

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(f"sqlite:///{tmp}/bench.db", f"{tmp}/uploads")
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        logging.disable(logging.INFO)            # the migrations' log lines are not the figures
        with app.test_request_context("/", base_url=BASE):
            keys.active_key()
            forty_five = _person_with_items(45, name="Forty Five")
            fifty = _person_with_items(50, name="Fifty Items")
            db.session.commit()
            trusted = verifying.TrustedKeys(issuer_id=issuing.link("credentials.issuer"), name="Bench",
                                            jwks=keys.jwks(issuing.kid_prefix()))

            def trusted_for(iss):
                return trusted if iss == trusted.issuer_id else None

            # 1. Signing and verifying N credentials, one by one.
            claims = issuing.current_claims(fifty, today=TODAY)
            batch = (claims * (args.n // len(claims) + 1))[:args.n]
            sign_ms, issued = _best(lambda: issuing.issue(fifty, batch), repeat=3)
            verify_ms, verdicts = _best(lambda: [verifying.verify_credential(
                i.jws, trusted_for=trusted_for, today=TODAY, fetch_status=lambda url: None) for i in issued], repeat=3)
            assert all(v.ok for v in verdicts)
            print(f"Signing {args.n} credentials: {sign_ms:.0f} ms ({args.n / sign_ms * 1000:,.0f} a second, "
                  f"{sign_ms / args.n:.2f} ms each)")
            print(f"Verifying {args.n} credentials (signature, claims, dates; no status list): {verify_ms:.0f} ms "
                  f"({args.n / verify_ms * 1000:,.0f} a second, {verify_ms / args.n:.2f} ms each)")

            # 2. A person's bundle with 45 items.
            def make_bundle():
                db.session.expire_all()
                person = db.session.get(type(forty_five), forty_five.id)
                return issuing.bundle(person, issuing.issue(person, issuing.current_claims(person, today=TODAY)))
            bundle_ms, bundle = _best(make_bundle)
            claims_ms, _ = _best(lambda: (db.session.expire_all(),
                                          issuing.current_claims(db.session.get(type(forty_five), forty_five.id),
                                                                 today=TODAY)))
            print(f"A bundle of 45 items: {bundle_ms:.0f} ms (of which working out the 45 current credentials "
                  f"{claims_ms:.0f} ms), {len(bundle.encode()):,} bytes "
                  f"({len(bundle.encode()) / 45 / 1024:.1f} KB a credential)")

            # 3. The status list at N entries.
            start = time.perf_counter()
            _many_entries(args.entries)
            fill_s = time.perf_counter() - start
            entries = db.session.scalar(select(db.func.count()).select_from(
                __import__("skillpass.models", fromlist=["Entry"]).Entry))
            list_ms, served = _best(issuing.signed_status_list)
            ids, length = status_list.revoked_indices()
            print(f"The status list at {entries:,} entries ({len(ids):,} set, {length:,} bits; filled in "
                  f"{fill_s:.0f} s): {list_ms:.0f} ms to build and sign, {len(served.encode()):,} bytes served")

            # 4. Verifying a 50-credential bundle with the status list.
            fifty_bundle = issuing.bundle(fifty, issuing.issue(fifty, issuing.current_claims(fifty, today=TODAY)))

            def verify_fifty():
                return verifying.verify_file(fifty_bundle, trusted_for=trusted_for, today=TODAY,
                                             fetch_status=lambda url: served if url == issuing.status_url() else None)
            fifty_ms, (verdicts, whole) = _best(verify_fifty)
            assert whole == "" and len(verdicts) == 50 and all(v.ok and v.status_checked for v in verdicts), \
                [v.reason for v in verdicts if not v.ok][:3]
            decode_ms, _ = _best(lambda: status_list.decode(
                verifying.unverified(served)[1]["vc"]["credentialSubject"]["encodedList"]))
            print(f"Verifying a 50-credential bundle with the status list: {fifty_ms:.0f} ms "
                  f"(of which decoding the list {decode_ms:.1f} ms; the list fetched once, not timed)")


if __name__ == "__main__":
    main()
