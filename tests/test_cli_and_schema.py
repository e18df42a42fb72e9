import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from drafting import ROOT
from drafting.demo import ECONOMIES
from drafting.extensions import db
from drafting.models import AuditEvent, Clause, Comment, Document, Economy, Proposal, User
from drafting.models.search_index import include_object

APEC_ORDER = [
    "Australia", "Brunei Darussalam", "Canada", "Chile", "People's Republic of China",
    "Hong Kong, China", "Indonesia", "Japan", "Republic of Korea", "Malaysia", "Mexico",
    "New Zealand", "Papua New Guinea", "Peru", "The Philippines", "The Russian Federation",
    "Singapore", "Chinese Taipei", "Thailand", "United States", "Viet Nam",
]


def counts():
    return tuple(db.session.execute(select(func.count(m.id))).scalar()
                 for m in (Economy, User, Document, Clause, Proposal, Comment))


def test_seed_demo_builds_the_negotiation_and_is_idempotent(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "a-demo-password"])
    assert result.exit_code == 0, result.output
    assert "a-demo-password" in result.output
    economies = db.session.execute(select(Economy).order_by(Economy.sort_order)).scalars().all()
    assert [e.name for e in economies] == APEC_ORDER
    assert [e.code for e in economies if e.is_host] == ["THA"]
    usernames = set(db.session.execute(select(User.username)).scalars())
    assert {"secretariat", "observer", "admin", "aus", "jpn", "usa", "prc", "nz", "tha", "sgp",
            "chl"} <= usernames
    assert len(usernames) == 24
    first = counts()
    assert 20 <= first[3] <= 36
    statuses = {p.status.value for p in db.session.execute(select(Proposal)).scalars()}
    assert {"open", "accepted_modified", "rejected"} <= statuses or \
        {"open", "accepted", "rejected"} <= statuses
    again = runner.invoke(args=["seed-demo", "--password", "a-demo-password"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert counts() == first


def test_seed_demo_generates_a_password_when_none_given(app, runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    password = re.search(r"password: (\S+)", result.output).group(1)
    from drafting.services.accounts import authenticate
    assert authenticate("jpn", password) is not None


def test_seed_demo_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "short"])
    assert result.exit_code != 0 and "at least" in result.output
    assert counts()[0] == 0


def test_issue_token_and_verify_audit(app, runner, world):
    result = runner.invoke(args=["issue-token", "aus"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("dft_")
    from drafting.models import ApiToken
    stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert token not in stored  # only the hash is kept
    assert runner.invoke(args=["issue-token", "nobody"]).exit_code != 0
    ok = runner.invoke(args=["verify-audit"])
    assert ok.exit_code == 0 and "intact" in ok.output
    db.session.execute(AuditEvent.__table__.update().values(kind="tampered"))
    db.session.commit()
    bad = runner.invoke(args=["verify-audit"])
    assert bad.exit_code == 1 and "BROKEN" in bad.output


def test_create_user_command(app, runner, world):
    result = runner.invoke(args=["create-user", "usa", "--role", "delegate", "--economy", "aus",
                                 "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["create-user", "usa", "--role", "delegate", "--economy", "AUS",
                                  "--password", "long enough pw"])
    assert refused.exit_code != 0 and "taken" in refused.output


def test_migrations_have_one_head_and_match_the_models(app):
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    with db.engine.connect() as conn:
        # The search indexes are the migration's own (drafting/models/search_index.py).
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_demo_economy_table_matches_the_official_order():
    assert [name for _, name, _ in ECONOMIES] == APEC_ORDER


def test_set_password_command(app, runner, world):
    from drafting.services.accounts import authenticate
    result = runner.invoke(args=["set-password", "aus", "--password", "a brand new secret"])
    assert result.exit_code == 0, result.output
    assert authenticate("aus", "a brand new secret") is not None
    assert runner.invoke(args=["set-password", "aus", "--password", "short"]).exit_code != 0
    assert runner.invoke(args=["set-password", "nobody", "--password", "long enough pw"]).exit_code != 0
