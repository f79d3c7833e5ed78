"""Transferable, verifiable passports (issue 18): the organisation's signing keys (the private half sealed with
a key derived from the secret key; one signs at a time), the short links printed passports carry to the public
verify page (one live per person), trusted issuers with their pinned keys (one live per issuer id), the
credentials brought in from them beside the entries they made, and on the entry, whether it came as a verified
credential.

The entry table keeps its triggers (decisions are final, never deleted): its column is added in place.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 06:38:37.094919

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('public_jwk', sa.Text(), nullable=False),
    sa.Column('private_sealed', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_by_id', sa.Integer(), nullable=True),
    sa.Column('current', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_signing_key_created_by_id_person')),
    sa.ForeignKeyConstraint(['retired_by_id'], ['person.id'], name=op.f('fk_signing_key_retired_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_key')),
    sa.UniqueConstraint('current', name=op.f('uq_signing_key_current')),
    sa.UniqueConstraint('kid', name=op.f('uq_signing_key_kid'))
    )
    op.create_table('trusted_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer_id', sa.String(length=500), nullable=False),
    sa.Column('jwks', sa.Text(), nullable=False),
    sa.Column('jwks_url', sa.String(length=500), nullable=False),
    sa.Column('accepted_by_agreement', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('keys_updated_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['person.id'], name=op.f('fk_trusted_issuer_added_by_id_person')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['person.id'], name=op.f('fk_trusted_issuer_ended_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_issuer'))
    )
    with op.batch_alter_table('trusted_issuer', schema=None) as batch_op:
        batch_op.create_index('uq_trusted_issuer_live', ['issuer_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('verify_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_verify_link_created_by_id_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_verify_link_person_id_person')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['person.id'], name=op.f('fk_verify_link_withdrawn_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verify_link')),
    sa.UniqueConstraint('token', name=op.f('uq_verify_link_token'))
    )
    with op.batch_alter_table('verify_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verify_link_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_verify_link_live', ['person_id'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('imported_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('trusted_issuer_id', sa.Integer(), nullable=False),
    sa.Column('issuer_name', sa.String(length=200), nullable=False),
    sa.Column('credential_id', sa.String(length=500), nullable=False),
    sa.Column('achievement_name', sa.String(length=300), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('compact_jws', sa.Text(), nullable=False),
    sa.Column('verified_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=False),
    sa.Column('status_checked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_imported_credential_entry_id_entry')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_imported_credential_person_id_person')),
    sa.ForeignKeyConstraint(['trusted_issuer_id'], ['trusted_issuer.id'], name=op.f('fk_imported_credential_trusted_issuer_id_trusted_issuer')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['person.id'], name=op.f('fk_imported_credential_verified_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_credential')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_imported_credential_entry_id')),
    sa.UniqueConstraint('person_id', 'trusted_issuer_id', 'credential_id', name='uq_imported_credential')
    )
    with op.batch_alter_table('imported_credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_credential_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_credential_trusted_issuer_id'), ['trusted_issuer_id'], unique=False)

    op.add_column('entry', sa.Column('verified_credential', sa.Boolean(), server_default=sa.text('false'),
                                     nullable=False))



def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('entry', 'verified_credential')
    else:
        # SQLite drops a column in place (3.35+) unless something refers to it: nothing here does.
        op.execute('ALTER TABLE entry DROP COLUMN verified_credential')

    with op.batch_alter_table('imported_credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_credential_trusted_issuer_id'))
        batch_op.drop_index(batch_op.f('ix_imported_credential_person_id'))

    op.drop_table('imported_credential')
    with op.batch_alter_table('verify_link', schema=None) as batch_op:
        batch_op.drop_index('uq_verify_link_live', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_verify_link_person_id'))

    op.drop_table('verify_link')
    with op.batch_alter_table('trusted_issuer', schema=None) as batch_op:
        batch_op.drop_index('uq_trusted_issuer_live', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.drop_table('trusted_issuer')
    op.drop_table('signing_key')
