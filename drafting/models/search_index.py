"""The full-text search indexes: schema objects the migration makes and the models do not map.

They are built by migrations/versions/d5d5d0517118_full_text_search.py, differently on each
database (see its docstring): on SQLite, FTS5 tables kept up to date by triggers; on
PostgreSQL, a generated tsvector column `search_words` on each searched table with a GIN index
(and pg_trgm indexes where the extension exists).
Alembic's comparison of the models with the database (`flask db check`, the schema test) is
told to leave them alone through `include_object`, the one list of their names.
"""
from __future__ import annotations

# SQLite: one FTS5 table per searched table (external content: the text stays in the table).
FTS_TABLES = {
    "clause_versions_fts": ("clause_versions", ("text",)),
    "proposals_fts": ("proposals", ("text", "rationale")),
    "comments_fts": ("comments", ("body",)),
}
# PostgreSQL: the generated column of words, its indexes, and the trigram ones.
SEARCH_COLUMN = "search_words"
SEARCH_INDEXES = frozenset({
    "ix_clause_versions_search", "ix_proposals_search", "ix_comments_search",
    "ix_clause_versions_text_trgm", "ix_proposals_text_trgm", "ix_proposals_rationale_trgm",
    "ix_comments_body_trgm",
})


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether `name` is one of the search index's tables (FTS5 keeps shadow tables named
    after its own: _data, _idx, _docsize, _config) or indexes."""
    if not name:
        return False
    if type_ == "table":
        return any(name == table or name.startswith(table + "_") for table in FTS_TABLES)
    if type_ == "index":
        return name in SEARCH_INDEXES
    if type_ == "column":
        return name == SEARCH_COLUMN
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: skip the search objects, which the models do not describe."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


__all__ = ["FTS_TABLES", "SEARCH_COLUMN", "SEARCH_INDEXES", "include_object",
           "is_search_object"]
