"""Qualifications (issue 17): an item's refresher (its title and description) and grace in months; whether an
entry is the initial activity or the refresher, and a certificate's own expiry; credit across passports
("holding X counts as Y": a source item or a named qualification, and the items it satisfies).

The entry table keeps its triggers (decisions are final, never deleted): its columns are added in place, never
by rebuilding the table. PostgreSQL gets the new CHECK constraints by name; SQLite cannot add a CHECK to an
existing table without rebuilding it, so there the forms and services are what keep those values sensible.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 03:36:10

"""
from alembic import op
import sqlalchemy as sa

import skillpass.models._types


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_item_id', sa.Integer(), nullable=True),
    sa.Column('source_qualification', sa.String(length=200), nullable=False),
    sa.Column('source_key', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', skillpass.models._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', skillpass.models._types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(source_item_id IS NULL) <> (source_qualification = '')", name=op.f('ck_credit_mapping_one_source')),
    sa.CheckConstraint("source_qualification = '' OR source_key <> ''", name=op.f('ck_credit_mapping_qualification_has_key')),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_credit_mapping_created_by_id_person')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['person.id'], name=op.f('fk_credit_mapping_ended_by_id_person')),
    sa.ForeignKeyConstraint(['source_item_id'], ['item.id'], name=op.f('fk_credit_mapping_source_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_mapping'))
    )
    with op.batch_alter_table('credit_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_mapping_source_item_id'), ['source_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_mapping_source_key'), ['source_key'], unique=False)

    op.create_table('credit_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mapping_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_credit_target_item_id_item')),
    sa.ForeignKeyConstraint(['mapping_id'], ['credit_mapping.id'], name=op.f('fk_credit_target_mapping_id_credit_mapping')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_target')),
    sa.UniqueConstraint('mapping_id', 'item_id', name='uq_credit_target')
    )
    with op.batch_alter_table('credit_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_target_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_target_mapping_id'), ['mapping_id'], unique=False)

    op.add_column('entry', sa.Column('activity', sa.String(length=20), server_default='initial', nullable=False))
    op.add_column('entry', sa.Column('certificate_expires_on', sa.Date(), nullable=True))
    op.add_column('item', sa.Column('refresher_title', sa.String(length=200), server_default='', nullable=False))
    op.add_column('item', sa.Column('refresher_description', sa.Text(), server_default='', nullable=False))
    op.add_column('item', sa.Column('grace_months', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_entry_certificate_expiry', 'entry', ['certificate_expires_on'],
                    sqlite_where=sa.text('certificate_expires_on IS NOT NULL'),
                    postgresql_where=sa.text('certificate_expires_on IS NOT NULL'))
    op.create_index('ix_entry_refresher', 'entry', ['activity'], sqlite_where=sa.text("activity = 'refresher'"),
                    postgresql_where=sa.text("activity = 'refresher'"))
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(op.f('ck_entry_entry_activity'), 'entry', "activity IN ('initial', 'refresher')")
        op.create_check_constraint(op.f('ck_entry_certificate_expires_after_completion'), 'entry',
                                   'certificate_expires_on IS NULL OR certificate_expires_on > completed_on')
        op.create_check_constraint(op.f('ck_item_grace_not_negative'), 'item', 'grace_months >= 0')
        op.create_check_constraint(op.f('ck_item_refresher_needs_frequency'), 'item',
                                   "refresher_title = '' OR frequency_months IS NOT NULL")



def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, name in (('item', 'ck_item_refresher_needs_frequency'), ('item', 'ck_item_grace_not_negative'),
                            ('entry', 'ck_entry_certificate_expires_after_completion'),
                            ('entry', 'ck_entry_entry_activity')):
            op.drop_constraint(op.f(name), table, type_='check')
    op.drop_index('ix_entry_refresher', table_name='entry')
    op.drop_index('ix_entry_certificate_expiry', table_name='entry')
    for column in ('grace_months', 'refresher_description', 'refresher_title'):
        op.drop_column('item', column)
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('entry', 'certificate_expires_on')
        op.drop_column('entry', 'activity')
    else:
        # SQLite drops a column in place (3.35+) unless something refers to it: nothing here does.
        op.execute('ALTER TABLE entry DROP COLUMN certificate_expires_on')
        op.execute('ALTER TABLE entry DROP COLUMN activity')

    with op.batch_alter_table('credit_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_target_mapping_id'))
        batch_op.drop_index(batch_op.f('ix_credit_target_item_id'))

    op.drop_table('credit_target')
    with op.batch_alter_table('credit_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_mapping_source_key'))
        batch_op.drop_index(batch_op.f('ix_credit_mapping_source_item_id'))

    op.drop_table('credit_mapping')
