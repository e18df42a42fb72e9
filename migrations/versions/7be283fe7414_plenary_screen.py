"""plenary screen: which paragraph each document shows on the chair's screen

Revision ID: 7be283fe7414
Revises: 3f1d2a7c9b01
Create Date: 2026-11-27 12:40:00

"""
from alembic import op
import sqlalchemy as sa
import drafting.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '7be283fe7414'
down_revision = '3f1d2a7c9b01'
branch_labels = None
depends_on = None


def upgrade():
    # One row per document, made the first time the secretariat puts a paragraph on screen.
    op.create_table('screen_states',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_screen_states_changed_by_id_users')),
    sa.ForeignKeyConstraint(['clause_id'], ['clauses.id'], name=op.f('fk_screen_states_clause_id_clauses')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_screen_states_document_id_documents')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_screen_states'))
    )


def downgrade():
    op.drop_table('screen_states')
