"""Evidence files: checked by their content, stored outside static/ under random names.

Only PDF, PNG and JPEG are kept, and no PDF that carries a script or a launch
action. The name a person's file had is kept for display and download only; on
disk it is a random name in the upload folder.

A file is written before its row is committed (the row names it); if that
transaction is then rolled back or fails (a refused form, a lost race, the
database unavailable), the file is removed with it, so the folder and the
backups hold no file without a row. ``flask orphans`` lists (and with
``--remove`` removes) any left by a process that died between the two.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from skillpass.extensions import db
from skillpass.models import Evidence, Person
from skillpass.services.errors import ValidationFailed

MB = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG image")
JPEG = FileType("image/jpeg", "jpg", "JPEG image")


def sniff(head: bytes) -> FileType | None:
    """What a file is, from its first bytes (never from its name)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def clean_name(name: str | None, file_type: FileType) -> str:
    """A display name: the last path part, printable characters only, a sensible length."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|:*?')
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:120].strip(" .") or "evidence"
    return f"{stem}.{file_type.extension}"


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Checked:
    """An upload that passed the checks, not yet written anywhere."""

    data: bytes
    file_type: FileType
    filename: str


def check(upload, *, max_mb: int) -> Checked | None:
    """Read and check an uploaded file (a werkzeug FileStorage).

    None when no file was chosen; ValidationFailed (field "evidence") for an
    empty, oversized or wrong-type file. Nothing is written.
    """
    if upload is None or not getattr(upload, "filename", ""):
        return None
    limit = max_mb * MB
    data = upload.stream.read(limit + 1)
    if not data:
        raise ValidationFailed({"evidence": "The chosen file is empty."})
    if len(data) > limit:
        raise ValidationFailed({"evidence": f"The file must be {max_mb} MB or smaller."})
    file_type = sniff(data[:16])
    if file_type is None:
        raise ValidationFailed({"evidence": "The file must be a PDF, PNG or JPEG."})
    if file_type is PDF and active_pdf(data):
        raise ValidationFailed({"evidence": ACTIVE_PDF})
    return Checked(data=data, file_type=file_type, filename=upload.filename)


ACTIVE_PDF = ("This PDF carries a script or an action that starts another program, which an evidence file must "
              "not. Open it, print it to a new PDF (Print, then Save as PDF) and upload that one.")
# A PDF name may spell any character as #xx: /J#61vaScript is /JavaScript.
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch)(?![A-Za-z0-9#])")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_INFLATED_LIMIT = 200 * MB   # a compressed stream that grows past this is not read further
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}


def _active_bytes(data: bytes) -> bool:
    return _ACTIVE.search(_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)) is not None


def active_pdf(data: bytes) -> bool:
    """Does this PDF carry JavaScript or a launch action (in any object, an open action, a page's or a link's
    action)? Three looks, any of which refuses it: the bytes as they are; every compressed stream inflated
    (objects can hide in compressed object streams); and pypdf's reading of every object it can reach."""
    if _active_bytes(data):
        return True
    budget = _INFLATED_LIMIT
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match.group(1), budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        if _active_bytes(inflated):
            return True
        if budget <= 0:
            break
    return _active_objects(data)


def _active_objects(data: bytes) -> bool:
    """pypdf's view of every object reachable from the trailer (whatever filter holds it)."""
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        todo = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        steps = 0
        while todo and steps < 200_000:
            steps += 1
            obj = todo.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                if {"/JS", "/JavaScript", "/Launch"} & set(obj.keys()) or str(obj.get("/S", "")) in _ACTIVE_ACTIONS:
                    return True
                todo.extend(obj.values())
            elif isinstance(obj, ArrayObject):
                todo.extend(obj)
    except Exception:  # noqa: BLE001 - a PDF pypdf cannot read was still looked at by the two scans above
        return False
    return False


def save(checked: Checked, *, person: Person, actor: Person) -> Evidence:
    """Write a checked file under a random name and record it."""
    stored_name = f"{secrets.token_hex(16)}.{checked.file_type.extension}"
    folder = upload_folder()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(checked.data)
        os.replace(tmp, folder / stored_name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # Removed again unless the transaction that records it commits.
    db.session.info.setdefault(_WRITTEN, []).append(folder / stored_name)
    evidence = Evidence(
        stored_name=stored_name,
        original_name=clean_name(checked.filename, checked.file_type),
        content_type=checked.file_type.content_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        person_id=person.id,
        uploaded_by_id=actor.id,
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


_WRITTEN = "skillpass.files_written"


@event.listens_for(Session, "after_commit")
def _files_kept(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _files_not_kept(session, transaction):
    """A transaction that ends without committing (rolled back, closed after an error, its commit failed)
    takes the files it wrote with it."""
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_WRITTEN, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:   # the command below finds it later
            pass


ORPHAN_AGE = 3600   # seconds: a younger file may belong to an upload still being saved


def orphans(*, min_age: float = ORPHAN_AGE) -> list[Path]:
    """Files in the upload folder that no row names (evidence files, bulk prints), and half-written
    uploads, older than *min_age* seconds. Import previews wait in imports/ and are cleared by their page."""
    import time

    from skillpass.models import PrintJob

    folder = Path(current_app.config["UPLOAD_FOLDER"])
    if not folder.exists():
        return []
    known = set(db.session.scalars(select(Evidence.stored_name)))
    prints = set(db.session.scalars(select(PrintJob.stored_name).where(PrintJob.stored_name.is_not(None))))
    cutoff = time.time() - min_age
    found = []
    candidates = [(p, known) for p in folder.iterdir()] + (
        [(p, prints) for p in (folder / "prints").iterdir()] if (folder / "prints").is_dir() else [])
    for path, names in candidates:
        if not path.is_file() or path.stat().st_mtime >= cutoff:
            continue
        if path.name.startswith(".upload-") or path.name not in names:
            found.append(path)
    return sorted(found)


def discard(evidence: Evidence | None) -> None:
    """Remove a just-written file whose entry was refused after all."""
    if evidence is not None:
        path_of(evidence).unlink(missing_ok=True)


def path_of(evidence: Evidence) -> Path:
    """The file on disk; the stored name is ours (hex and an extension), never the uploader's."""
    if not re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", evidence.stored_name):
        raise ValueError("unexpected stored name")
    return upload_folder() / evidence.stored_name


def describe_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"
