"""The questionnaire, the qualification inventory (PRODUCT.md §6.4): questions (yes/no, or one of several
answers), their options and the passports each option recommends; people's answers, kept as history (a
changed answer is a new row and the old one is marked replaced: a trigger refuses any other change, and any
delete); recommendations (assign or end a passport) waiting for approval; and, on an assignment, the
recommendation that made it and the one that ended it, so a passport can say why it was given.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 03:48:54.031667

"""
from alembic import op
import sqlalchemy as sa

from skillpass.models._types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ASSIGNMENT_COLUMNS = ('recommendation_id', 'removed_by_recommendation_id')
ANSWER_MESSAGE = "answers are history: a changed answer is a new answer, and the old one is only marked replaced"
ANSWERED = ['person_id', 'question_id', 'option_id', 'answered_on', 'answered_at', 'answered_by_id']


def upgrade():
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('hint', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('yes_no', 'choice', name='question_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('archived_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    op.create_table('question_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_option_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_option'))
    )
    with op.batch_alter_table('question_option', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_option_question_id'), ['question_id'], unique=False)

    op.create_table('question_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('answered_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=False),
    sa.Column('replaced_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['person.id'], name=op.f('fk_question_answer_answered_by_id_person')),
    sa.ForeignKeyConstraint(['option_id'], ['question_option.id'], name=op.f('fk_question_answer_option_id_question_option')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_question_answer_person_id_person')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_answer_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_answer'))
    )
    with op.batch_alter_table('question_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_answer_option_id'), ['option_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index('uq_question_answer_live', ['person_id', 'question_id'], unique=True, sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))

    op.create_table('question_option_passport',
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['question_option.id'], name=op.f('fk_question_option_passport_option_id_question_option')),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'], name=op.f('fk_question_option_passport_template_id_passport_template')),
    sa.PrimaryKeyConstraint('option_id', 'template_id', name=op.f('pk_question_option_passport'))
    )
    with op.batch_alter_table('question_option_passport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_option_passport_template_id'), ['template_id'], unique=False)

    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('assign', 'end', name='recommendation_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'superseded', name='recommendation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=200), nullable=False),
    sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['question_answer.id'], name=op.f('fk_recommendation_answer_id_question_answer')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_recommendation_decided_by_id_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_recommendation_person_id_person')),
    sa.ForeignKeyConstraint(['template_id'], ['passport_template.id'], name=op.f('fk_recommendation_template_id_passport_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_template_id'), ['template_id'], unique=False)
        batch_op.create_index('uq_recommendation_pending', ['person_id', 'template_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    # Plain ADD COLUMNs (SQLite accepts their REFERENCES clause), as in 0005: no table rebuild, so
    # assignment's partial unique index stays exactly as it is.
    for column in ASSIGNMENT_COLUMNS:
        name = f'fk_assignment_{column}_recommendation'
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE assignment ADD COLUMN {column} INTEGER'
                       f' CONSTRAINT {name} REFERENCES recommendation (id)')
        else:
            op.add_column('assignment', sa.Column(column, sa.Integer(),
                                                  sa.ForeignKey('recommendation.id', name=op.f(name)), nullable=True))

    # A person's answers are history: the one change allowed is marking a live answer replaced.
    if op.get_bind().dialect.name == 'postgresql':
        changed = ' OR '.join(f'NEW.{c} IS DISTINCT FROM OLD.{c}' for c in ANSWERED)
        op.execute(f"""
            CREATE FUNCTION question_answer_kept() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR OLD.replaced_at IS NOT NULL OR NEW.replaced_at IS NULL OR {changed} THEN
                    RAISE EXCEPTION '{ANSWER_MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER question_answer_kept BEFORE UPDATE OR DELETE ON question_answer
            FOR EACH ROW EXECUTE FUNCTION question_answer_kept()
        """)
    else:
        changed = ' OR '.join(f'NEW.{c} IS NOT OLD.{c}' for c in ANSWERED)
        op.execute(f"""
            CREATE TRIGGER question_answer_kept BEFORE UPDATE ON question_answer
            WHEN OLD.replaced_at IS NOT NULL OR NEW.replaced_at IS NULL OR {changed}
            BEGIN SELECT RAISE(ABORT, '{ANSWER_MESSAGE}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER question_answer_never_deleted BEFORE DELETE ON question_answer
            BEGIN SELECT RAISE(ABORT, '{ANSWER_MESSAGE}'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS question_answer_kept ON question_answer')
        op.execute('DROP FUNCTION IF EXISTS question_answer_kept()')
        for column in reversed(ASSIGNMENT_COLUMNS):
            op.drop_constraint(op.f(f'fk_assignment_{column}_recommendation'), 'assignment', type_='foreignkey')
    else:
        op.execute('DROP TRIGGER IF EXISTS question_answer_never_deleted')
        op.execute('DROP TRIGGER IF EXISTS question_answer_kept')
    for column in reversed(ASSIGNMENT_COLUMNS):
        op.drop_column('assignment', column)

    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index('uq_recommendation_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_recommendation_template_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_person_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_answer_id'))

    op.drop_table('recommendation')
    with op.batch_alter_table('question_option_passport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_option_passport_template_id'))

    op.drop_table('question_option_passport')
    with op.batch_alter_table('question_answer', schema=None) as batch_op:
        batch_op.drop_index('uq_question_answer_live', sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_question_answer_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_answer_person_id'))
        batch_op.drop_index(batch_op.f('ix_question_answer_option_id'))

    op.drop_table('question_answer')
    with op.batch_alter_table('question_option', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_option_question_id'))

    op.drop_table('question_option')
    op.drop_table('question')
