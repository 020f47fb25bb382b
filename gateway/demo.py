"""Demo data: one client of each kind with known API keys, and a second admin to approve what
the first proposes (four eyes), development only, idempotent.

`python -m gateway.demo` (or `seed_demo()` from `make run`) prints the keys.
"""

from gateway.auth.scopes import DEFAULT_SCOPES
from gateway.clients import service
from gateway.clients.models import Client
from gateway.operations import MIGRATIONS
from gateway.settings import GatewaySettings
from services.common.db import Database
from services.common.identity import ClientKind
from services.common.migrations import upgrade_to_head

DEMO_ENTERPRISE_USCC = "91140105MA0KDE119Q"
# Services get no demo key: `make run` provisions each consuming service its own client secret.
# label (the key's and client id's middle part) → kind, name, org
DEMO_CLIENTS: dict[str, tuple[ClientKind, str, str | None]] = {
    "admin": (ClientKind.ADMIN, "Taiyuan demonstration office (demo)", None),
    "approver": (ClientKind.ADMIN, "Taiyuan demonstration office, second approver (demo)", None),
    "department": (ClientKind.DEPARTMENT, "Taiyuan tax bureau (demo)", "tax"),
    "bank": (ClientKind.BANK, "Jinshang Bank credit desk (demo)", "JSB"),
    "provider": (
        ClientKind.PROVIDER,
        "Taiyuan University of Technology lab (demo)",
        "prv_demo_tyut",
    ),
    "portal": (ClientKind.PORTAL, "Shanxi SME portal (demo)", None),
    "enterprise": (
        ClientKind.ENTERPRISE,
        "Taiyuan Demo Tech Co., Ltd. (demo)",
        DEMO_ENTERPRISE_USCC,
    ),
}


def demo_key(kind: str, prefix: str = "tsk") -> str:
    """The well-known demo API key of a kind, or of `approver` (never valid outside development)."""
    return f"{prefix}_demo_{kind}_" + "0123456789abcdef0123456789abcdef"


def seed_demo(settings: GatewaySettings | None = None, *, quiet: bool = False) -> dict[str, str]:
    """Create the demo clients and keys if missing; returns label (kind or approver) → API key."""
    settings = settings or GatewaySettings()
    if settings.environment != "development":
        raise RuntimeError("demo data is for development only")
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        upgrade_to_head("gateway", MIGRATIONS, database)
        keys: dict[str, str] = {}
        with database.transaction() as session:
            for label, (kind, name, org) in DEMO_CLIENTS.items():
                client_id = f"cli_demo_{label}"
                if session.get(Client, client_id) is None:
                    session.add(
                        Client(
                            id=client_id,
                            name=name,
                            kind=kind,
                            org=org,
                            scopes=sorted(DEFAULT_SCOPES[kind]),
                        )
                    )
                    session.flush()
                key = demo_key(label, settings.api_key_prefix)
                service.ensure_api_key(session, client_id=client_id, key=key, label="demo")
                keys[label] = key
    finally:
        database.dispose()
    if not quiet:
        print("Demo API keys (development only):")
        for label, key in keys.items():
            print(f"  {label:<11} {key}")
        print(
            f'  try: curl -H "Authorization: Bearer {keys["department"]}" '
            "localhost:8000/registry/v1/enterprises"
        )
    return keys


def seed(settings: GatewaySettings | None = None) -> list[str]:
    """Demo data for `python -m services.manage prepare`: lines for its banner."""
    settings = settings or GatewaySettings()
    if settings.environment != "development":
        return []
    keys = seed_demo(settings, quiet=True)
    return [
        "",
        "Demo API keys (development only) — send as `Authorization: Bearer <key>`:",
        *(f"  {kind:<11} {key}" for kind, key in keys.items()),
        f'  e.g. curl -H "Authorization: Bearer {keys["department"]}" '
        "http://127.0.0.1:8000/registry/v1/enterprises",
        "  approver: a second admin, to approve what `admin` proposes (four eyes)",
        f'  portal on behalf of an enterprise: -H "X-On-Behalf-Of: {DEMO_ENTERPRISE_USCC}"',
        f'  bank reading the demo credit report: curl -H "Authorization: Bearer {keys["bank"]}" '
        f'"http://127.0.0.1:8000/credit/v1/enterprises/{DEMO_ENTERPRISE_USCC}/report'
        '?purpose=pre_loan_review"',
    ]


if __name__ == "__main__":
    seed_demo()
