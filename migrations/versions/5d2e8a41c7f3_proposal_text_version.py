"""proposal text_version: a counter of the wording a proposal would produce

Revision ID: 5d2e8a41c7f3
Revises: 4c2e8d1a6f35
Create Date: 2026-12-07 07:10:00

Written by hand. The merge desk sends the counter it showed with a decision, so a decision on
wording that was rebased, revised or put in conflict meanwhile is refused (services/decisions.py).
Existing proposals start at 1, as new ones do.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e8a41c7f3'
down_revision = '4c2e8d1a6f35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('text_version')
