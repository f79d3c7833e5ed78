"""The kept dates (issue 19, item 1): per person and mandatory item, the completion counted, its expiry and the
due date; per person and passport, how many are done and the first expiry. Kept in the same transaction as every
write that changes them, so that counting a trust is a few SQL aggregates.

The tables are made empty and marked unbuilt; migrations/env.py builds them (services/item_dates.rebuild) once the
database is at the newest revision, with the rules of the code that runs the upgrade.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 10:20:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_dates',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_dates_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_item_dates_person_id_person'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'item_id', name=op.f('pk_item_dates'))
    )
    op.create_index('ix_item_dates_expiry', 'item_dates', ['expires_on', 'team_id', 'item_id'], unique=False,
                    sqlite_where=sa.text('completed_on IS NOT NULL AND expires_on IS NOT NULL'),
                    postgresql_where=sa.text('completed_on IS NOT NULL AND expires_on IS NOT NULL'))
    op.create_index('ix_item_dates_due', 'item_dates', ['due_on', 'team_id', 'item_id'], unique=False,
                    sqlite_where=sa.text('completed_on IS NULL'), postgresql_where=sa.text('completed_on IS NULL'))
    op.create_index('ix_item_dates_item', 'item_dates', ['item_id', 'completed_on'], unique=False)
    op.create_table('passport_dates',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('optional', sa.Integer(), nullable=False),
    sa.Column('first_expiry', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_passport_dates_person_id_person'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'],
                            name=op.f('fk_passport_dates_template_id_passport_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'template_id', name=op.f('pk_passport_dates'))
    )
    state = op.create_table('item_dates_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('built_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_dates_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'built_at': None}])


def downgrade():
    op.drop_table('item_dates_state')
    op.drop_table('passport_dates')
    op.drop_index('ix_item_dates_item', table_name='item_dates')
    op.drop_index('ix_item_dates_due', table_name='item_dates')
    op.drop_index('ix_item_dates_expiry', table_name='item_dates')
    op.drop_table('item_dates')
