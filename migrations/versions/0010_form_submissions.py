"""Forms taken once: the one-time token of each form that creates something (an entry,
informal learning, a person, a team, a passport, a section or item, a rule, a bulk print,
an import) is claimed in the same transaction as what it creates, so the same form sent
twice, or twenty times at once, is taken once

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('endpoint', sa.String(length=80), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_form_submission_person_id_person')),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submission')),
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_at'))
    op.drop_table('form_submission')
