"""Single sign-on (OpenID Connect): a person remembers the provider's subject they signed in with, and when
they last signed in that way. "Password sign-in off for people who use single sign-on" is a Setting row,
not a column.

People are matched by their verified email address, never by the subject (which changes when the
organisation registers SkillPass anew at its provider): the subject is kept to show which account it was.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sso_signed_in_at', UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('sso_signed_in_at')
        batch_op.drop_column('sso_subject')
