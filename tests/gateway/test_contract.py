"""The gateway's own routes (clients admin API, OAuth token endpoint) hold up to fuzzing."""

from tests.contract.fuzz import fuzz_url
from tests.gateway.conftest import RunningGateway


def test_gateway_own_routes_survive_fuzzing(gw: RunningGateway) -> None:
    exercised = fuzz_url(
        gw.url,
        headers=gw.admin_headers,
        max_examples=25,
        skip=lambda method, path: not path.startswith(("/admin/", "/oauth/")),
    )
    assert "POST /admin/v1/clients" in exercised
    assert "POST /oauth/token" in exercised
