"""Evidence files through the real views: uploads on the record form and the
informal learning log (with htmx and without JavaScript), the checks on
content, size and name, and who may download a file."""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from skillpass.extensions import db
from skillpass.models import Confirmation, Entry, EntryStatus, Evidence, EvidenceRule, InformalEntry
from skillpass.services.settings import set_setting
from skillpass.services.submissions import new_token
from tests import factories
from tests.conftest import HTMX, sign_in
from tests.views.date_boxes import shows_date

MB = 1024 * 1024

# Minimal files: the app sniffs the first bytes only.
PDF_BYTES = factories.pdf()
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 16
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 16 + b"\xff\xd9"

WRONG_TYPE = "The file must be a PDF, PNG or JPEG."
EMPTY = "The chosen file is empty."
REQUIRED = "Attach a certificate or other evidence: this item needs one."
TOO_LARGE = "That file is far too large to upload. Choose a smaller one: a PDF, PNG or JPEG."
KEPT_HINT = "Files are not kept when there is a problem: choose it again."

STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|png|jpg)")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

BOUNDARY = "SkillPassTestBoundary7MA4YWxkTrZu0gW"


# ------------------------------------------------------------- helpers

def _text(response) -> str:
    return response.get_data(as_text=True)


def _upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def _files_on_disk(app) -> list[str]:
    folder = _upload_dir(app)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _entries(person, item):
    return db.session.scalars(select(Entry).where(Entry.person_id == person.id, Entry.item_id == item.id)).all()


def _only_evidence() -> Evidence:
    rows = db.session.scalars(select(Evidence)).all()
    assert len(rows) == 1, rows
    return rows[0]


def _record_url(world, item) -> str:
    return f"/people/{world.learner.id}/passport/items/{item.id}/record"


def _informal_url(world) -> str:
    return f"/people/{world.learner.id}/passport/informal"


def _record(client, world, item, *, file=None, htmx=False, **fields):
    """Post the record form as a browser would (multipart), with an optional (bytes, name) file."""
    data = {"completed_on": "2026-02-20", "method": "here", "equivalent_source": "", "note": "Done on the ward"}
    data.update(fields)
    if file is not None:
        content, name = file
        data["evidence"] = (io.BytesIO(content), name)
    return client.post(_record_url(world, item), data=data, content_type="multipart/form-data",
                       headers=HTMX if htmx else {})


def _raw_multipart(fields: dict[str, str], content: bytes, filename: str) -> bytes:
    """A multipart body built by hand, so the server receives exactly *filename*.

    The name goes as RFC 2231 ``filename*`` (percent-encoded UTF-8): newlines,
    quotes and backslashes arrive intact, which the test client's own encoder
    does not manage (it neither escapes quotes nor backslashes).
    """
    lines: list[bytes] = []
    for key, value in fields.items():
        lines += [f"--{BOUNDARY}".encode(), f'Content-Disposition: form-data; name="{key}"'.encode(), b"",
                  value.encode()]
    lines += [
        f"--{BOUNDARY}".encode(),
        f"Content-Disposition: form-data; name=\"evidence\"; filename*=UTF-8''{quote(filename, safe='')}".encode(),
        b"Content-Type: application/octet-stream",
        b"",
        content,
        f"--{BOUNDARY}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines)


def _record_raw(client, world, item, content: bytes, filename: str, *, htmx=False):
    body = _raw_multipart(
        {"completed_on": "2026-02-20", "method": "here", "equivalent_source": "", "note": "Done on the ward",
         "submission": new_token()},
        content, filename,
    )
    return client.post(_record_url(world, item), data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", headers=HTMX if htmx else {})


def _field_error(fid: str, message: str) -> str:
    """The message as the form macro draws it beside its field."""
    return (f'<span class="nhsuk-error-message" id="{fid}-error">'
            f'<span class="nhsuk-u-visually-hidden">Error:</span> {message}</span>')


def _assert_nothing_saved(app, world, item):
    assert _entries(world.learner, item) == []
    assert _count(Evidence) == 0
    assert _files_on_disk(app) == []


def _assert_input_kept(html: str):
    assert shows_date(html, "2026-02-20")
    assert ">Done on the ward</textarea>" in html


def _download_filename(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert not CONTROL.search(disposition), repr(disposition)
    kind, options = parse_options_header(disposition)
    assert kind == "attachment"
    name = options["filename"]
    assert name and not CONTROL.search(name), repr(name)
    for bad in ("/", "\\", '"'):
        assert bad not in name, repr(name)
    return name


# ------------------------------------------------------------- accepted files

ACCEPTED = [
    pytest.param(PDF_BYTES, "Fire certificate.pdf", "Fire certificate.pdf", "application/pdf", "pdf", id="pdf"),
    pytest.param(PNG_BYTES, "screenshot.png", "screenshot.png", "image/png", "png", id="png"),
    pytest.param(JPEG_BYTES, "photo of certificate.jpeg", "photo of certificate.jpg", "image/jpeg", "jpg", id="jpeg"),
    # Content decides, not the name: a PNG named .exe is a PNG, shown and stored as one.
    pytest.param(PNG_BYTES, "x.exe", "x.png", "image/png", "png", id="png-named-exe"),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("content, name, display, content_type, ext", ACCEPTED)
def test_a_real_file_is_stored_under_a_random_name_and_linked_from_the_row(
    app, as_learner, world, htmx, content, name, display, content_type, ext
):
    response = _record(as_learner, world, world.fire, file=(content, name), htmx=htmx)

    if htmx:
        assert response.status_code == 200, _text(response)[:2000]
        row_html = _text(response)
        assert row_html.lstrip().startswith(f'<tr id="item-{world.fire.id}"')
        assert "Fire safety: recorded 20 Feb 2026" in row_html
    else:
        assert response.status_code == 303, _text(response)[:2000]
        assert response.headers["Location"].endswith(f"/passport#item-{world.fire.id}")
        row_html = _text(as_learner.get("/passport"))

    evidence = _only_evidence()
    assert evidence.original_name == display
    assert evidence.content_type == content_type
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.person_id == world.learner.id and evidence.uploaded_by_id == world.learner.id

    # On disk: one file, our random hex name with the sniffed type's extension, never the uploaded name.
    assert STORED_NAME.fullmatch(evidence.stored_name)
    assert evidence.stored_name.endswith(f".{ext}")
    assert _files_on_disk(app) == [evidence.stored_name]
    assert name not in evidence.stored_name
    assert (_upload_dir(app) / evidence.stored_name).read_bytes() == content

    [entry] = _entries(world.learner, world.fire)
    assert entry.evidence_id == evidence.id
    assert entry.status is EntryStatus.ACCEPTED

    assert f'href="/evidence/{evidence.id}"' in row_html
    assert display in row_html


def test_two_uploads_of_the_same_name_get_different_stored_names(app, as_learner, world):
    assert _record(as_learner, world, world.fire, file=(PDF_BYTES, "cert.pdf"), htmx=True).status_code == 200
    assert _record(as_learner, world, world.stress, file=(PDF_BYTES, "cert.pdf"), htmx=True).status_code == 200
    rows = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [e.original_name for e in rows] == ["cert.pdf", "cert.pdf"]
    assert rows[0].stored_name != rows[1].stored_name
    assert _files_on_disk(app) == sorted(e.stored_name for e in rows)


def test_without_a_file_an_optional_item_is_recorded_with_no_evidence(app, as_learner, world):
    response = _record(as_learner, world, world.fire, htmx=True)
    assert response.status_code == 200
    [entry] = _entries(world.learner, world.fire)
    assert entry.evidence_id is None
    assert _count(Evidence) == 0 and _files_on_disk(app) == []


# ------------------------------------------------------------- refused files

WRONG = [
    pytest.param(b"<html><script>alert(1)</script></html>", "certificate.pdf", id="html-as-pdf"),
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "cert.pdf", id="exe-as-pdf"),
    pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "certificate.png", id="gif-as-png"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "badge.png",
                 id="svg-as-png"),
    pytest.param(b"PK\x03\x04 not really a document", "certificate.jpg", id="zip-as-jpg"),
    pytest.param(b" %PDF-1.4 leading space", "certificate.pdf", id="pdf-magic-not-at-start"),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("content, name", WRONG)
def test_a_wrong_type_behind_a_right_extension_is_refused_beside_the_field(app, as_learner, world, htmx, content, name):
    response = _record(as_learner, world, world.fire, file=(content, name), htmx=htmx)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{world.fire.id}-evidence", WRONG_TYPE) in html
    assert f'href="#record-{world.fire.id}-evidence"' in html  # the error summary links to the field
    assert KEPT_HINT in html
    _assert_input_kept(html)
    if htmx:
        assert html.lstrip().startswith(f'<tr id="item-{world.fire.id}"') and "<html" not in html
    else:
        assert "<html" in html and "Error: Record Fire safety" in html
    _assert_nothing_saved(app, world, world.fire)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_an_empty_file_is_refused(app, as_learner, world, htmx):
    response = _record(as_learner, world, world.fire, file=(b"", "cert.pdf"), htmx=htmx)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{world.fire.id}-evidence", EMPTY) in html
    _assert_input_kept(html)
    _assert_nothing_saved(app, world, world.fire)


def test_a_file_error_is_shown_with_the_other_fields_errors(app, as_learner, world):
    response = _record(as_learner, world, world.fire, file=(b"MZ", "cert.pdf"), htmx=True, completed_on="2026-03-09")
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{world.fire.id}-evidence", WRONG_TYPE) in html
    assert "The date cannot be in the future: today is 2 Mar 2026." in html
    _assert_nothing_saved(app, world, world.fire)


def test_a_good_file_is_not_written_when_another_field_is_wrong(app, as_learner, world):
    response = _record(as_learner, world, world.fire, file=(PDF_BYTES, "cert.pdf"), htmx=True, completed_on="2026-03-09")
    assert response.status_code == 422
    assert KEPT_HINT not in _text(response)  # the file itself was fine
    _assert_nothing_saved(app, world, world.fire)


# ------------------------------------------------------------- size

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_file_over_the_upload_setting_is_refused(app, db, as_learner, world, htmx):
    set_setting("max_upload_mb", "1")
    db.session.commit()
    content = factories.pdf(size=MB + 1)
    assert len(content) == MB + 1
    response = _record(as_learner, world, world.fire, file=(content, "big.pdf"), htmx=htmx)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{world.fire.id}-evidence", "The file must be 1 MB or smaller.") in html
    assert "A PDF, PNG or JPEG of 1 MB or less." in html  # the hint follows the setting
    _assert_input_kept(html)
    _assert_nothing_saved(app, world, world.fire)


def test_a_file_of_exactly_the_upload_setting_is_accepted(app, db, as_learner, world):
    set_setting("max_upload_mb", "1")
    db.session.commit()
    content = factories.pdf(size=MB)
    response = _record(as_learner, world, world.fire, file=(content, "big.pdf"), htmx=True)
    assert response.status_code == 200
    evidence = _only_evidence()
    assert evidence.size == MB
    assert (_upload_dir(app) / evidence.stored_name).stat().st_size == MB


def test_a_body_over_the_64_mb_ceiling_gets_413(app, as_learner, world):
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * MB
    content = factories.pdf(size=64 * MB + len(PDF_BYTES))
    response = _record(as_learner, world, world.fire, file=(content, "huge.pdf"))
    html = _text(response)
    assert response.status_code == 413
    assert "<html" in html and "The file is too large" in html
    _assert_nothing_saved(app, world, world.fire)


def test_a_body_over_the_ceiling_with_htmx_is_announced_in_the_flash_region(app, as_learner, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # prove the handler without building 64 MB again
    content = factories.pdf(size=64 * 1024 + len(PDF_BYTES))
    response = _record(as_learner, world, world.fire, file=(content, "huge.pdf"), htmx=True)
    html = _text(response)
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#flash"
    assert response.headers["HX-Reswap"] == "none"
    assert 'id="flash" hx-swap-oob="innerHTML"' in html and TOO_LARGE in html
    assert "<html" not in html
    _assert_nothing_saved(app, world, world.fire)


def test_the_informal_log_also_gets_413_over_the_ceiling(app, as_learner, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = as_learner.post(
        _informal_url(world),
        data={"title": "Read a paper", "completed_on": "2026-02-20", "hours": "",
              "reflection": "", "evidence": (io.BytesIO(factories.pdf(size=64 * 1024 + len(PDF_BYTES))), "huge.pdf")},
        content_type="multipart/form-data", headers=HTMX,
    )
    assert response.status_code == 413 and response.headers["HX-Retarget"] == "#flash"
    assert _count(InformalEntry) == 0 and _count(Evidence) == 0 and _files_on_disk(app) == []


# ------------------------------------------------------------- names

TRICKY_NAMES = [
    pytest.param("../../etc/passwd.pdf", "passwd.pdf", id="dot-dot-slash"),
    pytest.param("/etc/passwd.pdf", "passwd.pdf", id="absolute"),
    pytest.param("..\\..\\windows\\cert.pdf", "cert.pdf", id="dot-dot-backslash"),
    pytest.param("C:\\fakepath\\cert.pdf", "cert.pdf", id="fakepath"),
    pytest.param("cert\nificate.pdf", "certificate.pdf", id="newline"),
    pytest.param("x\r\nContent-Type: text/html\r\n\r\n.pdf", "html.pdf", id="header-injection"),
    pytest.param('my "best" cert.pdf', "my best cert.pdf", id="double-quotes"),
    pytest.param('"; filename="evil.html', "; filename=evil.pdf", id="quote-breakout"),
    pytest.param("O'Brien cert.pdf", "O'Brien cert.pdf", id="single-quote"),
    pytest.param("evil\x00.pdf", "evil.pdf", id="nul"),
    pytest.param("\u202egpj.pdf", "gpj.pdf", id="rtl-override"),
    pytest.param("A" * 496 + ".pdf", "A" * 120 + ".pdf", id="500-characters"),
    pytest.param("Zertifikat für Brandschutz.pdf", "Zertifikat für Brandschutz.pdf", id="non-ascii"),
    pytest.param(".pdf", "evidence.pdf", id="empty-stem"),
    pytest.param("....", "evidence.pdf", id="only-dots"),
    pytest.param("cert.pdf/", "evidence.pdf", id="trailing-slash"),
]


@pytest.mark.parametrize("filename, display", TRICKY_NAMES)
def test_path_tricks_in_the_name_are_stored_under_a_random_name_inside_the_upload_folder(
    app, tmp_path, as_learner, world, filename, display
):
    response = _record_raw(as_learner, world, world.fire, PDF_BYTES, filename)
    assert response.status_code == 303, _text(response)[:2000]

    evidence = _only_evidence()
    assert STORED_NAME.fullmatch(evidence.stored_name)
    assert _files_on_disk(app) == [evidence.stored_name]
    # Nothing written anywhere else: not beside the database, not up the tree.
    uploads = _upload_dir(app)
    stray = [p for p in tmp_path.rglob("*")
             if p.is_file() and p.parent != uploads and not p.name.startswith("test.db")]
    assert stray == []
    assert not (uploads / "../../etc/passwd.pdf").resolve().exists()
    assert not (uploads.parent / "etc").exists()

    name = evidence.original_name
    if display is not None:
        assert name == display
    assert name.endswith(".pdf") and len(name) <= 124
    assert not name.startswith(".") and name != ".pdf"
    assert not CONTROL.search(name) and not any(c in name for c in '/\\"<>|:*?')

    download = as_learner.get(f"/evidence/{evidence.id}")
    assert download.status_code == 200
    assert _download_filename(download) in (name, name.encode("ascii", "ignore").decode())
    assert download.data == PDF_BYTES


def test_a_path_in_the_name_sent_by_the_test_client_is_reduced_to_its_last_part(app, as_learner, world):
    response = _record(as_learner, world, world.fire, file=(PDF_BYTES, "../../etc/passwd.pdf"), htmx=True)
    assert response.status_code == 200
    evidence = _only_evidence()
    assert evidence.original_name == "passwd.pdf"
    assert _files_on_disk(app) == [evidence.stored_name]
    assert 'href="/evidence/%d"' % evidence.id in _text(response)


def test_a_refused_file_with_a_path_name_writes_nothing(app, tmp_path, as_learner, world):
    response = _record_raw(as_learner, world, world.fire, b"<html><script>", "../../../x.pdf", htmx=True)
    assert response.status_code == 422
    assert _field_error(f"record-{world.fire.id}-evidence", WRONG_TYPE) in _text(response)
    _assert_nothing_saved(app, world, world.fire)
    assert not (tmp_path.parent / "x.pdf").exists() and not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------- items that need a certificate

@pytest.fixture
def stress_needs_evidence(db, world):
    world.stress.evidence = EvidenceRule.REQUIRED
    world.stress.confirmation = Confirmation.EVIDENCE      # an educator checks the file
    db.session.commit()
    return world.stress


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_an_item_needing_evidence_refuses_an_entry_without_a_file(app, as_learner, world, stress_needs_evidence, htmx):
    item = stress_needs_evidence
    form = _text(as_learner.get(_record_url(world, item), headers=HTMX if htmx else {}))
    assert "Certificate needed:" in form and "Certificate or other evidence" in form

    response = _record(as_learner, world, item, htmx=htmx)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{item.id}-evidence", REQUIRED) in html
    _assert_input_kept(html)
    _assert_nothing_saved(app, world, item)


def test_an_item_needing_evidence_with_a_wrong_file_says_what_is_wrong_with_the_file(
    app, as_learner, world, stress_needs_evidence
):
    response = _record(as_learner, world, stress_needs_evidence, file=(b"MZ\x90\x00", "cert.pdf"), htmx=True)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error(f"record-{stress_needs_evidence.id}-evidence", WRONG_TYPE) in html
    assert REQUIRED not in html
    _assert_nothing_saved(app, world, stress_needs_evidence)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_an_item_needing_evidence_with_a_pdf_awaits_sign_off_as_a_certificate(
    app, as_learner, as_educator, world, stress_needs_evidence, htmx
):
    item = stress_needs_evidence
    response = _record(as_learner, world, item, file=(PDF_BYTES, "stress course.pdf"), htmx=htmx)
    if htmx:
        assert response.status_code == 200
        row_html = _text(response)
    else:
        assert response.status_code == 303
        row_html = _text(as_learner.get("/passport"))

    evidence = _only_evidence()
    [entry] = _entries(world.learner, item)
    assert entry.status is EntryStatus.AWAITING
    assert entry.evidence_id == evidence.id
    assert _files_on_disk(app) == [evidence.stored_name]
    assert "awaiting sign-off" in row_html
    assert f'href="/evidence/{evidence.id}"' in row_html and "stress course.pdf" in row_html

    queue = _text(as_educator.get("/sign-off/"))
    assert f'id="queue-entry-{entry.id}"' in queue
    assert "Evidence check" in queue
    assert f'href="/evidence/{evidence.id}"' in queue


# ------------------------------------------------------------- informal learning

def _informal(client, world, *, file=None, htmx=False, **fields):
    data = {"title": "Shadowed the falls team", "completed_on": "2026-02-20", "hours": "1.5",
            "reflection": "Learned to spot trip hazards."}
    data.update(fields)
    if file is not None:
        content, name = file
        data["evidence"] = (io.BytesIO(content), name)
    return client.post(_informal_url(world), data=data, content_type="multipart/form-data",
                       headers=HTMX if htmx else {})


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_informal_learning_with_an_evidence_file_is_saved_and_linked(app, as_learner, world, htmx):
    response = _informal(as_learner, world, file=(JPEG_BYTES, "notes.jpeg"), htmx=htmx)
    if htmx:
        assert response.status_code == 200, _text(response)[:2000]
        html = _text(response)
        assert html.lstrip().startswith('<section id="informal-learning"')
        assert "Added to your informal learning log: Shadowed the falls team." in html
    else:
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/passport#informal-learning")
        html = _text(as_learner.get("/passport"))

    evidence = _only_evidence()
    [informal] = db.session.scalars(select(InformalEntry)).all()
    assert informal.evidence_id == evidence.id and informal.person_id == world.learner.id
    assert evidence.original_name == "notes.jpg" and evidence.content_type == "image/jpeg"
    assert evidence.size == len(JPEG_BYTES) and evidence.sha256 == hashlib.sha256(JPEG_BYTES).hexdigest()
    assert _files_on_disk(app) == [evidence.stored_name] and evidence.stored_name.endswith(".jpg")
    assert f'id="informal-{informal.id}"' in html
    assert f'href="/evidence/{evidence.id}"' in html and "notes.jpg" in html


def test_informal_learning_without_a_file_is_saved_with_no_evidence(app, as_learner, world):
    response = _informal(as_learner, world, htmx=True)
    assert response.status_code == 200
    [informal] = db.session.scalars(select(InformalEntry)).all()
    assert informal.evidence_id is None
    assert _count(Evidence) == 0 and _files_on_disk(app) == []


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_informal_learning_with_a_wrong_file_is_refused_and_keeps_the_input(app, as_learner, world, htmx):
    response = _informal(as_learner, world, file=(b"<html><script>", "certificate.pdf"), htmx=htmx)
    html = _text(response)
    assert response.status_code == 422
    assert _field_error("informal-evidence", WRONG_TYPE) in html
    assert 'value="Shadowed the falls team"' in html and shows_date(html, "2026-02-20")
    assert ">Learned to spot trip hazards.</textarea>" in html
    assert _count(InformalEntry) == 0 and _count(Evidence) == 0 and _files_on_disk(app) == []


def test_informal_learning_over_the_upload_setting_is_refused(app, db, as_learner, world):
    set_setting("max_upload_mb", "1")
    db.session.commit()
    response = _informal(as_learner, world, file=(factories.pdf(size=MB + len(PDF_BYTES)), "big.pdf"), htmx=True)
    assert response.status_code == 422
    assert _field_error("informal-evidence", "The file must be 1 MB or smaller.") in _text(response)
    assert _count(InformalEntry) == 0 and _count(Evidence) == 0 and _files_on_disk(app) == []


def test_informal_learning_with_an_empty_file_is_refused(app, as_learner, world):
    response = _informal(as_learner, world, file=(b"", "notes.pdf"), htmx=True)
    assert response.status_code == 422
    assert _field_error("informal-evidence", EMPTY) in _text(response)
    assert _count(InformalEntry) == 0 and _files_on_disk(app) == []


# ------------------------------------------------------------- downloads

@pytest.fixture
def uploaded(as_learner, world):
    """The learner's certificate for fire safety, uploaded through the record form."""
    response = _record(as_learner, world, world.fire, file=(PDF_BYTES, "Fire certificate.pdf"), htmx=True)
    assert response.status_code == 200
    return _only_evidence()


def _assert_served(response, content: bytes, content_type: str, filename: str):
    assert response.status_code == 200
    assert response.data == content
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert _download_filename(response) == filename
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("who", ["learner", "educator", "admin"])
def test_the_learner_their_educator_and_an_admin_can_download(app, as_learner, world, uploaded, who):
    client = as_learner if who == "learner" else sign_in(app.test_client(), getattr(world, who))
    response = client.get(f"/evidence/{uploaded.id}")
    _assert_served(response, PDF_BYTES, "application/pdf", "Fire certificate.pdf")


@pytest.mark.parametrize("content, name, content_type, display", [
    pytest.param(PNG_BYTES, "badge.png", "image/png", "badge.png", id="png"),
    pytest.param(JPEG_BYTES, "photo.jpeg", "image/jpeg", "photo.jpg", id="jpeg"),
    pytest.param(PNG_BYTES, "x.exe", "image/png", "x.png", id="png-named-exe"),
])
def test_a_download_has_the_sniffed_content_type(as_learner, world, content, name, content_type, display):
    assert _record(as_learner, world, world.fire, file=(content, name), htmx=True).status_code == 200
    evidence = _only_evidence()
    _assert_served(as_learner.get(f"/evidence/{evidence.id}"), content, content_type, display)


@pytest.mark.parametrize("who", ["other_learner", "other_educator"])
def test_the_other_learner_and_the_other_teams_educator_are_refused(app, world, uploaded, who):
    client = sign_in(app.test_client(), getattr(world, who))
    response = client.get(f"/evidence/{uploaded.id}")
    assert response.status_code == 403
    assert PDF_BYTES not in response.data
    assert "Content-Disposition" not in response.headers


def test_anonymous_is_sent_to_sign_in(client, world, uploaded):
    response = client.get(f"/evidence/{uploaded.id}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [f"/evidence/{uploaded.id}"]
    assert PDF_BYTES not in response.data


def test_an_unknown_evidence_id_is_404(as_learner, world, uploaded):
    assert as_learner.get(f"/evidence/{uploaded.id + 1000}").status_code == 404


def test_a_missing_file_on_disk_is_404(app, as_learner, world, uploaded):
    (_upload_dir(app) / uploaded.stored_name).unlink()
    response = as_learner.get(f"/evidence/{uploaded.id}")
    assert response.status_code == 404
    assert "Content-Disposition" not in response.headers


def test_the_educator_sees_the_link_on_the_learners_passport(as_educator, world, uploaded):
    html = _text(as_educator.get(f"/people/{world.learner.id}/passport"))
    assert f'href="/evidence/{uploaded.id}"' in html and "Fire certificate.pdf" in html


def test_an_item_that_takes_no_evidence_refuses_a_posted_file(app, as_learner, world):
    world.fire.evidence = EvidenceRule.NONE
    db.session.commit()
    form = as_learner.get(_record_url(world, world.fire), headers=HTMX).get_data(as_text=True)
    assert 'type="file"' not in form
    response = _record(as_learner, world, world.fire, file=(b"%PDF-1.4 x", "cert.pdf"), htmx=True)
    assert response.status_code == 422
    assert "This item takes no evidence file." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert list(_upload_dir(app).glob("*")) == [] if _upload_dir(app).exists() else True


# ------------------------------------------------------------- PDFs that would run something

def _pdf(*bodies: bytes, hidden: bytes | None = None, hidden_filter: str = "FlateDecode") -> bytes:
    """A valid PDF of the given objects (1 is the catalog), with a cross-reference stream. With *hidden*, object
    N+2 sits inside a compressed object stream (object N+1), where no scan of the file's bytes can see it."""
    import zlib

    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append((1, len(out), 0))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    size = len(bodies) + 2
    if hidden is not None:
        stream_number, hidden_number = len(bodies) + 1, len(bodies) + 2
        header = f"{hidden_number} 0 ".encode()
        raw = header + hidden
        data = zlib.compress(raw) if hidden_filter == "FlateDecode" else raw.hex().encode() + b">"
        offsets.append((1, len(out), 0))
        out += (f"{stream_number} 0 obj\n<< /Type /ObjStm /N 1 /First {len(header)} /Filter /{hidden_filter} "
                f"/Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream\nendobj\n"
        offsets.append((2, stream_number, 0))
        size = hidden_number + 2
    xref_number = size - 1
    offsets.append((1, len(out), 0))
    rows = b"".join(bytes([kind]) + value.to_bytes(4, "big") + index.to_bytes(2, "big")
                    for kind, value, index in [(0, 0, 65535)] + offsets)
    xref_at = len(out)
    out += (f"{xref_number} 0 obj\n<< /Type /XRef /Size {size} /W [1 4 2] /Root 1 0 R /Length {len(rows)} >>\n"
            f"stream\n").encode() + rows + f"\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


PAGES = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")

ACTIVE_PDFS = [
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
                      *PAGES), id="open-action-javascript"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript << /Names [(a) 4 0 R] >> >> >>", *PAGES,
                      b"<< /S /JavaScript /JS (app.alert(1)) >>"), id="document-javascript"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScr#69pt /J#53 (x) >> >>", *PAGES),
                 id="names-spelt-with-hex-escapes"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
                      b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> >>"),
                 id="link-that-launches"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", *PAGES,
                      hidden=b"<< /S /JavaScript /JS (app.alert(1)) >>"), id="in-a-compressed-object-stream"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Big 6 0 R >>", *PAGES,
                      hidden=b"<< /S /JavaScript /JS (app.alert(1)) >>", hidden_filter="ASCIIHexDecode"),
                 id="in-an-ascii-hex-object-stream"),
    pytest.param(_pdf(b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>", *PAGES,
                      b"<< /Length 0 >>\nstream\n\nendstream"), id="xfa-form"),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("content", ACTIVE_PDFS)
def test_a_pdf_that_carries_a_script_or_a_launch_action_is_refused(app, as_learner, world, htmx, content):
    from skillpass.services.evidence import ACTIVE_PDF

    response = _record(as_learner, world, world.fire, file=(content, "certificate.pdf"), htmx=htmx,
                       note="Fire safety day")
    assert response.status_code == 422
    html = _text(response)
    assert ACTIVE_PDF.replace("'", "&#39;") in html
    assert "Fire safety day" in html                          # the input is kept
    assert _entries(world.learner, world.fire) == []
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    assert not [p for p in Path(app.config["UPLOAD_FOLDER"]).glob("*") if p.is_file()]


def _locked_pdf(password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(factories.pdf())))
    writer.encrypt(user_password=password, owner_password="owner-only")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("content", [
    pytest.param(b"%PDF-1.7\n" + b"\x8f\x00garbage" * 200, id="not-a-pdf-after-its-first-line"),
    pytest.param(_locked_pdf("secret"), id="locked-with-a-password"),
])
def test_a_pdf_that_cannot_be_read_through_is_refused_as_unchecked(app, as_learner, world, content):
    from skillpass.services.evidence import UNREADABLE_PDF

    response = _record(as_learner, world, world.fire, file=(content, "certificate.pdf"))
    assert response.status_code == 422
    assert UNREADABLE_PDF.replace("'", "&#39;") in _text(response)
    assert _entries(world.learner, world.fire) == []


def test_ordinary_pdfs_are_accepted_whatever_bytes_their_pages_hold(app, as_learner, world):
    """A certificate as WeasyPrint writes one (compressed streams, fonts, links); one whose page reads
    "HTML/JS" and whose image bytes happen to spell /JS; one locked only against editing (it opens without a
    password, as many issued certificates do)."""
    from weasyprint import HTML

    from skillpass.services.evidence import pdf_problem

    made = HTML(string="<h1>Certificate</h1><p>HTML/JS course, <a href='https://example.org/'>page</a></p>"
                ).write_pdf()
    blob = b"\x00\xff/JS /Launch /JavaScript\x10" * 50
    image = _pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                 b"<< /Length " + str(len(blob)).encode() + b" >>\nstream\n" + blob + b"\nendstream")
    for content in (made, image, _locked_pdf(""), PDF_BYTES):
        assert pdf_problem(content) is None
    response = _record(as_learner, world, world.fire, file=(made, "certificate.pdf"))
    assert response.status_code == 303, _text(response)[:500]
    assert len(_entries(world.learner, world.fire)) == 1


# ------------------------------------------------------------- a file whose row never lands

def test_a_file_written_by_a_transaction_that_does_not_commit_is_removed(app, world):
    """The file is written before its row; a rollback (a refused form, a lost race, the database gone)
    takes the file with it, so no file without a row is left for the backups."""
    from skillpass.services import evidence as evidence_service

    checked = evidence_service.Checked(data=PDF_BYTES, file_type=evidence_service.PDF, filename="cert.pdf")
    kept = evidence_service.save(checked, person=world.learner, actor=world.learner)
    db.session.commit()
    lost = evidence_service.save(checked, person=world.learner, actor=world.learner)
    lost_path = evidence_service.path_of(lost)
    assert lost_path.is_file()
    db.session.rollback()
    assert not lost_path.exists()
    assert evidence_service.path_of(kept).is_file()


def test_a_failed_commit_of_a_recorded_entry_leaves_no_file(app, as_learner, world, monkeypatch):
    """The database refuses the write at commit (here: as when it is locked or gone, a 503)."""
    import sqlite3

    from flask import has_request_context
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    real_commit = Session.commit

    def commit(session):
        if has_request_context():   # the request's commit fails; the test's own work is committed as usual
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
        return real_commit(session)

    monkeypatch.setattr(Session, "commit", commit)
    response = _record(as_learner, world, world.fire, file=(PDF_BYTES, "cert.pdf"))
    monkeypatch.undo()
    assert response.status_code == 503
    assert not [p for p in Path(app.config["UPLOAD_FOLDER"]).glob("*") if p.is_file()]
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
