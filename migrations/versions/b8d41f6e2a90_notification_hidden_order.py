"""notifications: a hidden creation-order key, so their ids can be random

Revision ID: b8d41f6e2a90
Revises: a7c3e91d2b40
Create Date: 2026-12-07 12:50:00

Written by hand. A delegate sees the ids of their own notifications (`/notifications/<id>/open`,
the API's list). Taken from one sequence shared by every user, the gap between two of them
counted the notifications everyone else received in between — the secretariat's "new proposal"
notices among them, which follow proposals not yet circulated. New notifications now get random
ids (drafting/models/hidden_order.py), and creation order is `seq`. Existing rows keep their ids,
which were made in creation order: `seq` starts as a copy of `id`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d41f6e2a90'
down_revision = 'a7c3e91d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    op.execute('UPDATE notifications SET seq = id')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_notifications_seq'), ['seq'], unique=False)


def downgrade():
    # Upgrading again orders rows that already have random ids by id; the code before this
    # revision ordered ties of created_at by id anyway.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_seq'))
        batch_op.drop_column('seq')
