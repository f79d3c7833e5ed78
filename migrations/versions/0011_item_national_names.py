"""Subjects: the national names an item answers to (NHS|CSTF|Fire Safety - 2 Years|), one row a name with
the normalised form imports match on exactly; and a code unique among the live items of a passport

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LIVE_CODE = sa.text("code IS NOT NULL AND archived_at IS NULL")


def upgrade():
    op.create_table(
        'item_national_name',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('normalised', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_national_name_item_id_item')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_national_name')),
        sa.UniqueConstraint('item_id', 'normalised', name=op.f('uq_item_national_name_item_id')),
    )
    with op.batch_alter_table('item_national_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_national_name_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_national_name_normalised'), ['normalised'], unique=False)
    # A code is unique within a passport, among its live items (an archived item keeps its code).
    op.create_index('uq_item_code_live', 'item', ['template_id', 'code'], unique=True,
                    sqlite_where=LIVE_CODE, postgresql_where=LIVE_CODE)


def downgrade():
    op.drop_index('uq_item_code_live', table_name='item')
    with op.batch_alter_table('item_national_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_national_name_normalised'))
        batch_op.drop_index(batch_op.f('ix_item_national_name_item_id'))
    op.drop_table('item_national_name')
