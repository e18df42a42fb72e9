"""Fixtures of the fault tests: one seeded template database per run, a fresh copy per test."""
from __future__ import annotations

import pytest

from tests.faults import harness


@pytest.fixture(scope="session")
def seeded_template():
    """Migrated (`flask db upgrade`) and seeded (`flask seed-demo`) once per run; dropped after."""
    if not harness.ON_POSTGRES:
        pytest.skip("fault tests need PostgreSQL (TEST_DATABASE_URL)")
    template = harness.build_template_database()
    yield template
    harness.drop_database(template.name)


@pytest.fixture
def fault_db(seeded_template):
    """A database of this test's own, copied from the seeded template; dropped afterwards."""
    database = harness.clone_database(seeded_template)
    yield database
    harness.drop_database(database.name)


@pytest.fixture
def start_server(fault_db, tmp_path):
    """Start gunicorn servers on the test's database (or another URL); all stopped afterwards."""
    servers: list[harness.Server] = []

    def start(database_url: str | None = None, **options) -> harness.Server:
        server = harness.Server(database_url or fault_db.url,
                                tmp_path / f"gunicorn-{len(servers)}.stderr", **options)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
