"""The monthly trend's past month ends, kept as writes happen (issue 19, item 1): per person, passport held and
month end, how its mandatory items stood that day, and those added up by team and job role; and which month
ends are built, with which warning window.

Made empty: the job worker builds the month ends the trend shows (services/trend_months.ensure_built), and the
trend works out any month end not yet built from the entries, as it did before.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trend_months',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('month_end', sa.Date(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('job_role', sa.String(), nullable=False),
    sa.Column('complete', sa.Integer(), nullable=False),
    sa.Column('expiring', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('todo', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_trend_months_person_id_person'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'],
                            name=op.f('fk_trend_months_template_id_passport_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'template_id', 'month_end', name=op.f('pk_trend_months'))
    )
    op.create_table('trend_month_counts',
    sa.Column('month_end', sa.Date(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('job_role', sa.String(), nullable=False),
    sa.Column('complete', sa.Integer(), nullable=False),
    sa.Column('expiring', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('todo', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'],
                            name=op.f('fk_trend_month_counts_template_id_passport_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month_end', 'template_id', 'team_id', 'job_role', name=op.f('pk_trend_month_counts'))
    )
    op.create_table('trend_months_built',
    sa.Column('month_end', sa.Date(), nullable=False),
    sa.Column('warning_days', sa.Integer(), nullable=False),
    sa.Column('built_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month_end', name=op.f('pk_trend_months_built'))
    )


def downgrade():
    op.drop_table('trend_months_built')
    op.drop_table('trend_month_counts')
    op.drop_table('trend_months')
