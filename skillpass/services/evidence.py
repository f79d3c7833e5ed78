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
    if file_type is PDF and (problem := pdf_problem(data)):
        raise ValidationFailed({"evidence": problem})
    return Checked(data=data, file_type=file_type, filename=upload.filename)


REPRINT = "Open it, print it to a new PDF (Print, then Save as PDF) and upload that one."
ACTIVE_PDF = f"This PDF carries a script or an action that starts another program, which an evidence file must not. {REPRINT}"
UNREADABLE_PDF = (f"This PDF could not be read through to check it is safe (it may be damaged, locked with a password, "
                  f"or unusually built). {REPRINT}")
# Names that carry or start code: JavaScript anywhere, launch actions, XFA forms (whose scripts no name shows).
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/Launch", "/XFA"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}
_MAX_OBJECTS = 200_000   # containers read; a certificate has a few thousand at most


def pdf_problem(data: bytes) -> str | None:
    """Why this PDF is refused, or None. Every object reachable from the trailer is read as a PDF reader
    would read it (pypdf: names with #xx escapes decoded, objects in compressed object streams opened,
    incremental updates followed): any JavaScript, launch action or XFA form refuses it. A file that cannot be
    read through, or that is too large a structure to read, is refused too: what was not checked is not kept."""
    active = _active_objects(data)
    if active is None:
        return UNREADABLE_PDF
    return ACTIVE_PDF if active else None


def active_pdf(data: bytes) -> bool:
    return pdf_problem(data) is not None


def _active_objects(data: bytes) -> bool | None:
    """True: it carries code; False: every object was read and none does; None: it could not be read through."""
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):   # locked against opening: cannot be looked into
            return None
        todo: list = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        read = 0
        while todo:
            obj = todo.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                read += 1
                if _ACTIVE_KEYS & set(obj.keys()):
                    return True
                action = obj.get("/S")
                if isinstance(action, IndirectObject):
                    action = action.get_object()
                if str(action) in _ACTIVE_ACTIONS:
                    return True
                todo.extend(v for v in obj.values() if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)))
            elif isinstance(obj, ArrayObject):
                read += 1
                todo.extend(v for v in obj if isinstance(v, (IndirectObject, DictionaryObject, ArrayObject)))
            if read > _MAX_OBJECTS:
                return None
    except Exception:  # noqa: BLE001 - whatever stops the reading, the file was not checked through
        return None
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


def register() -> None:
    """Keep the files of committed transactions and remove those of the others: the factory calls this (more
    than once is harmless)."""
    for name, hook in (("after_commit", _files_kept), ("after_transaction_end", _files_not_kept)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


def _files_kept(session):
    session.info.pop(_WRITTEN, None)


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
_STORED = re.compile(r"[0-9a-f]{32}\.(pdf|png|jpg)")


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
        # Only files of the names SkillPass gives: anything else in the folder is somebody else's.
        ours = _STORED.fullmatch(path.name) or path.name.startswith(".upload-")
        if not ours or not path.is_file() or path.stat().st_mtime >= cutoff:
            continue
        if path.name.startswith(".upload-") or path.name not in names:
            found.append(path)
    return sorted(found)


def path_of(evidence: Evidence) -> Path:
    """The file on disk; the stored name is ours (hex and an extension), never the uploader's."""
    if not _STORED.fullmatch(evidence.stored_name):
        raise ValueError("unexpected stored name")
    return upload_folder() / evidence.stored_name


def describe_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"
