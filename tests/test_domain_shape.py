"""The one domain shape: problem codes are classes, every route is a unit of work."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

import gateway
import services
from services.common import errors as kernel_errors
from services.common.errors import DomainError
from services.common.unitofwork import UnitOfWorkRoute

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ["registry", "gateway", "credit", "vouchers", "funding"]
# Kernel packages with codes of their own, which any service may answer (rules as data).
KERNEL_ERRORS = ["services.common.rules.errors"]


def _errors_modules(package: str) -> list[str]:
    root = importlib.import_module(package)
    return [
        info.name
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
        if info.name.endswith(".errors")
    ]


def _code_classes(module_name: str) -> list[type[DomainError]]:
    module = importlib.import_module(module_name)
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, DomainError)
        and value.__module__ == module_name
        and value is not DomainError
    ]


def codes_of(service: str) -> dict[str, list[str]]:
    """Every problem code the service can answer → the classes declaring it."""
    package = "gateway" if service == "gateway" else f"services.{service}"
    found: dict[str, list[str]] = {}
    for module in ["services.common.errors", *KERNEL_ERRORS, *_errors_modules(package)]:
        for cls in _code_classes(module):
            found.setdefault(cls.code, []).append(f"{module}.{cls.__name__}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_problem_code_is_one_documented_class(service: str) -> None:
    codes = codes_of(service)
    assert "enterprise_not_found" in codes_of("registry")
    assert "client_not_found" in codes_of("gateway")
    duplicates = {code: where for code, where in codes.items() if len(where) > 1}
    assert duplicates == {}
    for code in codes:
        assert re.fullmatch(r"[a-z][a-z_]*[a-z]", code), code
    package = "gateway" if service == "gateway" else f"services.{service}"
    for module in ["services.common.errors", *KERNEL_ERRORS, *_errors_modules(package)]:
        for cls in _code_classes(module):
            assert (cls.__doc__ or "").strip(), f"{cls.__name__} has no docstring"
            assert 400 <= cls.status < 600, cls


def test_services_and_routers_name_no_code_by_string() -> None:
    # A code written as a string in a domain module would escape the list above.
    offenders = []
    for path in [*ROOT.glob("services/*/*/*.py"), *ROOT.glob("gateway/*/*.py")]:
        if path.name == "errors.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r'\bcode="[a-z_]+"', line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_kernel_base_classes_stay() -> None:
    for name in ("BadRequest", "NotFound", "Conflict", "Forbidden", "Unprocessable"):
        assert issubclass(getattr(kernel_errors, name), DomainError)


def _api_routes(app: object) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in getattr(app, "routes", []):
        included = getattr(route, "original_router", None)  # FastAPI keeps included routers
        if included is not None:
            found.extend(_api_routes(included))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def test_every_route_is_a_unit_of_work(registry_app, gateway_app) -> None:
    for app in (registry_app, gateway_app):
        routes = _api_routes(app)
        assert routes
        plain = [route.path for route in routes if not isinstance(route, UnitOfWorkRoute)]
        assert plain == []


@pytest.fixture
def registry_app(tmp_path: Path):
    from services.registry.app import create_app
    from services.registry.settings import RegistrySettings

    jwks = '{"keys": []}'
    return create_app(
        RegistrySettings(database_url=f"sqlite:///{tmp_path}/r.db", internal_jwks=jwks)
    )


@pytest.fixture
def gateway_app(tmp_path: Path):
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    return create_app(
        GatewaySettings(
            database_url=f"sqlite:///{tmp_path}/g.db",
            signing_key_file=str(tmp_path / "k.pem"),
            write_jwks_file=False,
        )
    )


assert services and gateway  # the packages walked above
