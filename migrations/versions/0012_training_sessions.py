"""Training sessions (registers): one item, one date, many people; each attendee's entry names its session

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'training_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('trainer', sa.String(length=200), nullable=False),
        sa.Column('venue', sa.String(length=200), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_training_session_evidence_id_evidence')),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_training_session_item_id_item')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'],
                                name=op.f('fk_training_session_recorded_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_session')),
    )
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_session_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_session_recorded_at'), ['recorded_at'], unique=False)
    # A plain ADD COLUMN (SQLite accepts its REFERENCES clause): no rebuild of entry, so its triggers
    # (decisions are final, never deleted) and its partial unique index stay exactly as they are.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE entry ADD COLUMN session_id INTEGER"
                   " CONSTRAINT fk_entry_session_id_training_session REFERENCES training_session (id)")
    else:
        op.add_column('entry', sa.Column(
            'session_id', sa.Integer(),
            sa.ForeignKey('training_session.id', name=op.f('fk_entry_session_id_training_session')), nullable=True))
    op.create_index(op.f('ix_entry_session_id'), 'entry', ['session_id'], unique=False)


# 0004's entry triggers, as they stand below this revision: made again after SQLite rebuilds the table.
ENTRY_MESSAGE = "entries are never edited or deleted: a decision is made once (awaiting to decided, accepted to revoked)"
ALLOWED = """(
    (OLD.status = 'awaiting' AND NEW.status IN ('accepted', 'rejected', 'withdrawn'))
    OR (OLD.status = 'accepted' AND NEW.status = 'revoked')
)"""
RECORDED = ["person_id", "item_id", "completed_on", "method", "equivalent_source", "note",
            "evidence_id", "recorded_by_id", "recorded_at"]


def _drop_session_id_sqlite():
    """A later revision's rebuild of entry (0013) made session_id's reference a table constraint, which
    SQLite's DROP COLUMN refuses: rebuild entry without it, its partial index and triggers made again."""
    op.execute("DROP TRIGGER IF EXISTS entry_decided_once")
    op.execute("DROP TRIGGER IF EXISTS entry_never_deleted")
    op.drop_index('uq_entry_one_awaiting', table_name='entry')
    with op.batch_alter_table('entry', schema=None, recreate='always') as batch_op:
        batch_op.drop_column('session_id')
    awaiting = sa.text("status = 'awaiting'")
    op.create_index('uq_entry_one_awaiting', 'entry', ['person_id', 'item_id'], unique=True, sqlite_where=awaiting)
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


def downgrade():
    op.drop_index(op.f('ix_entry_session_id'), table_name='entry')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f('fk_entry_session_id_training_session'), 'entry', type_='foreignkey')
        op.drop_column('entry', 'session_id')
    else:
        _drop_session_id_sqlite()
    with op.batch_alter_table('training_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_session_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_training_session_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_training_session_item_id'))
    op.drop_table('training_session')
