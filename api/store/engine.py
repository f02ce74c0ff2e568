"""Engines for the review store (SQLite or Postgres, same code) and the schema migrations that set it up."""
from __future__ import annotations

import contextlib
import fcntl
import threading
import zlib
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and model cards."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for url. SQLite gets WAL (readers never block the writer), a 30 s wait for the write lock,
    fsync on every commit, foreign keys, and transactions that SQLAlchemy, not the driver, begins."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=30)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=10, max_overflow=30, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver: see _on_begin
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


@contextlib.contextmanager
def _migration_lock(engine: Engine, connection):
    """One migrating process at a time: a lock file beside a SQLite database, an advisory lock on Postgres."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate-lock", "a+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        key = zlib.crc32(b"adrisk-migrations")
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        yield
    else:
        yield


_local_lock = threading.Lock()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to revision (alembic); safe to run from several processes at once."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _local_lock, engine.begin() as connection, _migration_lock(engine, connection):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
