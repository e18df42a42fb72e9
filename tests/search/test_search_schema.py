"""The search index exists at the head revision, on the database of the run, and follows writes
made without the services (the triggers / generated columns are the database's own)."""
from __future__ import annotations

from sqlalchemy import inspect, text

from drafting.extensions import db
from drafting.models import ClauseVersion
from drafting.models.search_index import (FTS_TABLES, SEARCH_COLUMN, SEARCH_INDEXES,
                                          is_search_object)
from drafting.services.search import search_document


def test_the_search_objects_exist(app):
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = set(connection.execute(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")).scalars())
        word_indexes = {"ix_clause_versions_search", "ix_proposals_search", "ix_comments_search"}
        assert word_indexes <= names
        tables = set(connection.execute(text(
            "SELECT table_name FROM information_schema.columns "
            "WHERE column_name = :c AND table_schema = current_schema()"),
            {"c": SEARCH_COLUMN}).scalars())
        assert tables == {"clause_versions", "proposals", "comments"}
        trigram = connection.execute(text(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
        if trigram is not None:
            assert SEARCH_INDEXES <= names
        return
    tables = set(inspect(connection).get_table_names())
    assert set(FTS_TABLES) <= tables
    triggers = set(connection.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    # A later migration that copies one of these tables (batch mode) must make them again.
    assert triggers >= {f"{fts}_{kind}" for fts in FTS_TABLES for kind in ("ai", "ad", "au")}


def test_a_write_without_the_services_is_found(app, world):
    """An UPDATE in plain SQL (a data fix, a restore) reaches the index in the same
    transaction: nothing to rebuild, nothing to forget."""
    version = db.session.execute(
        db.select(ClauseVersion).where(ClauseVersion.clause_id == world.clauses[0].id)
    ).scalar_one()
    db.session.execute(text("UPDATE clause_versions SET text = :t WHERE id = :id"),
                       {"t": "Recognising the zqplainsqlword;", "id": version.id})
    found = search_document(world.user("observer"), world.document, "zqplainsqlword")
    assert [hit.id for hit in found.hits] == [world.clauses[0].id]
    assert search_document(world.user("observer"), world.document, "climate").hits == []


def test_schema_comparison_leaves_the_search_objects_alone():
    assert is_search_object("clause_versions_fts_data", "table")
    assert is_search_object("ix_proposals_search", "index")
    assert not is_search_object("clause_versions", "table")
    assert not is_search_object("ix_proposals_seq", "index")
    assert is_search_object("search_words", "column")
    assert not is_search_object("text", "column")


def test_the_index_stays_consistent_through_edits_and_deletions(app, search_scene):
    """Drafts updated and deleted, a proposal revised, comments resolved: the index finds the
    new words, forgets the old, and (SQLite) FTS5's own integrity check passes."""
    from drafting.services import comments, drafts, proposals
    world = search_scene.world
    aus = world.user("aus")
    drafts.update_draft(aus, search_scene.aus_draft, text="We will promote zqupdatedword.",
                        rationale="Updated.")
    drafts.delete_draft(world.user("nz"), search_scene.nz_draft)
    proposals.revise_proposal(aus, search_scene.aus_held, text="We will act on zqrevisedheld.")
    comments.resolve_comment(aus, search_scene.held_note)
    db.session.commit()

    def words(q, who="aus"):
        return [(h.kind, h.id) for h in search_document(world.user(who), world.document, q).hits]

    assert words("zqupdatedword") == [("proposal", search_scene.aus_draft.id)]
    assert words("zqausdraftword") == []
    assert words("zqnzdraftword", "nz") == []
    assert words("zqrevisedheld") == [("proposal", search_scene.aus_held.id)]
    assert words("zqausheldword") == []
    assert words("zqausheldnote") == [("comment", search_scene.held_note.id)]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # rank 1: compare the index with the content table (raises "database disk image is
        # malformed" when a trigger let them drift apart).
        for fts in FTS_TABLES:
            connection.execute(
                text(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"))
