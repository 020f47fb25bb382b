"""Every service's OpenAPI is a product: summaries, stable operationIds, problem errors, examples."""

import importlib

import pytest
from openapi_spec_validator import validate

from tests.contract.openapi_quality import operation_gaps
from tests.test_services_boot import SERVICES


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_openapi_is_complete(service: str, database_target, jwks_json: str) -> None:
    app_module = importlib.import_module(f"services.{service}.app")
    settings_cls = getattr(
        importlib.import_module(f"services.{service}.settings"), SERVICES[service]
    )
    settings = settings_cls(
        environment="test",
        database_url=database_target.url,
        database_schema=database_target.schema,
        internal_jwks=jwks_json,
    )
    spec = app_module.create_app(settings).openapi()
    validate(spec)
    assert operation_gaps(spec) == []
