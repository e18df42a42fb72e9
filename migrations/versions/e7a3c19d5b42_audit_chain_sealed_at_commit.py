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

# The seal of a committing transaction's events, in one round trip (PostgreSQL; SQLite does the
# same in Python, services/audit.py): take the chain lock, read the head, chain each event —
# the SHA-256 of its payload with the previous hash put in its place, the payload serialised
# by the application beforehand (domain/audit_chain.payload_around_prev) — and write the live
# events, so that their ids follow the chain. A volatile PL/pgSQL function takes a new snapshot
# for each statement, so the head read after the lock is the last one committed. The lock key
# 0x41504543, the one the code before this migration took (services/audit.py).
SEAL_FUNCTION = r"""
CREATE FUNCTION audit_seal(event_ids integer[], befores text[], afters text[],
                           live_event_ids integer[], live_extras json)
RETURNS json LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    sealed json[] := '{}';
    live_ids bigint[] := '{}';
    new_hash text;
    new_live bigint;
    i integer;
BEGIN
    PERFORM pg_advisory_xact_lock(1095779651);
    SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a
     WHERE a.seq IS NOT NULL ORDER BY a.seq DESC LIMIT 1;
    IF head_seq IS NULL THEN
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    FOR i IN 1 .. coalesce(array_length(event_ids, 1), 0) LOOP
        new_hash := encode(sha256(convert_to(befores[i] || head_hash || afters[i], 'UTF8')),
                           'hex');
        UPDATE audit_events SET seq = head_seq + 1, prev_hash = head_hash, hash = new_hash
         WHERE id = event_ids[i];
        sealed := sealed || json_build_array(event_ids[i], head_seq + 1, head_hash, new_hash);
        head_seq := head_seq + 1;
        head_hash := new_hash;
    END LOOP;
    FOR i IN 1 .. coalesce(array_length(live_event_ids, 1), 0) LOOP
        INSERT INTO live_events (occurred_at, audit_event_id, document_id, kind, clause_id,
                                 proposal_id, clause_number, audience_economy_id,
                                 audience_secretariat)
        SELECT a.occurred_at, a.id, a.document_id, a.kind, a.clause_id, a.proposal_id,
               live_extras -> (i - 1) ->> 0, (live_extras -> (i - 1) ->> 1)::integer,
               (live_extras -> (i - 1) ->> 2)::boolean
          FROM audit_events a WHERE a.id = live_event_ids[i]
        RETURNING id INTO new_live;
        live_ids := live_ids || new_live;
    END LOOP;
    RETURN json_build_object('events', to_json(sealed), 'live_ids', to_json(live_ids));
END
$$
"""


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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEAL_FUNCTION)


def downgrade():
    # Only possible while id order is still chain order (as verify-audit on the old code
    # would require); events never sealed cannot be kept.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_seal(integer[], text[], text[], integer[], json)")
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
