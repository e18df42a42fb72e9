"""document_visits: each user's last acknowledged point per document ("since your last visit")

Revision ID: b4d1e7a2c950
Revises: b8d41f6e2a90
Create Date: 2026-12-07 12:45:00

Written by hand. One row per (user, document), created on the user's first "Mark as read" (or
the page's POST once it has been read); no row means the user never acknowledged the document,
which the page and the API report as a first visit. Nothing to backfill: reading was not
recorded before. Downgrading drops the table; only the users' reading points are lost.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d1e7a2c950'
down_revision = 'b8d41f6e2a90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_visits',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_document_visits_document_id_documents')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_document_visits_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'document_id', name=op.f('pk_document_visits')),
    )


def downgrade():
    op.drop_table('document_visits')
