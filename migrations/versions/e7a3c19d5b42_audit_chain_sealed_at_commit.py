"""audit chain sealed at commit: events take their place (seq) and hashes when they commit

Revision ID: e7a3c19d5b42
Revises: b8d4f2a91c6e
Create Date: 2026-12-07 15:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c19d5b42'
down_revision = 'b8d4f2a91c6e'
branch_labels = None
depends_on = None

# The condition of models/audit.PAGE_RELEVANT_GENERAL_EVENT at the time of this migration.
PAGE_RELEVANT_GENERAL_EVENT = ("document_id IS NULL AND kind NOT LIKE 'auth.%' "
                               "AND kind NOT LIKE 'token.%'")


def upgrade():
    # Until now events were appended under a lock held from the first event to the commit, so
    # id order was chain order: the existing chain keeps its order as seq = id.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
    op.execute("UPDATE audit_events SET seq = id")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
        # Written unsealed (empty) by the use case, sealed by its commit.
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index('ix_audit_events_document_id_seq', ['document_id', 'seq'],
                              unique=False)
        batch_op.drop_index('ix_audit_events_page_relevant_general')
        batch_op.create_index('ix_audit_events_page_relevant_general', ['seq'], unique=False,
                              postgresql_where=sa.text(PAGE_RELEVANT_GENERAL_EVENT),
                              sqlite_where=sa.text(PAGE_RELEVANT_GENERAL_EVENT))


def downgrade():
    # Only possible while id order is still chain order (as verify-audit on the old code
    # would require); events never sealed cannot be kept.
    op.execute("DELETE FROM audit_events WHERE seq IS NULL")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_page_relevant_general')
        batch_op.create_index('ix_audit_events_page_relevant_general', ['id'], unique=False,
                              postgresql_where=sa.text(PAGE_RELEVANT_GENERAL_EVENT),
                              sqlite_where=sa.text(PAGE_RELEVANT_GENERAL_EVENT))
        batch_op.drop_index('ix_audit_events_document_id_seq')
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('seq')
