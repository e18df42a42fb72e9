"""desk marks: where each secretariat user last marked a document's merge desk as seen

Revision ID: b8d4f2a91c6e
Revises: d5d5d0517118
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import drafting.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'b8d4f2a91c6e'
down_revision = 'd5d5d0517118'
branch_labels = None
depends_on = None


def upgrade():
    # One row per (user, document), made the first time the user marks that desk as seen.
    op.create_table('desk_marks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_desk_marks_document_id_documents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_desk_marks_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'document_id', name=op.f('pk_desk_marks'))
    )


def downgrade():
    # Loses only the "seen" marks: every proposal reads as new to every desk again.
    op.drop_table('desk_marks')
