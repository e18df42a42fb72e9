"""proposals.section_id: an insertion at the start of a section

Revision ID: 4c2e8d1a6f35
Revises: 9b1f64f9c60a
Create Date: 2026-12-07 06:40:00

A new paragraph a delegation types right under a section heading is a proposal to open that
section. `after_clause_id` alone cannot say so: "after the last clause of Goal 1" and "before
the first clause of Goal 2" name the same clause. The column is nullable and set only for
such insertions, so every existing row keeps its meaning. Downgrading drops it: an open
insertion at the start of a section then reads as an insertion after the clause before it
(the end of the previous section), which is where it was shown all along.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c2e8d1a6f35'
down_revision = '9b1f64f9c60a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_proposals_section_id_sections'),
                                    'sections', ['section_id'], ['id'])


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposals_section_id_sections'),
                                 type_='foreignkey')
        batch_op.drop_column('section_id')
