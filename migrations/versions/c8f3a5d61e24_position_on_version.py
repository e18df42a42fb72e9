"""positions.on_version: the clause version each position was given on

Revision ID: c8f3a5d61e24
Revises: b4d1e7a2c950
Create Date: 2026-12-07 12:50:00

Written by hand. A position records the clause version it was given on, so that a position
given on an older wording is shown "on v1" and no longer counts as agreement.

Backfill of existing positions, best evidence first:

1. the newest `position.set` audit event of that clause and economy: `set_position` has recorded
   the clause's version (`clause_version`) in it since positions exist, and a position row is
   exactly what its newest `position.set` event says (clearing deletes the row);
2. failing that (an event without the field), the version that was current when the position
   was recorded: the highest clause version created no later than the position's `updated_at`;
3. failing that, the clause's current version — the position is then treated as given on the
   current text, which is what the application did before this column existed (nothing is
   marked stale that was not before).

Downgrading drops the column; the audit events still hold the versions.
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8f3a5d61e24'
down_revision = 'b4d1e7a2c950'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_version', sa.Integer(), nullable=True))
    connection = op.get_bind()
    from_events: dict[tuple[int, str], int] = {}
    for clause_id, data in connection.execute(sa.text(
            "SELECT clause_id, data FROM audit_events WHERE kind = 'position.set' "
            "AND clause_id IS NOT NULL ORDER BY id")):
        try:
            facts = json.loads(data or "{}")
        except ValueError:
            continue
        version = facts.get("clause_version") if isinstance(facts, dict) else None
        if isinstance(version, int) and isinstance(facts.get("economy"), str):
            from_events[(clause_id, facts["economy"])] = version  # the newest one wins
    positions = connection.execute(sa.text(
        "SELECT p.id, p.clause_id, e.code, p.updated_at, c.version FROM positions AS p "
        "JOIN economies AS e ON e.id = p.economy_id JOIN clauses AS c ON c.id = p.clause_id"
    )).all()
    for position_id, clause_id, code, updated_at, current in positions:
        version = from_events.get((clause_id, code))
        if version is None:
            version = connection.execute(sa.text(
                "SELECT max(number) FROM clause_versions WHERE clause_id = :clause "
                "AND created_at <= :moment"), {"clause": clause_id, "moment": updated_at}
            ).scalar()
        if version is None or version > current:
            version = current
        connection.execute(sa.text("UPDATE positions SET on_version = :version WHERE id = :id"),
                           {"version": version, "id": position_id})
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.alter_column('on_version', existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('on_version')
