"""What email each person chooses to receive (decisions on their entries, their weekly digest, and for
educators the queue digest and the monthly lapse summary; no row: all on), and the secret of their one-click
unsubscribe links, kept with its SHA-256 (what a link is found by).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-12 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'email_preference',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('decisions', sa.Boolean(), nullable=False),
        sa.Column('learner_digest', sa.Boolean(), nullable=False),
        sa.Column('queue_digest', sa.Boolean(), nullable=False),
        sa.Column('lapse_summary', sa.Boolean(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('token_key', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_email_preference_person_id_person')),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_email_preference')),
        sa.UniqueConstraint('token_key', name=op.f('uq_email_preference_token_key')),
    )


def downgrade():
    op.drop_table('email_preference')
