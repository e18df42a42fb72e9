"""live updates: live_events, the replay log of changes open pages should show

Revision ID: 3f1d2a7c9b01
Revises: ebc7c60d4c0e
Create Date: 2026-11-27 12:45:00

Written by hand. Rows are written by services/live.py in the transaction of each audit
event naming a document.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1d2a7c9b01'
down_revision = 'ebc7c60d4c0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'live_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('clause_id', sa.Integer(), nullable=True),
        sa.Column('proposal_id', sa.Integer(), nullable=True),
        sa.Column('clause_number', sa.String(length=40), nullable=True),
        sa.Column('audience_economy_id', sa.Integer(), nullable=True),
        sa.Column('audience_secretariat', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'],
                                name=op.f('fk_live_events_audit_event_id_audit_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events')),
    )
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.create_index('ix_live_events_document_id_id', ['document_id', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.drop_index('ix_live_events_document_id_id')
    op.drop_table('live_events')
