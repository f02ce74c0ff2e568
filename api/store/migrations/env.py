"""Alembic environment: migrations run on the connection that api.store.engine.migrate passes in."""
from alembic import context
from sqlalchemy import create_engine

from api.store.models import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # the alembic command line: `alembic -x url=... upgrade head`
        url = context.get_x_argument(as_dictionary=True).get("url")
        if not url:
            raise SystemExit("give the database: alembic -x url=sqlite:///data/adrisk.db ...")
        with create_engine(url).begin() as connection:
            _run_on(connection)
        return
    _run_on(connection)


def _run_on(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
