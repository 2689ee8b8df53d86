"""Alembic environment: runs on the connection `flowline.core.database.migrate` hands it."""

from alembic import context
from sqlmodel import SQLModel

import flowline.core.models  # noqa: F401 - registers the tables on the metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `alembic revision --autogenerate` by hand
    from sqlalchemy import create_engine

    from flowline.core.settings import Settings

    connection = create_engine(Settings().resolved_database_url).connect()

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
