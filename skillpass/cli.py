"""flask commands: create-admin, seed-demo, backup, restore."""
from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(orphans_command)
    app.cli.add_command(send_reminders)
    app.cli.add_command(jobs_worker)                # background work on Huey (issue 19, part A)
    app.cli.add_command(signing_key_command)        # verifiable passports (issue 18, part A)
    app.cli.add_command(rotate_signing_key_command)
    app.cli.add_command(rebuild_item_dates_command)  # the kept dates (issue 19)


@click.command("orphans")
@click.option("--remove", is_flag=True, help="Remove them (otherwise only list them).")
@click.option("--min-age", default=60, show_default=True, type=click.IntRange(min=0),
              help="Minutes: a younger file may belong to an upload still being saved.")
def orphans_command(remove: bool, min_age: int):
    """List files in the upload folder that no record names (evidence, bulk prints) and half-written
    uploads, left by a process that stopped between writing a file and recording it; --remove deletes them."""
    from skillpass.services import evidence

    found = evidence.orphans(min_age=min_age * 60)
    for path in found:
        click.echo(str(path))
        if remove:
            path.unlink(missing_ok=True)
    size = len(found)
    verb = "removed" if remove else "found (run again with --remove to delete them)"
    click.echo(f"{size} file{'' if size == 1 else 's'} without a record {verb}." if size else
               "No file without a record.")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False), required=False)
def backup_command(out: str | None):
    """Back up the database and evidence files to OUT (a .tar.gz; a dated name if not given)."""
    from pathlib import Path

    from skillpass.backup import BackupError, backup

    path = Path(out or f"skillpass-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up the {manifest['database']} database and {manifest['uploads']} evidence files to {path}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive: str):
    """Restore a backup into the configured (new, empty) database and upload folder."""
    from pathlib import Path

    from skillpass.backup import BackupError, restore

    try:
        manifest = restore(Path(archive))
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Restored the {manifest['database']} database and {manifest['uploads']} evidence files "
               f"from {archive} (made {manifest['made_at']})")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--start-date", default=None, help="YYYY-MM-DD; today if not given")
def create_admin(email: str, name: str, password: str, start_date: str | None):
    """Create an admin (the first one on a fresh database, or another)."""
    from skillpass.clock import today
    from skillpass.models import Person, Role
    from skillpass.services import audit

    from skillpass.services import passwords

    email = email.strip().lower()
    from skillpass.services.settings import get_settings

    weak = passwords.problem(password, user_inputs=[email], person_name=name,
                             organisation=get_settings().organisation_name)
    if weak:
        raise click.BadParameter(weak[0].lower() + weak[1:], param_hint="--password")
    if db.session.scalar(select(Person).where(func.lower(Person.email) == email)):
        raise click.BadParameter(f"{email} already has an account", param_hint="--email")
    person = Person(
        name=name.strip(),
        email=email,
        job_role="Administrator",
        role=Role.ADMIN,
        start_date=dt.date.fromisoformat(start_date) if start_date else today(),
    )
    person.set_password(password)
    db.session.add(person)
    db.session.flush()
    audit.log(actor=None, action=Action.PERSON_CREATED, subject=person, person_id=person.id,
              summary=f"Admin {person.name} created from the command line",
              after={"email": email, "role": "admin"})
    db.session.commit()
    click.echo(f"Admin {email} created. Sign in at /sign-in.")


@click.command("seed-demo")
def seed_demo():
    """Build the demo trust (idempotent): templates, teams, ~30 people, their histories."""
    from skillpass import demo
    from skillpass.clock import today

    created = demo.seed(today=today())
    db.session.commit()
    click.echo("Demo data ready." if created else "Demo data was already there; nothing changed.")
    click.echo(demo.sign_in_help())


# ---------------------------------------------------------------- notifications and digests (issue 15, part D)

@click.command("send-reminders")
@click.option("--today", "on", default=None, help="YYYY-MM-DD: send what is due that day (tests, catching up); "
                                                  "today if not given")
def send_reminders(on: str | None):
    """Retry failed email, then send the digests due today (learners weekly, educators their queue daily and
    their lapse summary monthly). Run it daily (a systemd timer, docs/DEPLOYMENT.md): twice on one day sends
    nothing twice."""
    from skillpass.clock import today
    from skillpass.services import mail, reminders

    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today")
    try:
        report = reminders.run(today=day, after_each=db.session.commit)
    except mail.MailNotConfigured as error:
        raise click.ClickException(str(error))
    db.session.commit()
    sent = report.sent
    click.echo(f"{day.isoformat()}: {sent['learner']} learner digests, {sent['queue']} queue digests, "
               f"{sent['lapses']} lapse summaries; {sent['retried']} earlier failures sent.")
    if report.failed:
        click.echo(f"{report.failed} failed: they are tried again next run (Admin > Email, Failed).", err=True)


@click.command("jobs-worker")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="threads taking jobs (default SKILLPASS_JOBS_WORKERS, 2)")
def jobs_worker(workers: int | None):
    """Run background jobs (bulk prints, email, the daily digests) until stopped: any number, on any host
    that reaches SKILLPASS_JOBS_URL, SKILLPASS_DATABASE_URL and the upload folder."""
    from flask import current_app

    current_app.extensions["skillpass.jobs"].run_worker(workers)


# ---------------------------------------------------------------- the signing key (issue 18, part A)

@click.command("signing-key")
def signing_key_command():
    """Print the id (kid) of the key that signs the organisation's credentials, made if there is none yet."""
    from skillpass.services.credentials import keys

    key = keys.active_key()
    db.session.commit()
    click.echo(key.kid)


@click.command("rotate-signing-key")
@click.option("--yes", is_flag=True, help="Rotate without asking first.")
def rotate_signing_key_command(yes: bool):
    """Retire the signing key and make a new one (after SKILLPASS_SECRET_KEY changed, a suspected leak, or as
    policy says). The old public key stays published, so what it signed still verifies."""
    from skillpass.services.credentials import keys

    if not yes:
        click.confirm("Retire the signing key in use and sign from now on with a new one?", abort=True)
    from skillpass.services.errors import Conflict

    try:
        new = keys.rotate(None)
    except Conflict as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Signing key rotated: {new.kid} signs from now; the retired keys stay published.")


@click.command("rebuild-item-dates")
def rebuild_item_dates_command():
    """Work out every person's kept dates again from the entries (after a restore, or a change of the rules),
    writing only the rows that differ."""
    import time

    from skillpass.extensions import db
    from skillpass.services import item_dates

    from skillpass import clock
    from skillpass.services import trend_months

    started = time.perf_counter()
    written = item_dates.rebuild()
    db.session.commit()
    click.echo(f"Kept dates rebuilt in {time.perf_counter() - started:.1f} s: {written.added} added, "
               f"{written.changed} changed, {written.removed} removed.")
    # The trend's past month ends, all of them worked out again.
    started = time.perf_counter()
    db.session.execute(trend_months.BUILT.delete())
    months = trend_months.ensure_built(clock.today())
    db.session.commit()
    click.echo(f"The trend's {len(months)} past month ends rebuilt in {time.perf_counter() - started:.1f} s.")
