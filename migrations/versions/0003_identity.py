"""identity: blocking keys, match records, stored match model, review tasks, not-same pairs

Revision ID: 0003_identity
Revises: 0002_recognition
Create Date: 2026-11-23 10:27:09.748104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003_identity"
down_revision = "0002_recognition"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model', sa.JSON(), nullable=False),
    sa.Column('merge_threshold', sa.Float(), nullable=False),
    sa.Column('trained_on', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_model'))
    )
    op.create_table('not_same_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_a_id', sa.Integer(), nullable=False),
    sa.Column('profile_b_id', sa.Integer(), nullable=False),
    sa.Column('by', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['profile_a_id'], ['guest_profile.id'], name=op.f('fk_not_same_pair_profile_a_id_guest_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_b_id'], ['guest_profile.id'], name=op.f('fk_not_same_pair_profile_b_id_guest_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_not_same_pair')),
    sa.UniqueConstraint('profile_a_id', 'profile_b_id', name=op.f('uq_not_same_pair_profile_a_id_profile_b_id'))
    )
    with op.batch_alter_table('not_same_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_not_same_pair_profile_a_id'), ['profile_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_not_same_pair_profile_b_id'), ['profile_b_id'], unique=False)

    op.create_table('profile_blocking_key',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['guest_profile.id'], name=op.f('fk_profile_blocking_key_profile_id_guest_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'key', name=op.f('pk_profile_blocking_key'))
    )
    with op.batch_alter_table('profile_blocking_key', schema=None) as batch_op:
        batch_op.create_index('ix_profile_blocking_key_key', ['key'], unique=False)

    op.create_table('profile_match_record',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('records', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['guest_profile.id'], name=op.f('fk_profile_match_record_profile_id_guest_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', name=op.f('pk_profile_match_record'))
    )
    op.create_table('review_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_a_id', sa.Integer(), nullable=False),
    sa.Column('profile_b_id', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('property_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=255), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['profile_a_id'], ['guest_profile.id'], name=op.f('fk_review_task_profile_a_id_guest_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_b_id'], ['guest_profile.id'], name=op.f('fk_review_task_profile_b_id_guest_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['property_id'], ['property.id'], name=op.f('fk_review_task_property_id_property')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_task')),
    sa.UniqueConstraint('profile_a_id', 'profile_b_id', name=op.f('uq_review_task_profile_a_id_profile_b_id'))
    )
    with op.batch_alter_table('review_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_task_profile_a_id'), ['profile_a_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_task_profile_b_id'), ['profile_b_id'], unique=False)
        batch_op.create_index('ix_review_task_status', ['status', 'probability'], unique=False)



def downgrade():
    with op.batch_alter_table('review_task', schema=None) as batch_op:
        batch_op.drop_index('ix_review_task_status')
        batch_op.drop_index(batch_op.f('ix_review_task_profile_b_id'))
        batch_op.drop_index(batch_op.f('ix_review_task_profile_a_id'))

    op.drop_table('review_task')
    op.drop_table('profile_match_record')
    with op.batch_alter_table('profile_blocking_key', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_blocking_key_key')

    op.drop_table('profile_blocking_key')
    with op.batch_alter_table('not_same_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_not_same_pair_profile_b_id'))
        batch_op.drop_index(batch_op.f('ix_not_same_pair_profile_a_id'))

    op.drop_table('not_same_pair')
    op.drop_table('match_model')
