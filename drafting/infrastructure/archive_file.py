"""The archive file: its canonical text, its checksum, writing it atomically, reading it back.

drafting/infrastructure/archive.py turns the database into the archive's members and back;
this module knows only the file: one UTF-8 JSON object with sorted keys, one table row per
line (so archives diff well), a SHA-256 of its content, and the checks a file must pass
before anything is restored from it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from drafting.domain.errors import InvalidInput

FORMAT_NAME = "drafting-archive"
FORMAT_VERSION = 1
HEADER_KEYS = {"content_sha256", "exported_at", "format", "omitted_columns", "password_hashes",
               "schema_revision", "tables", "version"}


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def content_checksum(archive: dict) -> str:
    """SHA-256 of the canonical JSON of every member but exported_at and the checksum."""
    content = {k: v for k, v in archive.items() if k not in ("exported_at", "content_sha256")}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_archive(archive: dict) -> str:
    """The archive as text: sorted keys, one row per line, so it diffs well."""
    lines = ["{"]
    members = sorted(archive.items())
    for index, (key, value) in enumerate(members):
        comma = "," if index < len(members) - 1 else ""
        if key != "tables":
            lines.append(f" {_dumps(key)}: {_dumps(value)}{comma}")
            continue
        lines.append(' "tables": {')
        names = sorted(value)
        for t_index, name in enumerate(names):
            t_comma = "," if t_index < len(names) - 1 else ""
            rows = value[name]
            if not rows:
                lines.append(f"  {_dumps(name)}: []{t_comma}")
                continue
            lines.append(f"  {_dumps(name)}: [")
            for r_index, row in enumerate(rows):
                lines.append("   " + _dumps(row) + ("," if r_index < len(rows) - 1 else ""))
            lines.append(f"  ]{t_comma}")
        lines.append(" }" + comma)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, content: str) -> None:
    """Write to a temporary file beside `path` (mode 0600), then rename it over `path`."""
    directory = path.parent
    if not directory.is_dir():
        raise InvalidInput(f"The folder {directory} does not exist.")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give the name of the archive file to write.")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.",
                                             suffix=".tmp")
    except OSError as error:
        raise InvalidInput(f"Cannot write in {directory}: {error.strerror or error}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(f"Cannot write {path}: {error.strerror or error}. The previous "
                           f"file, if any, is unchanged.") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_archive(path: str | os.PathLike) -> dict:
    """Read and check an archive file: format, version, members, checksum."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"No archive at {path}.")
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file.")
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a drafting archive: it is not UTF-8 text.") from None
    except OSError as error:
        raise InvalidInput(f"{path} cannot be read: {error.strerror}.") from None
    try:
        archive = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path} is not a drafting archive: it is not valid JSON "
                           f"({error.msg} at line {error.lineno}, column {error.colno}).") from None
    except RecursionError:
        raise InvalidInput(f"{path} is not a drafting archive: its JSON is nested too "
                           f"deeply.") from None
    if not isinstance(archive, dict) or archive.get("format") != FORMAT_NAME:
        raise InvalidInput(f"{path} is not a drafting archive (made by "
                           f"`flask --app app export-archive`).")
    if archive.get("version") != FORMAT_VERSION:
        raise InvalidInput(f"{path} is a drafting archive of format version "
                           f"{archive.get('version')!r}; this release reads version "
                           f"{FORMAT_VERSION}.")
    missing = sorted(HEADER_KEYS - archive.keys())
    unknown = sorted(archive.keys() - HEADER_KEYS)
    if missing or unknown:
        detail = "; ".join(part for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(unknown)}" if unknown else "") if part)
        raise InvalidInput(f"{path} is a damaged archive ({detail}).")
    if not isinstance(archive["tables"], dict) or not all(
            isinstance(rows, list) for rows in archive["tables"].values()):
        raise InvalidInput(f"{path} is a damaged archive: “tables” must map names to row lists.")
    if not isinstance(archive["password_hashes"], bool):
        raise InvalidInput(f"{path} is a damaged archive: “password_hashes” must be true or "
                           f"false.")
    if archive["content_sha256"] != content_checksum(archive):
        raise InvalidInput(f"{path} does not match its checksum: the archive was damaged or "
                           f"edited after export.")
    return archive
