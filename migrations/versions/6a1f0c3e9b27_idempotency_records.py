"""idempotency records: an API write's answer kept under the client's Idempotency-Key

Revision ID: 6a1f0c3e9b27
Revises: 0033cb34171c
Create Date: 2026-12-07 11:00:00

Written by hand. A client that retries a POST with the same Idempotency-Key within 24 hours
gets the first answer back instead of a second write (services/idempotency.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a1f0c3e9b27'
down_revision = '0033cb34171c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=2048), nullable=False),
        sa.Column('request_sha256', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=200), nullable=True),
        sa.Column('location', sa.String(length=2048), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_idempotency_records_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
        sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_records_user_key'),
    )
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_records_created_at'), ['created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_records_created_at'))
    op.drop_table('idempotency_records')
