"""Full-text search over clause versions, proposals and comments

Revision ID: d5d5d0517118
Revises: c8f3a5d61e24
Create Date: 2026-12-07 12:50:00

Written by hand; each database gets its own full-text machinery (drafting/services/search.py
queries it, drafting/models/search_index.py lists its names for `flask db check`).

PostgreSQL: a stored generated column `search_words` (tsvector) on each searched table,
`to_tsvector('simple', …)` of clause_versions.text, proposals.text || ' ' || rationale and
comments.body, with a GIN index. A generated column is computed by the database itself on every
write, whoever writes (services, the archive restore, a migration, psql), in the writing
transaction: there is nothing to maintain and nothing that can fall behind. (A GIN index over
the bare expression was tried first: on a document-sized table the planner prefers a sequential
scan, which then ran to_tsvector over every row for each query, 12–15 ms per table of a
200-clause document; a stored vector costs nothing to scan.) The models do not map the column
(drafting/models/search_index.py tells Alembic's comparison to leave it alone), so the ORM never
writes or reads it. 'simple' (lower-casing, no stemming, no stop words): the texts mix English
with economy names and other languages, and a negotiator searching "commit" must not be given
"commitment". Scripts written without spaces (Thai, Chinese, Japanese …) are matched as
substrings with ILIKE; where the pg_trgm extension is available (Debian's postgresql-contrib has
it), it is created and trigram GIN indexes serve those ILIKEs. Creating it needs the CREATE
privilege on the database (pg_trgm is a trusted extension); without it the indexes are skipped
and ILIKE scans the document's rows, which the document filter keeps small. Downgrade drops the
columns and indexes and leaves the extension, which other schemas may use.

SQLite: FTS5 tables with external content (the text is not copied; rowid = the row's id),
tokenizer unicode61 without diacritic folding (as PostgreSQL's 'simple' does not fold them
either), filled from the existing rows ('rebuild') and kept up to date by AFTER INSERT/UPDATE/
DELETE triggers, which run inside the writing statement's transaction, for every writer, like
PostgreSQL's index. (The alternative, services writing the index rows, would miss any write
that does not go through a service, and a rolled-back index row could outlive its text.)

A later migration that rebuilds clause_versions, proposals or comments on SQLite
(batch_alter_table with a table copy) drops these triggers with the old table: it must create
them again (`create_sqlite_triggers` below). tests/search/test_search_schema.py checks that
every trigger exists at the head revision.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5d5d0517118'
down_revision = 'c8f3a5d61e24'
branch_labels = None
depends_on = None

# fts table -> (content table, indexed columns); the same as drafting/models/search_index.py,
# copied so that this migration keeps meaning what it meant when it was written.
FTS_TABLES = {
    "clause_versions_fts": ("clause_versions", ("text",)),
    "proposals_fts": ("proposals", ("text", "rationale")),
    "comments_fts": ("comments", ("body",)),
}
# PostgreSQL's parser reads "<b>" as a tag, "www.apec.org" as a host, "2022/SOM2/1" as a file
# path and "1.5" as one number, and indexes them whole (or drops them): these characters become
# spaces first, so words split as SQLite's unicode61 splits them and "apec" finds the address.
# drafting/services/search.py applies the same to the query.
PG_SEPARATORS = "'<>/\\@.:&', '        '"
PG_WORD_INDEXES = {  # index name -> (table, the text whose words the column holds)
    "ix_clause_versions_search": ("clause_versions", "text"),
    "ix_proposals_search": ("proposals", "text || ' ' || rationale"),
    "ix_comments_search": ("comments", "body"),
}
PG_COLUMN = "search_words"
PG_TRIGRAM_INDEXES = {
    "ix_clause_versions_text_trgm": ("clause_versions", "text"),
    "ix_proposals_text_trgm": ("proposals", "text"),
    "ix_proposals_rationale_trgm": ("proposals", "rationale"),
    "ix_comments_body_trgm": ("comments", "body"),
}


def create_sqlite_triggers(fts: str) -> None:
    table, columns = FTS_TABLES[fts]
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    op.execute(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END")
    # Only when an indexed column (or the id) changes: most updates of a proposal or comment
    # (status, resolution) leave the words alone.
    changed = " OR ".join([f"new.{c} IS NOT old.{c}" for c in ("id", *columns)])
    op.execute(f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} WHEN {changed} BEGIN "
               f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END")


def drop_sqlite_triggers(fts: str) -> None:
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")


def _has_trigram(connection) -> bool:
    available = connection.execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        return False
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False  # not allowed to create it: substring search works unindexed
    return True


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for name, (table, expression) in PG_WORD_INDEXES.items():
            op.execute(f"ALTER TABLE {table} ADD COLUMN {PG_COLUMN} tsvector GENERATED ALWAYS "
                       f"AS (to_tsvector('simple'::regconfig, "
                       f"translate({expression}, {PG_SEPARATORS}))) STORED")
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({PG_COLUMN})")
        if _has_trigram(connection):
            for name, (table, column) in PG_TRIGRAM_INDEXES.items():
                op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
        return
    for fts, (table, columns) in FTS_TABLES.items():
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, "
                   f"content='{table}', content_rowid='id', "
                   "tokenize='unicode61 remove_diacritics 0')")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        create_sqlite_triggers(fts)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for name in (*PG_TRIGRAM_INDEXES, *PG_WORD_INDEXES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for table, _ in PG_WORD_INDEXES.values():
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_COLUMN}")
        return
    for fts in FTS_TABLES:
        drop_sqlite_triggers(fts)
        op.execute(f"DROP TABLE IF EXISTS {fts}")
