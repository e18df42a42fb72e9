"""Every rendering of user Markdown goes through markup.render_markdown (bounded cost, nh3)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFE_RENDERER = Path("drafting/domain/markup.py")

# Any use of python-markdown, or of another Markdown library, outside the safe renderer.
_MARKDOWN_USE = re.compile(
    r"^\s*(?:import|from)\s+(?:markdown|mistune|markdown2|commonmark|markdown_it|cmarkgfm)\b"
    r"|\bmarkdown\.markdown\(|\bMarkdown\(|\|\s*markdown\b", re.M)


def _sources():
    for folder, pattern in (("drafting", "*.py"), ("templates", "*.html"), ("scripts", "*.py")):
        yield from (ROOT / folder).rglob(pattern)
    yield ROOT / "app.py"


def test_only_the_safe_renderer_uses_a_markdown_library():
    users = sorted(str(path.relative_to(ROOT)) for path in _sources()
                   if path.is_file() and _MARKDOWN_USE.search(path.read_text(encoding="utf-8")))
    assert users == [str(SAFE_RENDERER)]


def test_the_check_sees_a_direct_call():
    # The pattern must catch what it guards against, or the test above proves nothing.
    assert _MARKDOWN_USE.search("html = markdown.markdown(body)")
    assert _MARKDOWN_USE.search("import markdown")
    assert _MARKDOWN_USE.search("{{ comment.body | markdown }}")
    assert not _MARKDOWN_USE.search("from drafting.domain.markup import render_markdown")


def test_stored_comment_html_comes_from_the_safe_renderer():
    # body_html is what templates show with |safe_html; it is set in one place only.
    assignments = []
    for path in (ROOT / "drafting").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\bbody_html\s*=(?!=)", line):
                assignments.append((str(path.relative_to(ROOT)), line.strip()))
    assert [path for path, _ in assignments] == ["drafting/services/comments.py"], assignments
    assert "body_html=render_markdown(body)" in assignments[0][1]
