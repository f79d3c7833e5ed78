"""The kept dates' two ranges hold the person too (issue 19, the whole organisation's team page).

The team page counts who lapses next, and who is out of compliance, person by person over the ranges of
ix_item_dates_expiry and ix_item_dates_due: without the person in the index each of those rows (560,000 expiring
within 90 days at 30,000 people) was read from the table as well. The same indexes, the person added last.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

EXPIRY = 'completed_on IS NOT NULL AND expires_on IS NOT NULL'
DUE = 'completed_on IS NULL'


def _indexes(extra: list[str]) -> None:
    op.create_index('ix_item_dates_expiry', 'item_dates', ['expires_on', 'team_id', 'item_id', *extra], unique=False,
                    sqlite_where=sa.text(EXPIRY), postgresql_where=sa.text(EXPIRY))
    op.create_index('ix_item_dates_due', 'item_dates', ['due_on', 'team_id', 'item_id', *extra], unique=False,
                    sqlite_where=sa.text(DUE), postgresql_where=sa.text(DUE))


def _drop() -> None:
    op.drop_index('ix_item_dates_due', table_name='item_dates')
    op.drop_index('ix_item_dates_expiry', table_name='item_dates')


def upgrade():
    _drop()
    _indexes(['person_id'])


def downgrade():
    _drop()
    _indexes([])
