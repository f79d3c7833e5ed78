"""Entry decisions are final, in the database itself: an entry only moves
awaiting -> accepted / rejected / withdrawn, or accepted -> revoked; what was
recorded (person, item, date, how, evidence) never changes; and neither
entries nor people are ever deleted.

Two educators deciding the same entry at the same moment: the application's
version check makes the second UPDATE match no row, and these triggers refuse
any write that would make a second decision all the same.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 02:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ENTRY_MESSAGE = "entries are never edited or deleted: a decision is made once (awaiting to decided, accepted to revoked)"
PERSON_MESSAGE = "people are never deleted: deactivate them instead"

ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn'))
    OR (OLD.status = 'accepted' AND NEW.status = 'revoked')
)"""
RECORDED = ["person_id", "item_id", "completed_on", "method", "equivalent_source", "note",
            "evidence_id", "recorded_by_id", "recorded_at"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in RECORDED)
        op.execute(f"""
            CREATE FUNCTION entry_decided_once() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NOT {ALLOWED} OR {changed} THEN
                    RAISE EXCEPTION '{ENTRY_MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER entry_decided_once BEFORE UPDATE OR DELETE ON entry
            FOR EACH ROW EXECUTE FUNCTION entry_decided_once()
        """)
        op.execute(f"""
            CREATE FUNCTION person_never_deleted() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{PERSON_MESSAGE}';
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER person_never_deleted BEFORE DELETE ON person
            FOR EACH ROW EXECUTE FUNCTION person_never_deleted()
        """)
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in RECORDED)
        op.execute(f"""
            CREATE TRIGGER entry_decided_once BEFORE UPDATE ON entry
            WHEN NOT {ALLOWED} OR {changed}
            BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER entry_never_deleted BEFORE DELETE ON entry
            BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER person_never_deleted BEFORE DELETE ON person
            BEGIN SELECT RAISE(ABORT, '{PERSON_MESSAGE}'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS person_never_deleted ON person")
        op.execute("DROP FUNCTION IF EXISTS person_never_deleted()")
        op.execute("DROP TRIGGER IF EXISTS entry_decided_once ON entry")
        op.execute("DROP FUNCTION IF EXISTS entry_decided_once()")
    else:
        op.execute("DROP TRIGGER IF EXISTS person_never_deleted")
        op.execute("DROP TRIGGER IF EXISTS entry_never_deleted")
        op.execute("DROP TRIGGER IF EXISTS entry_decided_once")
