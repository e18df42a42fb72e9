"""What an upload becomes, worked out apart from the database.

Reading a Word file (unzipping, parsing its XML, splitting its paragraphs) and mapping its
tracked changes to the clauses of the current text cost CPU in proportion to the file, so a
request has them done in a child process (drafting/isolation.py). Everything here is a pure
function of its picklable arguments: the uploaded bytes and, for tracked changes, the current
text as plain values.
"""
from __future__ import annotations

from collections.abc import Sequence

from drafting.domain.draft_parsing import ParsedDraft
from drafting.domain.tracked_import import (CurrentClause, CurrentSection, TrackedImport,
                                            map_tracked_file)
from drafting.services.word_structure import draft_from_docx, tracked_paragraphs
from drafting.infrastructure.word_upload import Upload, read_docx_upload


def zero_draft_from_upload(upload: Upload) -> ParsedDraft:
    """The split of a zero draft sent as a Word file (checked by `read_docx_upload` first)."""
    return draft_from_docx(read_docx_upload(upload.data, upload.filename))


def tracked_changes_from_upload(upload: Upload, clauses: Sequence[CurrentClause],
                                sections: Sequence[CurrentSection]) -> TrackedImport:
    """The proposals a delegation's tracked changes make against the current text."""
    return map_tracked_file(tracked_paragraphs(read_docx_upload(upload.data, upload.filename)),
                            list(clauses), list(sections))
