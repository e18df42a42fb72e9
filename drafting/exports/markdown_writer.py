"""Markdown: clean text, and CriticMarkup ({++ ++} / {-- --}) for changes in other modes."""
from __future__ import annotations

from drafting.exports.model import ExportDocument, Paragraph

_MARKDOWN_SPECIAL = str.maketrans({**{c: "\\" + c for c in "\\`*_{}[]>#|~"},
                                   "&": "&amp;", "<": "&lt;"})


def _escape(text: str) -> str:
    """Escape Markdown syntax so clause text is shown as written, never interpreted.

    "<" becomes an entity rather than a backslash escape: not every Markdown processor
    treats "\\<" as literal, and raw HTML must never get through.
    """
    return text.translate(_MARKDOWN_SPECIAL)


def _paragraph(p: Paragraph, show_changes: bool) -> str:
    """The clause as one Markdown line, its number first.

    With changes shown, a number is part of the change it belongs to: a clause that comes or
    goes is marked whole, number included, and a number changed by renumbering is a
    substitution {~~old~>new~~}; so no number outside a deletion is shown twice.
    """
    number = f"**{_escape(p.number)}.**"
    if p.formerly:
        number += f" _(formerly {_escape(p.formerly)})_"
    if not show_changes:
        return f"{number} {_escape(p.new_text)}"
    if p.change in ("added", "deleted"):
        mark = "++" if p.change == "added" else "--"
        text = p.new_text if p.change == "added" else p.old_text
        return f"{{{mark}{number} {_escape(text)}{mark}}}{{>>{p.author or 'Secretariat'}<<}}"
    if p.old_number and p.old_number != p.number:
        number = f"{{~~**{_escape(p.old_number)}.**~>{number}~~}}"
    return f"{number} {_runs(p)}"


def _runs(p: Paragraph) -> str:
    parts = []
    for run in p.runs:
        if run.op == "equal":
            parts.append(_escape(run.text))
        else:
            mark = "++" if run.op == "insert" else "--"
            parts.append(f"{{{mark}{_escape(run.text)}{mark}}}{{>>{run.author or 'Secretariat'}<<}}")
    return "".join(parts)


def write_markdown(export: ExportDocument) -> bytes:
    show_changes = export.mode in ("redline", "compilation")
    lines = [f"**{_escape(export.classification.upper())}**", "", f"# {_escape(export.title)}", "",
             f"- Document symbol: {_escape(export.symbol)}",
             f"- Stage: {_escape(export.stage)}",
             f"- Revision: {_escape(export.revision)}",
             f"- Date: {export.date:%d %B %Y}"]
    if export.compared:
        lines.append(f"- Compared: {_escape(export.compared[0])} → {_escape(export.compared[1])}")
    if export.fingerprint:
        lines.append(f"- SHA-256 fingerprint: `{export.fingerprint}`")
    if show_changes:
        lines += ["", "_Changes are marked {++inserted++} and {--deleted--}, each followed by "
                      "{>>the economy<<} that proposed it; a number changed by renumbering is "
                      "marked {~~old~>new~~}._"]
    for section in export.sections:
        lines += ["", f"## {_escape(section.heading)}", ""]
        for p in section.paragraphs:
            lines.append(_paragraph(p, show_changes))
            if p.note:
                lines.append(f"  _{_escape(p.note)}_")
            lines.append("")
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
