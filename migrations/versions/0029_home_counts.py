"""The kept dates added up by team and item, and by team and passport, for each build against a cutoff day and
warning window (issue 19, item 1): what the admin home reads instead of every row of the kept dates; and the
index its passport ranges read.

Made empty: the admin home counts the kept dates until the job worker builds them
(services/date_counts.ensure_built), as `flask rebuild-item-dates` does too.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('date_counts_built',
    sa.Column('generation', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('built_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('generation', name=op.f('pk_date_counts_built'))
    )
    op.create_table('item_date_counts',
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('not_done', sa.Integer(), nullable=False),
    sa.Column('expired_before', sa.Integer(), nullable=False),
    sa.Column('expiring', sa.Integer(), nullable=False),
    sa.Column('overdue_before', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['generation'], ['date_counts_built.generation'],
                            name=op.f('fk_item_date_counts_generation_date_counts_built'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_date_counts_item_id_item'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('generation', 'team_id', 'item_id', name=op.f('pk_item_date_counts'))
    )
    op.create_table('passport_date_counts',
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('optional', sa.Integer(), nullable=False),
    sa.Column('stopped_before', sa.Integer(), nullable=False),
    sa.Column('expiring', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['generation'], ['date_counts_built.generation'],
                            name=op.f('fk_passport_date_counts_generation_date_counts_built'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'],
                            name=op.f('fk_passport_date_counts_template_id_passport_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('generation', 'team_id', 'template_id', name=op.f('pk_passport_date_counts'))
    )
    op.create_index('ix_passport_dates_expiry', 'passport_dates', ['first_expiry', 'template_id', 'team_id'],
                    unique=False, sqlite_where=sa.text('missing = 0 AND first_expiry IS NOT NULL'),
                    postgresql_where=sa.text('missing = 0 AND first_expiry IS NOT NULL'))


def downgrade():
    op.drop_index('ix_passport_dates_expiry', table_name='passport_dates',
                  sqlite_where=sa.text('missing = 0 AND first_expiry IS NOT NULL'),
                  postgresql_where=sa.text('missing = 0 AND first_expiry IS NOT NULL'))
    op.drop_table('passport_date_counts')
    op.drop_table('item_date_counts')
    op.drop_table('date_counts_built')
