"""Evidence files: checked by their content, stored outside static/ under random names.

Only PDF, PNG and JPEG are kept. The name a person's file had is kept for
display and download only; on disk it is a random name in the upload folder.
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
    return Checked(data=data, file_type=file_type, filename=upload.filename)


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
