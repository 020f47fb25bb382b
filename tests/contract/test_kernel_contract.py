"""The kernel's test app holds up to fuzzing: no 500s, answers match the documented schemas."""

from tests.common.kernel_app.app import MIGRATIONS, KernelSettings, create_app
from tests.contract.fuzz import fuzz_app
from tests.support import migrated_settings


def test_kernel_app_survives_fuzzing(database_target, jwks_json, auth_headers) -> None:
    settings = migrated_settings(
        KernelSettings, target=database_target, jwks_json=jwks_json, migrations=MIGRATIONS
    )
    headers = auth_headers("kernel", kind="admin", scopes=["widgets:write", "events:read"])
    exercised = fuzz_app(create_app(settings), headers=headers)
    assert "POST /v1/widgets" in exercised and "GET /v1/events" in exercised
