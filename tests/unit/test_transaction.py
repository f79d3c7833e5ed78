"""One transaction per request, ended in one place (skillpass/transaction.py): a success keeps what the
view wrote, a refusal or an error keeps nothing, and every view of the application is wrapped."""
from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import event, func, select, text

from skillpass import transaction
from skillpass.access import PUBLIC, guard
from skillpass.models import Team
from skillpass.services import kept
from tests.conftest import PG_URL


@pytest.fixture
def writing_app(app):
    """The application with three extra routes that each add a team, then answer differently."""

    def add(name: str) -> None:
        from skillpass.extensions import db

        db.session.add(Team(name=name))
        db.session.flush()

    @guard(PUBLIC)
    def kept_view():
        add("Kept")
        return "saved", 200

    @guard(PUBLIC)
    def refused_view():
        add("Refused")
        return "refused", 422

    @guard(PUBLIC)
    def failing_view():
        add("Failed")
        abort(500)

    @guard(PUBLIC)
    def savepoint_view():
        from skillpass.extensions import db

        add("Before the savepoint")
        with db.session.begin_nested():      # released: SQLAlchemy calls that a commit
            add("In the savepoint")
        try:
            with db.session.begin_nested():  # rolled back, as a lost race is
                add("Undone")
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        return "saved", 200

    for rule, view in (("/t/kept", kept_view), ("/t/refused", refused_view), ("/t/failing", failing_view),
                       ("/t/savepoint", savepoint_view)):
        app.add_url_rule(rule, view.__name__, view, methods=["POST"])

    def count_teams():
        from skillpass.extensions import db

        return str(db.session.scalar(select(func.count(Team.id))))

    @guard(PUBLIC)
    def read_view():
        return count_teams(), 200

    @guard(PUBLIC)
    def read_refused_view():
        return count_teams(), 404

    @guard(PUBLIC)
    def prepared_view():
        from skillpass.extensions import db

        return str(db.session.scalar(text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%count(team.id)%'"))), 200

    for rule, view in (("/t/read", read_view), ("/t/read-refused", read_refused_view),
                       ("/t/prepared", prepared_view)):
        app.add_url_rule(rule, view.__name__, view, methods=["GET"])
    transaction.register(app)
    return app


def _teams(db) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Team.name)))


def test_a_success_is_committed_a_refusal_and_an_error_are_not(writing_app, db):
    client = writing_app.test_client()
    assert client.post("/t/kept").status_code == 200
    assert client.post("/t/refused").status_code == 422
    assert client.post("/t/failing").status_code == 500
    names = _teams(db)
    assert "Kept" in names
    assert "Refused" not in names and "Failed" not in names


def test_every_view_of_the_application_is_wrapped_once(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert getattr(view, "one_transaction", False), endpoint
        # The access policy the guard reads survives the wrapping.
        assert getattr(view, "access_policy", None), endpoint
        assert not getattr(view.__wrapped__, "one_transaction", False), f"{endpoint} wrapped twice"


def test_nothing_kept_is_read_or_kept_while_a_write_is_uncommitted(app, db):
    with app.test_request_context():
        assert kept.key("probe") is not None
        db.session.add(Team(name="Pending"))
        assert kept.key("probe") is None            # pending in the session
        db.session.flush()
        assert kept.key("probe") is None            # flushed, not committed
        db.session.commit()
        assert kept.key("probe") is not None


# The only places a view ends a transaction itself, each for a reason the transaction module names.
ENDED_BY_HAND = {
    ("admin/views.py", "db.session.commit()"): 1,       # an import's run, before the job worker looks for it
    ("auth/views.py", "db.session.commit()"): 1,        # a failed sign-in, kept for the throttle
    ("passport/deciding.py", "db.session.rollback()"): 1,  # a refused decision reads the entry again
    ("signoff/views.py", "db.session.rollback()"): 2,   # the same, and a race in approving several
    ("team/views.py", "db.session.commit()"): 1,        # a bulk print's job, before the job worker looks
    ("credentials/verify.py", "db.session.commit()"): 1,  # a verify page's view, kept for its rate limit
}


def test_views_leave_commit_and_rollback_to_the_request():
    from pathlib import Path

    import skillpass

    root = Path(skillpass.__file__).parent
    found = {}
    for path in root.glob("*/*.py"):
        if path.parent.name in ("services", "models", "print"):
            continue
        text = path.read_text()
        for call in ("db.session.commit()", "db.session.rollback()"):
            if text.count(call):
                found[(f"{path.parent.name}/{path.name}", call)] = text.count(call)
    assert found == ENDED_BY_HAND


def test_a_savepoint_inside_a_request_does_not_lose_what_the_request_wrote(writing_app, db):
    """A released or rolled-back savepoint (a race lost and read again) is not the end of the request's
    transaction: what the view wrote before and inside it is committed with its success."""
    assert writing_app.test_client().post("/t/savepoint").status_code == 200
    names = _teams(db)
    assert {"Before the savepoint", "In the savepoint"} <= names and "Undone" not in names


def _ends(db) -> list[str]:
    """How each transaction on the application's connections ends, from now on."""
    ended: list[str] = []
    event.listen(db.engine, "commit", lambda conn: ended.append("commit"))
    event.listen(db.engine, "rollback", lambda conn: ended.append("rollback"))
    return ended


def test_a_request_that_only_read_ends_with_a_commit_a_refused_one_with_a_rollback(writing_app, db):
    """Nothing was written either way; the commit is what keeps psycopg's prepared statements (below)."""
    client = writing_app.test_client()
    db.session.commit()
    ended = _ends(db)
    assert client.get("/t/read").status_code == 200
    assert ended == ["commit"]
    ended.clear()
    assert client.get("/t/read-refused").status_code == 404
    assert ended == ["rollback"]


@pytest.mark.skipif(not PG_URL, reason="prepared statements of psycopg on PostgreSQL")
def test_a_pages_statements_are_prepared_once_not_parsed_and_planned_on_every_request(writing_app, db):
    """psycopg prepares a statement after its fifth use on a connection, and forgets them all at a rollback:
    with every read ending in a rollback, nothing was ever prepared (measured: about 3 ms of a passport's 26
    afresh at 30,000 people went to parsing and planning its nine statements again)."""
    client = writing_app.test_client()
    db.session.commit()
    for _ in range(20):     # enough for each connection in the pool to have run it five times
        assert client.get("/t/read").status_code == 200
    assert int(client.get("/t/prepared").get_data(as_text=True)) == 1
