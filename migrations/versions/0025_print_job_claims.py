"""Background jobs on a job library (issue 19, part A): a bulk print is claimed by one worker at a time.

``attempts`` counts the claims (a conditional UPDATE raises it: two workers never make one print at once, and
one that lost its claim writes nothing more), ``claimed_by`` names the worker ("host:pid:token"), ``enqueued_at``
when the print was last handed to the queue (a stranded one is handed again).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 10:10:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('enqueued_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('base_url', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_column('base_url')
        batch_op.drop_column('enqueued_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('attempts')
