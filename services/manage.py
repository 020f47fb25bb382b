"""Operations for `make run`: signing keys, migrations, demo data, and where to look.

python -m services.manage prepare   # keys + migrate + service clients + seed (idempotent)
python -m services.manage migrate   # every service to head
python -m services.manage clients   # each consuming service's own gateway client
python -m services.manage banner    # URLs and demo credentials
"""

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.common.db import Database
from services.common.migrations import upgrade_to_head
from services.common.settings import ServiceSettings


@dataclass(frozen=True)
class Component:
    """A process of the platform: its settings, migrations, port and demo-data loader."""

    name: str
    port: int
    settings: str
    migrations: Path
    seed: str | None = None

    def load_settings(self) -> ServiceSettings:
        """This component's settings, read from the environment."""
        module, cls = self.settings.rsplit(":", 1)
        settings: ServiceSettings = getattr(importlib.import_module(module), cls)()
        return settings


ROOT = Path(__file__).resolve().parents[1]
COMPONENTS = [
    Component(
        "gateway",
        8000,
        "gateway.settings:GatewaySettings",
        ROOT / "gateway/migrations",
        "gateway.demo:seed",
    ),
    Component(
        "registry",
        8001,
        "services.registry.settings:RegistrySettings",
        ROOT / "services/registry/migrations",
        "services.registry.demo:seed",
    ),
    Component(
        "funding",
        8002,
        "services.funding.settings:FundingSettings",
        ROOT / "services/funding/migrations",
        "services.funding.demo:seed",
    ),
    Component(
        "credit",
        8003,
        "services.credit.settings:CreditSettings",
        ROOT / "services/credit/migrations",
        "services.credit.demo:seed",
    ),
    Component(
        "vouchers",
        8004,
        "services.vouchers.settings:VouchersSettings",
        ROOT / "services/vouchers/migrations",
        "services.vouchers.demo:seed",
    ),
]


def _callable(path: str) -> Callable[..., Any] | None:
    module_name, name = path.rsplit(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    found: Callable[..., Any] = getattr(module, name)
    return found


def ensure_keys() -> None:
    """Create the gateway's development signing key and the JWKS file services read, and the
    funding service's public-ledger checkpoint key (each only if missing)."""
    ensure = _callable("gateway.auth.signing:ensure_keys")
    if ensure is not None:
        ensure()
    ensure_ledger = _callable("services.funding.public.keys:ensure_ledger_key")
    if ensure_ledger is not None:
        ensure_ledger()


def migrate() -> None:
    """Bring every component's database to its head revision."""
    for component in COMPONENTS:
        settings = component.load_settings()
        database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
        try:
            upgrade_to_head(component.name, component.migrations, database)
        finally:
            database.dispose()
        print(f"  migrated {component.name:<8} {settings.resolved_database_url}")


def provision_service_clients() -> list[str]:
    """Give each consuming service its own gateway client, stored where it reads it."""
    provision = _callable("gateway.service_clients:seed")
    return list(provision() or []) if provision is not None else []


def seed() -> list[str]:
    """Load demo data (idempotently); returns lines to print."""
    lines: list[str] = []
    for component in COMPONENTS:
        loader = _callable(component.seed) if component.seed else None
        if loader is not None:
            lines += loader(component.load_settings()) or []
    return lines


def banner(extra: list[str]) -> str:
    """Where to look once everything is up."""
    rows = [
        "",
        "Taiyuan SME platform — starting (Ctrl-C stops everything)",
        "  gateway   http://127.0.0.1:8000   docs: http://127.0.0.1:8000/docs   "
        "OpenAPI: http://127.0.0.1:8000/openapi.json",
    ]
    rows += [
        f"  {c.name:<9} http://127.0.0.1:{c.port}   /healthz /readyz /metrics /docs"
        for c in COMPONENTS
        if c.name != "gateway"
    ]
    return "\n".join([*rows, *extra, ""])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m services.manage")
    parser.add_argument(
        "command", choices=["prepare", "keys", "migrate", "clients", "seed", "banner"]
    )
    args = parser.parse_args(argv)
    if args.command in ("prepare", "keys"):
        ensure_keys()
    if args.command in ("prepare", "migrate"):
        migrate()
    extra: list[str] = []
    if args.command in ("prepare", "clients"):
        extra += provision_service_clients()
    if args.command in ("prepare", "seed"):
        extra += seed()
    if args.command in ("prepare", "banner"):
        print(banner(extra))
    elif extra:
        print("\n".join(extra))
    return 0


if __name__ == "__main__":
    sys.exit(main())
