"""Who confirms an item, and learners' corrections (PRODUCT.md §6.2)

- item.confirmation: how a learner's own *completed here* record counts: at once, with evidence
  checked by an educator, or after an educator's confirmation. Learning items that required
  evidence were always checked by an educator: they say "evidence"; every other item "at once",
  so nothing counts differently the day this runs.
- entry.supersedes_id: a correction is a new entry naming the one it takes the place of; that one
  moves, once, to the new status *superseded* (from accepted or awaiting). The triggers of 0004
  allow that one move and keep supersedes_id, like everything recorded, unchangeable.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ENTRY_MESSAGE = "entries are never edited or deleted: a decision is made once (awaiting to decided, accepted to revoked)"

OLD_STATUSES = ('accepted', 'awaiting', 'rejected', 'withdrawn', 'revoked')
NEW_STATUSES = OLD_STATUSES + ('superseded',)
CONFIRMATIONS = ('at_once', 'evidence', 'educator')

OLD_ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn'))
    OR (OLD.status = 'accepted' AND NEW.status = 'revoked')
)"""
NEW_ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn', 'superseded'))
    OR (OLD.status = 'accepted' AND NEW.status IN ('revoked', 'superseded'))
)"""
OLD_RECORDED = ["person_id", "item_id", "completed_on", "method", "equivalent_source", "note",
                "evidence_id", "recorded_by_id", "recorded_at"]
NEW_RECORDED = OLD_RECORDED + ["session_id", "supersedes_id"]   # 0012 added session_id: recorded, never changed


def _status_type(values):
    return sa.Enum(*values, name='entry_status', native_enum=False, create_constraint=True, length=20)


def _entry_triggers(allowed: str, recorded: list[str]) -> None:
    """(Re)create 0004's entry triggers with these allowed moves and unchangeable columns."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in recorded)
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
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in recorded)
        op.execute("DROP TRIGGER IF EXISTS entry_decided_once")
        op.execute(f"""
            CREATE TRIGGER entry_decided_once BEFORE UPDATE ON entry
            WHEN NOT {allowed} OR {changed}
            BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE}'); END
        """)
        op.execute("DROP TRIGGER IF EXISTS entry_never_deleted")
        op.execute(f"""
            CREATE TRIGGER entry_never_deleted BEFORE DELETE ON entry
            BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE}'); END
        """)


def _rebuild_entry(statuses_from, statuses_to, add: bool) -> None:
    """Change entry's status CHECK and add or drop supersedes_id. SQLite rebuilds the table, which drops its
    triggers and needs its partial index made again; PostgreSQL alters it in place."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f('ck_entry_entry_status'), 'entry', type_='check')
        op.create_check_constraint(op.f('ck_entry_entry_status'), 'entry',
                                   "status IN (" + ", ".join(f"'{s}'" for s in statuses_to) + ")")
        if add:
            op.add_column('entry', sa.Column('supersedes_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f('fk_entry_supersedes_id_entry'), 'entry', 'entry', ['supersedes_id'], ['id'])
            op.create_unique_constraint(op.f('uq_entry_supersedes_id'), 'entry', ['supersedes_id'])
        else:
            op.drop_constraint(op.f('uq_entry_supersedes_id'), 'entry', type_='unique')
            op.drop_constraint(op.f('fk_entry_supersedes_id_entry'), 'entry', type_='foreignkey')
            op.drop_column('entry', 'supersedes_id')
        return
    op.execute("DROP TRIGGER IF EXISTS entry_decided_once")
    op.execute("DROP TRIGGER IF EXISTS entry_never_deleted")
    op.drop_index('uq_entry_one_awaiting', table_name='entry')
    with op.batch_alter_table('entry', schema=None, recreate='always') as batch_op:
        batch_op.alter_column('status', existing_type=_status_type(statuses_from), type_=_status_type(statuses_to),
                              existing_nullable=False)
        if add:
            batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_entry_supersedes_id_entry'), 'entry', ['supersedes_id'], ['id'])
            batch_op.create_unique_constraint(batch_op.f('uq_entry_supersedes_id'), ['supersedes_id'])
        else:
            batch_op.drop_constraint(batch_op.f('uq_entry_supersedes_id'), type_='unique')
            batch_op.drop_constraint(batch_op.f('fk_entry_supersedes_id_entry'), type_='foreignkey')
            batch_op.drop_column('supersedes_id')
    awaiting = sa.text("status = 'awaiting'")
    op.create_index('uq_entry_one_awaiting', 'entry', ['person_id', 'item_id'], unique=True,
                    sqlite_where=awaiting, postgresql_where=awaiting)


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'confirmation',
            sa.Enum(*CONFIRMATIONS, name='item_confirmation', native_enum=False, create_constraint=True, length=20),
            nullable=False, server_default='at_once'))
    op.execute("UPDATE item SET confirmation = 'evidence' WHERE kind = 'learning' AND evidence = 'required'")
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.alter_column('confirmation', server_default=None)

    _rebuild_entry(OLD_STATUSES, NEW_STATUSES, add=True)
    _entry_triggers(NEW_ALLOWED, NEW_RECORDED)


def downgrade():
    # Corrected entries cannot go back to a status the old schema knows: a downgrade refuses while any exist.
    _rebuild_entry(NEW_STATUSES, OLD_STATUSES, add=False)
    _entry_triggers(OLD_ALLOWED, OLD_RECORDED)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_item_item_confirmation'), type_='check')
        batch_op.drop_column('confirmation')
