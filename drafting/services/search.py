"""Searching one document: its clause texts (current and issued revisions), the proposals and
the comments the viewer may see.

Confidentiality: proposals and comments are filtered in SQL by the visibility module's own
where-clauses (`visible_proposals_clause`, `visible_comments_clause`), with the viewer as an
explicit argument, *before* any limit is applied; so a hidden proposal neither shows, nor takes
a place in the results, nor changes `truncated`. The answer for a word that only hidden rows
hold is exactly the answer for a word nobody wrote: search is no existence or count oracle.

Matching uses each database's own full-text index (migrations/versions/
d5d5d0517118_full_text_search.py): PostgreSQL's generated `search_words` tsvector column
`@@ phraseto_tsquery('simple', …)`,
SQLite FTS5 MATCH with each term quoted (so no FTS5 operator can be injected); terms in scripts
without spaces are matched as substrings (ILIKE), see drafting/domain/search_text.py, which
also computes the highlighted snippets the same way for both databases.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from sqlalchemy import and_, exists, func, literal_column, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from drafting.domain.errors import InvalidInput
from drafting.domain.input_rules import ascii_id
from drafting.domain.search_text import (SearchQuery, highlight_spans, highlighted_snippet,
                                         parse_query)
from drafting.domain.states import ProposalAction
from drafting.extensions import db
from drafting.models import (Clause, ClauseVersion, Comment, Document, Proposal, Revision,
                             RevisionClause)
from drafting.models.search_index import SEARCH_COLUMN
from drafting.services.policy import Action, authorize
from drafting.services.reading import display_numbers
from drafting.services.visibility import visible_comments_clause, visible_proposals_clause

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

_SIMPLE = literal_column("'simple'::regconfig")
# The characters PostgreSQL's parser would read as part of a tag, address, path or decimal
# number: the migration's generated column has spaces instead, and so must the query.
_PG_SEPARATORS = "<>/\\@.:&"
_PG_SEPARATOR_TABLE = str.maketrans(_PG_SEPARATORS, " " * len(_PG_SEPARATORS))


@dataclass
class SearchHit:
    kind: str  # clause | proposal | comment
    id: int  # the clause's, proposal's or comment's id
    clause_id: int | None  # the clause it is on (an insertion: the clause it follows)
    number: str | None  # that clause's display number (for a revision-only hit: in it)
    snippet: str
    highlights: list[tuple[int, int]]
    field: str  # which text matched: text | rationale | body
    version: int | None = None  # clause hits: the clause version
    current: bool = False  # clause hits: the version is the current text
    revisions: list[int] = field(default_factory=list)  # clause hits: revisions holding it
    proposal_id: int | None = None  # comment hits on a proposal
    action: str | None = None  # proposal hits
    status: str | None = None  # proposal hits
    economy: str | None = None  # proposal and comment hits: its economy's code

    @property
    def revision(self) -> str:
        """Where a clause hit's text is from: "current", or the latest revision holding it."""
        if self.current or not self.revisions:
            return "current"
        return f"Rev.{self.revisions[-1]}"


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit]
    truncated: bool  # more hits the viewer may see than `limit`
    limit: int


def parse_limit(value) -> int:
    """The `limit` of a search: 1 to MAX_LIMIT, DEFAULT_LIMIT when not given; else 422."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    number = value if isinstance(value, int) and not isinstance(value, bool) else \
        ascii_id(str(value))
    if number is None or not 1 <= number <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}.",
                           details={"field": "limit", "max": MAX_LIMIT})
    return number


# --- matching, per database --------------------------------------------------------------------

def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matches(query: SearchQuery, columns: list, fts_table: str, id_column) -> ColumnElement:
    """A where-clause: every term of `query` occurs in one of `columns`.

    On PostgreSQL the words are the generated `search_words` column of the table of
    `id_column`; on SQLite the row ids come from the FTS5 table `fts_table`."""
    conditions = []
    if query.index_terms:
        if _postgresql():
            wanted = reduce(lambda a, b: a.op("&&")(b), [
                func.phraseto_tsquery(_SIMPLE, term.text.translate(_PG_SEPARATOR_TABLE))
                for term in query.index_terms])
            words = literal_column(f"{id_column.table.name}.{SEARCH_COLUMN}")
            conditions.append(words.op("@@")(wanted))
        else:
            # Every term a quoted FTS5 string (a phrase when it holds several words); quotes
            # doubled, so the user's text is never read as FTS5 syntax.
            match = " ".join('"' + term.text.replace('"', '""') + '"'
                             for term in query.index_terms)
            conditions.append(id_column.in_(
                text(f"SELECT rowid FROM {fts_table} WHERE {fts_table} MATCH :fts_match")
                .bindparams(fts_match=match).columns(rowid=id_column.type)))
    for term in query.substring_terms:
        pattern = f"%{_escape_like(term.text)}%"
        conditions.append(or_(*[column.ilike(pattern, escape="\\") for column in columns]))
    return and_(*conditions)


# --- the search ----------------------------------------------------------------------------------

def search_document(viewer, document: Document, q, limit=None, *, field: str = "q"
                    ) -> SearchResults:
    """What `viewer` may read of `document` that matches the query `q`, clauses first (in
    document order), then proposals, then comments (in the order they were made).

    Raises InvalidInput (422) for a missing, empty, too long or wordless query or a bad limit,
    PermissionDenied when the viewer may not read documents. `field` names the query in
    those messages (the API's parameter, or the page's words)."""
    authorize(viewer, Action.VIEW, document)
    query = parse_query(q, field)
    limit = parse_limit(limit)
    numbers = _Numbers(document)
    hits: list[SearchHit] = []
    for finder in (_clause_hits, _proposal_hits, _comment_hits):
        hits += finder(viewer, document, query, limit + 1 - len(hits), numbers)
        if len(hits) > limit:
            break
    return SearchResults(query, hits[:limit], len(hits) > limit, limit)


class _Numbers:
    """Clause id → display number, worked out (for the whole document) only once a hit needs
    one: a search that finds nothing costs its three match queries alone."""

    def __init__(self, document: Document):
        self.document = document
        self._numbers: dict[int, str] | None = None

    def get(self, clause_id: int | None) -> str | None:
        if clause_id is None:
            return None
        if self._numbers is None:
            # The four columns numbering reads, not whole Clause and ClauseVersion objects
            # (2/3 of the time of the search on a 200-clause document): each row serves as
            # both the "clause" and the "version" of display_numbers' pairs.
            rows = db.session.execute(
                select(Clause.id, Clause.section_id, Clause.issued_number, ClauseVersion.removed)
                .join(ClauseVersion, and_(ClauseVersion.clause_id == Clause.id,
                                          ClauseVersion.number == Clause.version))
                .where(Clause.document_id == self.document.id)
                .order_by(Clause.position)).all()
            self._numbers = display_numbers(self.document, [(row, row) for row in rows],
                                            include_removed=True)
        return self._numbers.get(clause_id)


def _clause_hits(viewer, document, query, room, numbers) -> list[SearchHit]:
    """Versions that are the current text or held by an issued revision, and match."""
    if room <= 0:
        return []
    in_revision = exists().where(RevisionClause.clause_id == ClauseVersion.clause_id,
                                 RevisionClause.version_number == ClauseVersion.number)
    is_current = ClauseVersion.number == Clause.version
    rows = db.session.execute(
        select(Clause.id, Clause.version, ClauseVersion.number, ClauseVersion.text)
        .join(ClauseVersion, ClauseVersion.clause_id == Clause.id)
        .where(Clause.document_id == document.id, ClauseVersion.removed.is_(False),
               or_(is_current, in_revision),
               _matches(query, [ClauseVersion.text], "clause_versions_fts", ClauseVersion.id))
        .order_by(Clause.position, ClauseVersion.number.desc())
        .limit(room)
    ).all()
    held: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    if rows:
        for clause_id, version, rev, number in db.session.execute(
                select(RevisionClause.clause_id, RevisionClause.version_number, Revision.number,
                       RevisionClause.display_number)
                .join(Revision, Revision.id == RevisionClause.revision_id)
                .where(Revision.document_id == document.id,
                       RevisionClause.clause_id.in_({r[0] for r in rows}))
                .order_by(Revision.number)):
            held[(clause_id, version)].append((rev, number))
    hits = []
    for clause_id, current_version, version, wording in rows:
        current = version == current_version
        revisions = held.get((clause_id, version), [])
        number = numbers.get(clause_id) if current or not revisions else revisions[-1][1]
        cut, spans = highlighted_snippet(wording, query)
        hits.append(SearchHit("clause", clause_id, clause_id, number, cut, spans, "text",
                              version=version, current=current,
                              revisions=[rev for rev, _ in revisions]))
    return hits


def _subject_clause(proposal_clause_id, after_clause_id):
    return proposal_clause_id if proposal_clause_id is not None else after_clause_id


def _proposal_hits(viewer, document, query, room, numbers) -> list[SearchHit]:
    if room <= 0:
        return []
    columns = [Proposal.text, Proposal.rationale]
    proposals = db.session.execute(
        select(Proposal)
        .where(Proposal.document_id == document.id, visible_proposals_clause(viewer),
               _matches(query, columns, "proposals_fts", Proposal.id))
        .order_by(Proposal.seq, Proposal.id)
        .limit(room)
    ).scalars().all()
    hits = []
    for proposal in proposals:
        # The wording, unless only the rationale holds a match (or there is no wording: a
        # deletion).
        matched, wording = "text", proposal.text
        if proposal.rationale and (not wording or not highlight_spans(wording, query)) and \
                highlight_spans(proposal.rationale, query):
            matched, wording = "rationale", proposal.rationale
        cut, spans = highlighted_snippet(wording, query)
        clause_id = _subject_clause(proposal.clause_id, proposal.after_clause_id)
        number = numbers.get(clause_id)
        hits.append(SearchHit("proposal", proposal.id, clause_id, number, cut, spans, matched,
                              action=proposal.action.value, status=proposal.status.value,
                              economy=proposal.economy.code))
    return hits


def _comment_hits(viewer, document, query, room, numbers) -> list[SearchHit]:
    if room <= 0:
        return []
    rows = db.session.execute(
        select(Comment, Proposal.clause_id, Proposal.after_clause_id, Proposal.action)
        .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.document_id == document.id, visible_comments_clause(viewer),
               _matches(query, [Comment.body], "comments_fts", Comment.id))
        .order_by(Comment.seq, Comment.id)
        .limit(room)
    ).all()
    hits = []
    for comment, proposal_clause, after_clause, action in rows:
        clause_id = comment.clause_id
        if clause_id is None:
            clause_id = _subject_clause(
                proposal_clause if action is not ProposalAction.INSERT else None, after_clause)
        number = numbers.get(clause_id)
        cut, spans = highlighted_snippet(comment.body, query)
        hits.append(SearchHit("comment", comment.id, clause_id, number, cut, spans, "body",
                              proposal_id=comment.proposal_id,
                              economy=comment.economy.code if comment.economy else None))
    return hits


__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "SearchHit", "SearchResults", "parse_limit",
           "search_document"]
