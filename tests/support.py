"""Building migrated service apps for tests."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI

from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def migrated_settings(
    settings_cls: type[S], *, target: Any, jwks_json: str, migrations: Path, **overrides: Any
) -> S:
    """Settings for a test database at head: a copy of the worker's migrated template when the
    target comes from the `new_database_target` fixture, else migrated here.

    No service client unless given: a test app never reads the credentials `make run` wrote
    under var/ (its consumers would read the feeds of whatever runs on the default gateway)."""
    overrides.setdefault("service_client_file", os.devnull)
    settings = settings_cls(
        environment="test",
        database_url=target.url,
        database_schema=target.schema,
        internal_jwks=jwks_json,
        log_json=False,
        log_level="WARNING",
        **overrides,
    )
    templates = getattr(target, "templates", None)
    if templates is not None and templates.copy(settings.service_name, migrations, target):
        return settings
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        upgrade_to_head(settings.service_name, migrations, database)
    finally:
        database.dispose()
    return settings


def build_app(create_app: Callable[[S], FastAPI], settings: S) -> FastAPI:
    """The service app for already-migrated settings."""
    return create_app(settings)
