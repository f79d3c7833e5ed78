"""Imports of historic completions kept as one thing (file, who, when, how many), each imported entry
pointing to its import, so that a bad import is revoked in one action

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=120), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=False),
        sa.Column('imported_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('entry_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['person.id'], name=op.f('fk_import_batch_imported_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch')),
    )
    op.create_table(
        'import_batch_entry',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('import_batch_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_import_batch_entry_entry_id_entry')),
        sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'],
                                name=op.f('fk_import_batch_entry_import_batch_id_import_batch')),
        sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_import_batch_entry')),
    )
    with op.batch_alter_table('import_batch_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batch_entry_import_batch_id'), ['import_batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_batch_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_entry_import_batch_id'))
    op.drop_table('import_batch_entry')
    op.drop_table('import_batch')
