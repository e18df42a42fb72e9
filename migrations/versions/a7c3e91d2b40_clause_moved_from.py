"""clauses.moved_from_clause_id, moved_from_number: where a Chair's statement paragraph came from;
documents.open_for_comment: a Chair's statement opened to economies' proposals

Revision ID: a7c3e91d2b40
Revises: 6a1f0c3e9b27
Create Date: 2026-12-07 10:55:00

Written by hand. A paragraph moved into a Chair's statement is a new clause there; returning it
to the statement needs the clause it was copied from (and the page shows "formerly OP3"). Both
columns are nullable: only clauses of a Chair's statement have them. Existing Chair's statement
clauses get them from their "clause.moved_to_chair_statement" audit events, which have recorded
the source clause, its number and the new clause since the move exists. Downgrading drops them;
the audit events still hold the same facts.

A Chair's statement is the Chair's own text and takes no proposals unless the secretariat opens
it for comment: `documents.open_for_comment`, false for every existing document (nothing was
ever opened).
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d2b40'
down_revision = '6a1f0c3e9b27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_from_clause_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moved_from_number', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_clauses_moved_from_clause_id_clauses'),
                                    'clauses', ['moved_from_clause_id'], ['id'])
    connection = op.get_bind()
    events = connection.execute(sa.text(
        "SELECT clause_id, data FROM audit_events "
        "WHERE kind = 'clause.moved_to_chair_statement' ORDER BY id")).all()
    for source_clause_id, data in events:
        facts = json.loads(data or "{}")
        new_clause_id = facts.get("new_clause_id")
        if source_clause_id is None or not isinstance(new_clause_id, int):
            continue
        connection.execute(
            sa.text("UPDATE clauses SET moved_from_clause_id = :source, "
                    "moved_from_number = :number WHERE id = :new AND EXISTS "
                    "(SELECT 1 FROM clauses AS s WHERE s.id = :source)"),
            {"source": source_clause_id, "number": str(facts.get("from_number") or "")[:20]
             or None, "new": new_clause_id})
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_for_comment', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('open_for_comment')
    with op.batch_alter_table('clauses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_clauses_moved_from_clause_id_clauses'),
                                 type_='foreignkey')
        batch_op.drop_column('moved_from_number')
        batch_op.drop_column('moved_from_clause_id')
