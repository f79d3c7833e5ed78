"""One awaiting entry per person and item: the database refuses a second
entry while one still waits for a decision (two clicks, two tabs).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:33:38.721198

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

AWAITING = sa.text("status = 'awaiting'")


def upgrade():
    op.create_index('uq_entry_one_awaiting', 'entry', ['person_id', 'item_id'], unique=True,
                    sqlite_where=AWAITING, postgresql_where=AWAITING)


def downgrade():
    op.drop_index('uq_entry_one_awaiting', table_name='entry')
