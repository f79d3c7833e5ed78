"""The sign-off queue's order: entries awaiting a decision, oldest first, on an index of their own (issue 19).

An admin's queue is every awaiting entry in the organisation: its first page sorted all of them (50,000 at
30,000 people, 0.44 s on SQLite); on this index it reads the oldest fifty (under a millisecond). The index holds
the person and item too, so a page further on finds its place without reading the entries it passes.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_entry_awaiting_queue', 'entry', ['recorded_at', 'id', 'person_id', 'item_id'], unique=False,
                    sqlite_where=sa.text("status = 'awaiting'"), postgresql_where=sa.text("status = 'awaiting'"))


def downgrade():
    op.drop_index('ix_entry_awaiting_queue', table_name='entry',
                  sqlite_where=sa.text("status = 'awaiting'"), postgresql_where=sa.text("status = 'awaiting'"))
