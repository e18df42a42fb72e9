"""Backup and restore of the whole database as one JSON archive.

`export_archive` writes every table of the application's metadata (new tables are included
without touching this module) to one UTF-8 JSON file; `import_archive` restores such a file
into an empty database of the same schema revision, in one transaction.

The file is deterministic: tables and the keys of every row are sorted, rows are ordered by
primary key, datetimes are ISO-8601 UTC with microseconds, text is kept as written. Exporting,
importing and exporting again gives the same bytes except `exported_at`; `content_sha256`
(a checksum of everything but `exported_at` and itself) is therefore the same too, and lets an
import refuse a damaged or edited file.

Credentials are left out unless asked for: without password hashes, `users.password_hash`,
`users.session_nonce` and `api_tokens.token_hash` are not written. An import fills them with
values no password or token can ever match (they start with "!", which no werkzeug hash nor
SHA-256 hex digest contains), reports which users need a new password, and keeps every other
column — API tokens keep their name, prefix, dates and revoked state, but cannot authenticate.

Restoring is not an event of the negotiation: the audit trail is restored exactly as it was,
and nothing is appended to it, so the restored chain is the original chain.

The file itself — its canonical text, checksum, atomic writing and checks on reading — is
drafting/infrastructure/archive_file.py; this module maps the database to and from it.
"""
from __future__ import annotations

import enum
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Boolean, Enum, Integer, String, bindparam, func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from drafting.domain.errors import Conflict, InvalidInput
from drafting.extensions import db
from drafting.infrastructure.archive_file import (FORMAT_NAME, FORMAT_VERSION,
                                                  content_checksum, read_archive,
                                                  render_archive, write_atomically)
from drafting.models.types import UTCDateTime, utcnow
from drafting.services.audit import verify_audit_chain

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


# Secrets written only with --with-password-hashes.
CREDENTIAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("password_hash", "session_nonce"),
    "api_tokens": ("token_hash",),
}
# Marks a credential restored from an archive without it: never a valid hash or digest.
UNUSABLE_PREFIX = "!"



@dataclass
class ExportSummary:
    path: Path
    schema_revision: str
    with_password_hashes: bool
    rows: dict[str, int]
    content_sha256: str

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class ImportSummary:
    path: Path
    schema_revision: str
    exported_at: str
    with_password_hashes: bool
    rows: dict[str, int]
    audit_events: int
    audit_broken: str | None = None
    users_without_password: list[str] = field(default_factory=list)
    unusable_tokens: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --- schema ---------------------------------------------------------------------------------

def _tables():
    """Every table of the application, parents before children."""
    return list(db.metadata.sorted_tables)


def code_schema_revision() -> str:
    """The migration head this code expects."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return "+".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def database_schema_revision(connection) -> str | None:
    """The revision recorded in the database's alembic_version table (None: no schema)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return "+".join(sorted(versions)) or None


def _check_schema(connection) -> str:
    revision = database_schema_revision(connection)
    if revision is None:
        raise Conflict("The database has no schema yet: run `flask --app app db upgrade` first.",
                       code="no_schema")
    expected = code_schema_revision()
    if revision != expected:
        raise Conflict(f"The database is at schema revision {revision}, but this version of "
                       f"the application expects {expected}: run `flask --app app db upgrade` "
                       f"first.", code="schema_mismatch")
    return revision


def unsupported_columns() -> list[str]:
    """Columns whose type the archive cannot yet store losslessly (should be none)."""
    return [f"{table.name}.{column.name}" for table in _tables() for column in table.columns
            if _kind(column) is None]


def _kind(column) -> str | None:
    column_type = column.type
    if isinstance(column_type, UTCDateTime):
        return "datetime"
    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        return "enum"
    if isinstance(column_type, Boolean):
        return "boolean"
    if isinstance(column_type, Integer):
        return "integer"
    if isinstance(column_type, String):  # Text is a String
        return "string"
    return None


def _late_columns(tables) -> dict[str, list]:
    """Foreign keys that point to the same table or to one inserted later.

    They are inserted as NULL and set once every row is in: that covers the cycle between
    clause_versions and proposals and the self-references (comment replies, derived
    documents) on SQLite and PostgreSQL alike, without deferrable constraints.
    """
    order = {table.name: index for index, table in enumerate(tables)}
    late: dict[str, list] = {}
    for table in tables:
        for fk in table.foreign_keys:
            if order[fk.column.table.name] >= order[table.name]:
                late.setdefault(table.name, []).append(fk.parent)
    return late


# --- values ---------------------------------------------------------------------------------

def format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in the database")
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace(
        "+00:00", "Z")


def _to_json(value, column, table_name: str):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, int):
        return value
    raise TypeError(f"{table_name}.{column.name}: values of type {type(value).__name__} "
                    f"cannot be archived")


def _from_json(value, column, where: str):
    """The Python value to insert for a JSON value, or InvalidInput naming the place."""
    if value is None:
        if not column.nullable or column.primary_key:
            raise InvalidInput(f"{where}: a value is required.")
        return None
    kind = _kind(column)
    if kind == "datetime":
        if not isinstance(value, str):
            raise InvalidInput(f"{where}: expected an ISO-8601 date and time.")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{where}: {value!r} is not an ISO-8601 date and time.") from None
        if parsed.tzinfo is None:
            raise InvalidInput(f"{where}: {value!r} has no time zone.")
        return parsed.astimezone(timezone.utc)
    if kind == "enum":
        try:
            return column.type.enum_class(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in column.type.enum_class)
            raise InvalidInput(f"{where}: {value!r} is not one of {allowed}.") from None
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidInput(f"{where}: expected true or false.")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{where}: expected a whole number.")
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise InvalidInput(f"{where}: expected text.")
        if column.type.length and len(value) > column.type.length:
            raise InvalidInput(f"{where}: longer than {column.type.length} characters.")
        return value
    raise InvalidInput(f"{where}: this column's type cannot be restored.")


# --- export ---------------------------------------------------------------------------------

def _snapshot_rows(connection, table) -> list[dict]:
    result = connection.execute(select(table).order_by(*table.primary_key.columns))
    return [dict(row._mapping) for row in result]


def build_archive(*, with_password_hashes: bool = False, now: datetime | None = None) -> dict:
    """Read the whole database in one consistent snapshot and return the archive as a dict."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ",
                                                  postgresql_readonly=True)
    try:
        with connection.begin():
            if connection.dialect.name == "sqlite":
                # pysqlite does not open a transaction for reads: take a snapshot explicitly.
                connection.exec_driver_sql("BEGIN")
            revision = _check_schema(connection)
            raw = {table.name: _snapshot_rows(connection, table) for table in _tables()}
    finally:
        connection.close()

    omitted = {} if with_password_hashes else {
        name: list(columns) for name, columns in CREDENTIAL_COLUMNS.items()}
    tables: dict[str, list[dict]] = {}
    for table in _tables():
        skip = set(omitted.get(table.name, ()))
        columns = [c for c in table.columns if c.name not in skip]
        tables[table.name] = [
            {c.name: _to_json(row[c.name], c, table.name) for c in columns}
            for row in raw[table.name]
        ]
    problem = _dangling_reference(tables)
    if problem:  # only possible if the database changed under a non-snapshot read
        raise Conflict(f"The database changed during the export ({problem}); run it again.",
                       code="export_inconsistent")
    archive = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": format_datetime(now or utcnow()),
        "schema_revision": revision,
        "password_hashes": with_password_hashes,
        "omitted_columns": omitted,
        "tables": tables,
    }
    archive["content_sha256"] = content_checksum(archive)
    return archive


def export_archive(path: str | os.PathLike, *, with_password_hashes: bool = False,
                   now: datetime | None = None) -> ExportSummary:
    """Write the whole database to `path` (atomically; the file is readable by its owner only)."""
    path = Path(path)
    archive = build_archive(with_password_hashes=with_password_hashes, now=now)
    write_atomically(path, render_archive(archive))
    return ExportSummary(path=path, schema_revision=archive["schema_revision"],
                         with_password_hashes=with_password_hashes,
                         rows={name: len(rows) for name, rows in archive["tables"].items()},
                         content_sha256=archive["content_sha256"])


# --- import ---------------------------------------------------------------------------------

def _dangling_reference(tables: dict[str, list[dict]]) -> str | None:
    """The first foreign key value that names no row of the archive, described; else None."""
    present: dict[tuple[str, str], set] = {}
    for table in _tables():
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            target = (fk.column.table.name, fk.column.name)
            if target not in present:
                present[target] = {row.get(fk.column.name)
                                   for row in tables.get(target[0], [])}
            for row in tables.get(table.name, []):
                value = row.get(fk.parent.name)
                if value is not None and value not in present[target]:
                    return (f"{table.name} row {_key_text(table, row)} refers to "
                            f"{target[0]} {value}, which is not in the archive")
    return None


def _key_text(table, row: dict) -> str:
    return ", ".join(f"{c.name} {row.get(c.name)}" for c in table.primary_key.columns)


def _convert_rows(archive: dict) -> dict[str, list[dict]]:
    """Check every row against the schema and turn it into insertable values."""
    tables = archive["tables"]
    known = {table.name for table in _tables()}
    missing = sorted(known - tables.keys())
    unknown = sorted(tables.keys() - known)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"it lacks the table(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"it has table(s) this version does not know: {', '.join(unknown)}")
        raise InvalidInput(f"The archive does not fit the schema: {'; '.join(parts)}.")
    omitted = {} if archive["password_hashes"] else CREDENTIAL_COLUMNS
    if archive["omitted_columns"] != {name: list(columns) for name, columns in omitted.items()}:
        raise InvalidInput("The archive's list of omitted columns does not match its "
                           "“password_hashes” setting.")
    converted: dict[str, list[dict]] = {}
    for table in _tables():
        skip = set(omitted.get(table.name, ()))
        columns = [c for c in table.columns if c.name not in skip]
        expected = {c.name for c in columns}
        rows = []
        for number, row in enumerate(tables[table.name], start=1):
            if not isinstance(row, dict):
                raise InvalidInput(f"{table.name}, row {number}: expected an object.")
            if row.keys() != expected:
                extra = sorted(row.keys() - expected)
                lacking = sorted(expected - row.keys())
                detail = "; ".join(part for part in (
                    f"missing {', '.join(lacking)}" if lacking else "",
                    f"unexpected {', '.join(extra)}" if extra else "") if part)
                raise InvalidInput(f"{table.name}, row {number}: {detail}.")
            rows.append({c.name: _from_json(row[c.name], c,
                                            f"{table.name}, row {number}, {c.name}")
                         for c in columns})
        converted[table.name] = rows
    problem = _dangling_reference(tables)
    if problem:
        raise InvalidInput(f"The archive is inconsistent: {problem}.")
    return converted


def _non_empty_tables() -> list[tuple[str, int]]:
    counts = []
    for table in _tables():
        count = db.session.execute(select(func.count()).select_from(table)).scalar()
        if count:
            counts.append((table.name, count))
    return counts


def _fill_credentials(rows: dict[str, list[dict]]) -> None:
    for row in rows.get("users", []):
        row["password_hash"] = UNUSABLE_PREFIX + secrets.token_hex(32)
        row["session_nonce"] = secrets.token_hex(16)
    for row in rows.get("api_tokens", []):
        row["token_hash"] = UNUSABLE_PREFIX + secrets.token_hex(31)


def _insert_all(rows: dict[str, list[dict]]) -> None:
    tables = _tables()
    late = _late_columns(tables)
    for table in tables:
        batch = rows[table.name]
        if not batch:
            continue
        late_names = [c.name for c in late.get(table.name, [])]
        db.session.execute(table.insert(), [{**row, **{n: None for n in late_names}}
                                            for row in batch])
    for table in tables:
        late_names = [c.name for c in late.get(table.name, [])]
        pending = [row for row in rows[table.name] if any(row[n] is not None for n in late_names)]
        if not pending:
            continue
        keys = list(table.primary_key.columns)
        statement = table.update().where(
            *(key == bindparam(f"key_{key.name}") for key in keys)
        ).values({name: bindparam(f"new_{name}") for name in late_names})
        db.session.execute(statement, [
            {**{f"key_{key.name}": row[key.name] for key in keys},
             **{f"new_{name}": row[name] for name in late_names}}
            for row in pending
        ])


def _reset_sequences() -> None:
    """On PostgreSQL, make each id sequence continue after the highest restored id."""
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite gives max(id) + 1 by itself
    preparer = session.get_bind().dialect.identifier_preparer
    for table in _tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or _kind(keys[0]) != "integer":
            continue
        key = keys[0]
        highest = session.execute(select(func.max(key))).scalar()
        session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :value, :called)"),
            {"table": preparer.format_table(table), "column": key.name,
             "value": highest or 1, "called": highest is not None},
        )
    # A document's proposal-number sequence left by an earlier database would not match the
    # restored numbers; it is made again, after the highest, when next needed
    # (services/proposal_numbers.py).
    for (name,) in session.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
            "AND sequencename LIKE 'proposal\\_numbers\\_%'")).all():
        session.execute(text(f'DROP SEQUENCE "{name}"'))


def import_archive(path: str | os.PathLike, *,
                   accept_broken_audit_chain: bool = False) -> ImportSummary:
    """Restore an archive into this empty database, in the caller's transaction.

    Refuses (and writes nothing) when the file is not a valid archive, when its schema
    revision is not the database's, when the database holds any row, or when the restored
    audit chain does not verify (unless `accept_broken_audit_chain`). The caller commits.
    """
    path = Path(path)
    archive = read_archive(path)
    revision = _check_schema(db.session.connection())
    if archive["schema_revision"] != revision:
        raise Conflict(
            f"The archive was made at schema revision {archive['schema_revision']}, but this "
            f"database is at {revision}. Restore it with the release of the application that "
            f"has that revision, into a database at that revision, then upgrade "
            f"(`flask --app app db upgrade`).", code="schema_mismatch")
    occupied = _non_empty_tables()
    if occupied:
        listing = ", ".join(f"{name}: {count}" for name, count in occupied)
        raise Conflict(f"The database is not empty (rows in {listing}). An archive is restored "
                       f"only into an empty database, so that nothing is mixed or overwritten: "
                       f"create a new database, run `flask --app app db upgrade`, and import "
                       f"there.", code="database_not_empty")
    rows = _convert_rows(archive)
    with_hashes = archive["password_hashes"]
    if not with_hashes:
        _fill_credentials(rows)
    try:
        _insert_all(rows)
        _reset_sequences()
        db.session.flush()
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InvalidInput(f"The database refused the archive's rows ({reason}).") from None
    count, broken = verify_audit_chain()
    audit_broken = None
    if broken:
        audit_broken = f"event {broken.event_id}: {broken.reason}"
        if not accept_broken_audit_chain:
            raise Conflict(f"The archive's audit trail is broken at {audit_broken}. Restore it "
                           f"anyway only if that was already so in the database it came from "
                           f"(--accept-broken-audit-chain).", code="audit_chain_broken")
    users_without_password = sorted(
        row["username"] for row in rows["users"]
        if row["password_hash"].startswith(UNUSABLE_PREFIX))
    unusable_tokens = sum(1 for row in rows["api_tokens"]
                          if row["revoked_at"] is None
                          and row["token_hash"].startswith(UNUSABLE_PREFIX))
    return ImportSummary(path=path, schema_revision=revision, exported_at=archive["exported_at"],
                         with_password_hashes=with_hashes,
                         rows={name: len(batch) for name, batch in rows.items()},
                         audit_events=count, audit_broken=audit_broken,
                         users_without_password=users_without_password,
                         unusable_tokens=unusable_tokens)
