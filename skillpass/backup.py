"""Backups: the database and the evidence files in one .tar.gz; and back again.

SQLite is copied with its online backup API (safe while the app runs);
PostgreSQL with pg_dump's custom format, restored with pg_restore.
"""
from __future__ import annotations

import datetime as dt
import glob
import io
import json
import os
import shutil
import sqlite3
# pg_dump and pg_restore, with argument lists, never through a shell.
import subprocess  # nosec B404
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from skillpass.extensions import db


class BackupError(RuntimeError):
    pass


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} is not installed (Debian: postgresql-client)")


def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string and environment (the password goes in PGPASSWORD, not argv)."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def backup(out: Path) -> dict:
    """Write a backup of the configured database and upload folder to *out* (.tar.gz)."""
    url = db.engine.url
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if url.get_backend_name() == "sqlite":
            target = tmp / "database.sqlite3"
            source = sqlite3.connect(url.database)
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
            kind = "sqlite"
        elif url.get_backend_name() == "postgresql":
            target = tmp / "database.pgdump"
            conninfo, env = _libpq(url)
            args = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
                    f"--dbname={conninfo}"]
            result = subprocess.run(args, env=env, capture_output=True, text=True)  # nosec B603
            if result.returncode != 0:
                raise BackupError(result.stderr.strip())
            kind = "postgresql"
        else:
            raise BackupError(f"no backup for {url.get_backend_name()}")
        files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []
        manifest = {"made_at": dt.datetime.now(dt.timezone.utc).isoformat(), "database": kind,
                    "uploads": len(files)}
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(target, arcname=target.name)
            for path in files:
                tar.add(path, arcname=f"uploads/{path.relative_to(uploads).as_posix()}")
    return manifest


def restore(archive: Path) -> dict:
    """Restore a backup into the configured database (which must be empty) and upload folder."""
    url = db.engine.url
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tmp = Path(tmp)
        tar.extractall(tmp, filter="data")
        manifest = json.loads((tmp / "manifest.json").read_text())
        backend = url.get_backend_name()
        if manifest["database"] != backend:
            raise BackupError(f"this backup is of {manifest['database']}, the configured database is {backend}")
        db.session.remove()
        from sqlalchemy import inspect

        if inspect(db.engine).get_table_names():
            raise BackupError("the configured database is not empty: restore into a new, empty database")
        db.engine.dispose()
        if backend == "sqlite":
            source = sqlite3.connect(tmp / "database.sqlite3")
            dest = sqlite3.connect(url.database)
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        else:
            conninfo, env = _libpq(url)
            args = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={conninfo}",
                    str(tmp / "database.pgdump")]
            result = subprocess.run(args, env=env, capture_output=True, text=True)  # nosec B603
            if result.returncode != 0:
                raise BackupError(result.stderr.strip())
        source_uploads = tmp / "uploads"
        if source_uploads.exists():
            for path in source_uploads.rglob("*"):
                if path.is_file():
                    dest_path = uploads / path.relative_to(source_uploads)
                    dest_path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest_path)
    return manifest
