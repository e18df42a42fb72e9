"""proposals and comments: a hidden creation-order key, so ids can be random

Revision ID: 0033cb34171c
Revises: 5d2e8a41c7f3
Create Date: 2026-12-07 10:05:00

Written by hand. New proposals and comments get random ids (drafting/models/hidden_order.py),
so that gaps between ids no longer count other economies' drafts, uncirculated proposals and
the comments on them. What relied on ids for creation order now reads `seq`. Existing rows keep
their ids, and their ids were made in creation order: `seq` starts as a copy of `id`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033cb34171c'
down_revision = '5d2e8a41c7f3'
branch_labels = None
depends_on = None

TABLES = ('proposals', 'comments')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET seq = id')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_seq'), ['seq'], unique=False)


def downgrade():
    # Loses the creation order of rows that already have random ids: upgrading again orders
    # them by id. The code before this revision ordered by id anyway.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_seq'))
            batch_op.drop_column('seq')
