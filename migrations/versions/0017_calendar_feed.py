"""A private calendar feed per person: the secret in its address, kept with its SHA-256 (what the feed is
looked up by); resetting the address replaces the row's values, so the old address answers 404.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_feed',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('token_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_calendar_feed_person_id_person')),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_calendar_feed')),
        sa.UniqueConstraint('token_key', name=op.f('uq_calendar_feed_token_key')),
    )


def downgrade():
    op.drop_table('calendar_feed')
