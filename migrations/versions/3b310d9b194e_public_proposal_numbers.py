"""public proposal numbers

Proposals get a number in their document ("proposal #12") when everyone may first see them
(drafting/services/proposal_numbers.py). Existing proposals that everyone sees already are
numbered here in the order they became visible (circulated, else decided), then creation order.

On PostgreSQL each numbered document gets its sequence `proposal_numbers_<id>`, starting after
its highest number (services/proposal_numbers.py makes the others on first use).

The column is added and the uniqueness is an index, not a table constraint, so SQLite does not
rebuild `proposals` (which would drop its full-text triggers, migration d5d5d0517118).

Revision ID: 3b310d9b194e
Revises: e6a1c9d4b7f2
Create Date: 2026-12-07 21:35:44.609171

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b310d9b194e'
down_revision = 'e6a1c9d4b7f2'
branch_labels = None
depends_on = None

# The statuses by which a proposal entered the text, seen by everyone even if never circulated
# (drafting/services/visibility.py at the time of writing).
IN_TEXT = ("accepted", "accepted_modified", "option")


def upgrade():
    op.add_column('proposals', sa.Column('number', sa.Integer(), nullable=True))
    op.create_index('uq_proposals_document_id_number', 'proposals', ['document_id', 'number'],
                    unique=True)
    _number_what_everyone_sees()


def _number_what_everyone_sees():
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, document_id, status, circulated_at, decided_at, seq FROM proposals "
        "WHERE status <> 'draft' ORDER BY document_id")).all()
    public = [r for r in rows if r.circulated_at is not None or r.status in IN_TEXT]
    public.sort(key=lambda r: (r.document_id, str(r.circulated_at or r.decided_at), r.seq, r.id))
    last: dict[int, int] = {}
    for row in public:
        last[row.document_id] = last.get(row.document_id, 0) + 1
        connection.execute(sa.text("UPDATE proposals SET number = :n WHERE id = :id"),
                           {"n": last[row.document_id], "id": row.id})
    if connection.dialect.name == "postgresql":
        for document_id, number in last.items():
            op.execute(f"CREATE SEQUENCE proposal_numbers_{int(document_id)} "
                       f"START WITH {int(number) + 1}")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for (name,) in connection.execute(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
                "AND sequencename LIKE 'proposal\\_numbers\\_%'")).all():
            op.execute(f'DROP SEQUENCE "{name}"')
    op.drop_index('uq_proposals_document_id_number', table_name='proposals')
    # Dropped in place (SQLite 3.35+), not by a table copy that would lose the search triggers.
    op.execute("ALTER TABLE proposals DROP COLUMN number")
