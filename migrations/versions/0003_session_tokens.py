"""Session tokens: part of the signed-in cookie, renewed on sign-out and on a
password change, so that every other session of that person ends with it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 01:52:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('session_token')
