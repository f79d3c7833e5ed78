"""Large imports as jobs (issue 19, part E): an import confirmed is a row the job worker claims and makes,
batch by batch, going on where it stopped when it is handed on again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('people', 'completions', name='import_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'ready', 'failed', 'stopped', name='import_run_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('progressed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_run_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['person.id'], name=op.f('fk_import_run_requested_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_run_token'), ['token'], unique=False)


def downgrade():
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_token'))
        batch_op.drop_index(batch_op.f('ix_import_run_requested_by_id'))

    op.drop_table('import_run')
