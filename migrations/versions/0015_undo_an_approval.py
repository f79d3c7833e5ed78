"""An educator may undo their own approval of a moment ago ("Approved — Undo"): the entry moves back
from accepted to awaiting, its decision cleared. The triggers of 0004 (as 0013 left them) allow that one
more move, and only with the decision emptied (no decider, no time), so a decision is still never
rewritten as another one. Who may undo, and for how long (two minutes), is the application's
(services/decisions.py); the approval and its undoing both stay in the audit log.

No table changes: only the entry triggers are recreated.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ENTRY_MESSAGE = "entries are never edited or deleted: a decision is made once (awaiting to decided, accepted to revoked)"

OLD_ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn', 'superseded'))
    OR (OLD.status = 'accepted' AND NEW.status IN ('revoked', 'superseded'))
)"""
NEW_ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn', 'superseded'))
    OR (OLD.status = 'accepted' AND NEW.status IN ('revoked', 'superseded'))
    OR (OLD.status = 'accepted' AND NEW.status = 'awaiting' AND NEW.decided_by_id IS NULL
        AND NEW.decided_at IS NULL)
)"""
RECORDED = ["person_id", "item_id", "completed_on", "method", "equivalent_source", "note",
            "evidence_id", "recorded_by_id", "recorded_at", "session_id", "supersedes_id"]


def _entry_triggers(allowed: str) -> None:
    """(Re)create the entry triggers of 0004/0013 with these allowed moves."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in RECORDED)
        op.execute(f"""
            CREATE OR REPLACE FUNCTION entry_decided_once() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NOT {allowed} OR {changed} THEN
                    RAISE EXCEPTION '{ENTRY_MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
        """)
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in RECORDED)
        op.execute("DROP TRIGGER IF EXISTS entry_decided_once")
        op.execute(f"""
            CREATE TRIGGER entry_decided_once BEFORE UPDATE ON entry
            WHEN NOT {allowed} OR {changed}
            BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE}'); END
        """)


def upgrade():
    _entry_triggers(NEW_ALLOWED)


def downgrade():
    # An entry whose approval was undone is simply awaiting again: nothing to put back.
    _entry_triggers(OLD_ALLOWED)
