"""Flask extensions, created unbound and attached in create_app()."""
from functools import cached_property

import click
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints: Alembic's batch mode on SQLite cannot drop an unnamed one.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()

# Throttles logins (drafting/web/auth.py). Settings come from the RATELIMIT_* keys of the app's
# config: memory storage by default, Redis (RATELIMIT_STORAGE_URI) when several processes serve.
# One app per process: init_app() reads RATELIMIT_ENABLED into this shared instance.
limiter = Limiter(get_remote_address)


class _MigrateSettings:
    """What Flask-Migrate keeps in `app.extensions["migrate"]` (its `_MigrateConfig`: read by
    migrations/env.py and by `flask_migrate.upgrade()` and the other commands), with the
    `Migrate` object itself made on first use."""

    def __init__(self, db, directory: str, render_as_batch: bool, **configure_args):
        self.db = db
        self.directory = directory
        self.configure_args = {"compare_type": True, "render_as_batch": render_as_batch,
                               **configure_args}

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class _MigrationCommands(click.Group):
    """The `flask db` group of Flask-Migrate, imported when a `flask db` command runs."""

    def __init__(self):
        super().__init__("db", short_help="Perform database migrations.")

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


class LazyMigrate:
    """Flask-Migrate without importing it (and Alembic, and Mako) in every process: they cost
    a command-line start-up (`flask --help`) a fifth of its time, and only migrations use
    them. `init_app` sets up what `Migrate.init_app` does."""

    def init_app(self, app, db, *, directory: str, render_as_batch: bool = True,
                 **configure_args) -> None:
        """`configure_args` go to Alembic's `context.configure` (e.g. include_object)."""
        app.extensions["migrate"] = _MigrateSettings(db, directory, render_as_batch,
                                                     **configure_args)
        app.cli.add_command(_MigrationCommands())


migrate = LazyMigrate()
