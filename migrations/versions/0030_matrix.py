"""The team matrix of a big team, afresh (issue 19): two indexes.

- A team's entries with a certificate's own expiry, by person: the matrix asks which of its people's subjects the
  chain rule reads whole, and SQLite answered by reading every entry of those people (300 people: 39,000 entries,
  13–18 ms, twice a page); on this partial index it reads the few there are (under a millisecond).
- Person (active, job role): the team page's job-role filter offers every active person's role; it read and sorted
  all 30,000 people (30 ms), and now steps down this index a role at a time.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

CERTIFICATE = "certificate_expires_on IS NOT NULL"


def upgrade():
    op.create_index('ix_entry_person_certificate', 'entry', ['person_id', 'item_id'], unique=False,
                    sqlite_where=sa.text(CERTIFICATE), postgresql_where=sa.text(CERTIFICATE))
    op.create_index('ix_person_active_job_role', 'person', ['active', 'job_role'], unique=False)


def downgrade():
    op.drop_index('ix_person_active_job_role', table_name='person')
    op.drop_index('ix_entry_person_certificate', table_name='entry',
                  sqlite_where=sa.text(CERTIFICATE), postgresql_where=sa.text(CERTIFICATE))
