"""Bulk prints remember when they last moved on, so one whose worker was restarted is
reported as stopped rather than shown as running for ever

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 10:45:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progressed_at', UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_column('progressed_at')
