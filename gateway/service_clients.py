"""Each consuming service's own gateway client (kind `service`, scope `events:read`).

`python -m services.manage prepare` (so `make run`) calls `provision`: it creates the client of
each consuming service if missing and writes its id and secret where that service reads them
(`var/service-clients/<service>.json`). In a deployment the same values come from a secret
(`<SERVICE>_SERVICE_CLIENT_ID` / `_SECRET`); no service is ever given an admin key.
"""

import json
import os
from pathlib import Path

from gateway.auth.clientsecrets import SecretVerifier
from gateway.auth.scopes import DEFAULT_SCOPES
from gateway.clients import service
from gateway.clients.models import Client
from gateway.operations import MIGRATIONS
from gateway.settings import GatewaySettings
from services.common.db import Database
from services.common.identity import ClientKind
from services.common.migrations import upgrade_to_head
from services.common.settings import SERVICE_CLIENTS_DIR

# The services that read other services' feeds (registry → credit, vouchers, funding; …).
CONSUMERS = ("credit", "vouchers", "funding")
# A consumer catching up after an outage reads many pages in a row.
SERVICE_RATE_LIMITS = {"read": "3000/minute"}


def client_id_of(name: str) -> str:
    """The id of a consuming service's client."""
    return f"cli_svc_{name}"


def _stored(path: Path) -> dict[str, str] | None:
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return stored if isinstance(stored, dict) else None


def _write(path: Path, client_id: str, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"client_id": client_id, "client_secret": secret}, file)


def provision(
    settings: GatewaySettings | None = None, *, directory: Path = SERVICE_CLIENTS_DIR
) -> dict[str, Path]:
    """Ensure every consuming service has a client and a credentials file; service → file."""
    settings = settings or GatewaySettings()
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    files: dict[str, Path] = {}
    try:
        upgrade_to_head("gateway", MIGRATIONS, database)
        with database.transaction() as session:
            for name in CONSUMERS:
                client_id, path = client_id_of(name), directory / f"{name}.json"
                client = session.get(Client, client_id)
                if client is None:
                    session.add(
                        Client(
                            id=client_id,
                            name=f"{name} service (reads feeds)",
                            kind=ClientKind.SERVICE,
                            org=name,
                            scopes=sorted(DEFAULT_SCOPES[ClientKind.SERVICE]),
                            rate_limits=SERVICE_RATE_LIMITS,
                        )
                    )
                    session.flush()
                stored = _stored(path)
                valid = stored is not None and stored.get("client_id") == client_id
                if valid and stored is not None:
                    secret = stored.get("client_secret", "")
                    valid = (
                        service.check_client_secret(
                            session,
                            client_id=client_id,
                            secret=secret,
                            verifier=SecretVerifier(max_legacy=1),
                        )
                        is not None
                    )
                if not valid:
                    _write(path, client_id, service.rotate_secret(session, client_id=client_id))
                files[name] = path
    finally:
        database.dispose()
    return files


def seed(settings: GatewaySettings | None = None) -> list[str]:
    """`services.manage prepare`: provision the service clients; lines for its banner."""
    files = provision(settings)
    return [
        "",
        "Service clients (kind `service`, scope events:read), credentials in:",
        *(f"  {name:<9} {path}" for name, path in files.items()),
    ]
