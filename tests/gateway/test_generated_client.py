"""Clients generated from the document the real stack serves, used against that stack.

`openapi-python-client` must generate every operation without a warning, and its functions
must file, read, update, search and import through the gateway; `openapi-typescript` must
turn the same document into types that compile. A service added behind the gateway is covered
by the same checks: every operation of the document must have been generated.
"""

import importlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.gateway.conftest import RunningGateway, registry_stack
from tests.registry.factories import make_uscc
from tools.demo.client import PACKAGE, GenerationFailed
from tools.demo.client import generate as generate_client

ROOT = Path(__file__).resolve().parents[2]
TS_TOOLS = ROOT / "tools" / "openapi-typescript" / "node_modules" / ".bin"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
USCC, IMPORTED_USCC = "91140105MA0KDE119Q", make_uscc(7)
FILING = {
    "uscc": USCC, "name": "太原生成科技有限公司", "district": "xiaodian", "industry": "I65",
    "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
    "revenue_fen": 150_000_000, "is_tech_sme": True,
    "legal_representative": {"name": "张生成", "id_number": "140105198001010011"},
}  # fmt: skip
# A small budget the generated client loads (figures by hand: 3,000 + 2,000 yuan by source,
# 4,000 + 1,000 yuan by use).
BUDGET = {
    "year": 2016, "title": "2016年生成客户端测试预算",
    "sources": [{"code": "central", "name": "中央资金", "amount_fen": 300_000},
                {"code": "city", "name": "市级配套资金", "amount_fen": 200_000}],
    "lines": [{"code": "space", "name": "创业创新空间房租补贴资金", "amount_fen": 400_000},
              {"code": "public-services", "name": "公共服务资金", "amount_fen": 100_000}],
}  # fmt: skip
REGISTER_CSV = (
    "uscc,name,district,industry,founded_on,registered_capital_fen,employees,revenue_fen,"
    "legal_rep_name,legal_rep_id_number\n"
    f"{IMPORTED_USCC},太原导入科技有限公司,yingze,I65,2015-03-01,10000000,8,90000000,"
    "王导入,140105198001010011\n"
)


@pytest.fixture
def stack(
    tmp_path: Path,
    postgres_database: str | None,
    templates: Any,
    signing_key: bytes,
    jwks_json: str,
) -> Iterator[RunningGateway]:
    """The real registry, credit, vouchers and funding services behind a real gateway."""
    with registry_stack(
        directory=tmp_path,
        postgres_database=postgres_database,
        templates=templates,
        signing_key=signing_key,
        jwks_json=jwks_json,
    ) as running:
        yield running
        running.links.follow(running.http)


# A path of each real service: the document is complete once all have joined it.
JOINED = (
    "/registry/v1/enterprises",
    "/credit/v1/records",
    "/vouchers/v1/redemptions",
    "/funding/v1/events",
)


def served_document(gw: RunningGateway) -> str:
    """The merged document as the gateway serves it, once every real service's part is in."""
    deadline = time.monotonic() + 30
    while True:
        response = gw.http.get("/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        missing = [path for path in JOINED if path not in paths]
        if not missing:
            return response.text
        assert time.monotonic() < deadline, f"never joined the merged document: {missing}"
        time.sleep(0.05)


def operation_ids(document: dict[str, Any]) -> set[str]:
    return {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def generate(spec: Path, out: Path) -> ModuleType:
    """Generate with the generator `make demo` uses (any warning, error or skipped operation
    fails it) and import the package."""
    try:
        generate_client(spec.read_text(), out)
    except GenerationFailed as exc:
        pytest.fail(str(exc))
    sys.path.insert(0, str(out))
    return importlib.import_module(PACKAGE)


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Any]:
    """A loader for the generated package, removed from the interpreter afterwards."""
    try:
        yield lambda spec: generate(spec, tmp_path / "generated")
    finally:
        if str(tmp_path / "generated") in sys.path:
            sys.path.remove(str(tmp_path / "generated"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def api(package: ModuleType, operation_id: str) -> ModuleType:
    """The generated module of one operation, wherever its tag put it."""
    found = list((Path(package.__file__).parent / "api").glob(f"*/{operation_id}.py"))
    assert len(found) == 1, (operation_id, found)
    return importlib.import_module(f"{PACKAGE}.api.{found[0].parent.name}.{operation_id}")


# The generators run as subprocesses with their own 300 s limit; with four services' document a
# loaded machine took longer than the suite's 120 s default.
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_generated_python_client_drives_the_stack(
    stack: RunningGateway, generated: Any, tmp_path: Path
) -> None:
    text = served_document(stack)
    spec = tmp_path / "openapi.json"
    spec.write_text(text)
    document = stack.http.get("/openapi.json").json()
    client_package = generated(spec)

    generated_ids = {p.stem for p in (Path(client_package.__file__).parent / "api").glob("*/*.py")}
    assert operation_ids(document) - generated_ids == set()  # no operation skipped, any service

    from tsme_client.models import (  # type: ignore[import-not-found]
        EnterpriseCreate,
        EnterpriseUpdate,
        EnterpriseYearCounts,
        ImportJobPublic,
        Problem,
        ProgressReport,
    )
    from tsme_client.types import File  # type: ignore[import-not-found]

    key = stack.key_for("department", org="sme_bureau")
    client = client_package.AuthenticatedClient(base_url=stack.url, token=key)

    filed = api(client_package, "registry_file_enterprise").sync_detailed(
        client=client, body=EnterpriseCreate.from_dict(FILING), idempotency_key="gen-file-1"
    )
    assert filed.status_code == 201, filed.content
    assert filed.parsed.uscc == USCC and filed.parsed.size_class.value in ("micro", "small")
    assert filed.headers["location"] == f"/registry/v1/enterprises/{USCC}"

    read = api(client_package, "registry_get_enterprise").sync_detailed(USCC, client=client)
    assert read.status_code == 200 and read.parsed.name == FILING["name"]
    etag = read.headers["etag"]

    update = api(client_package, "registry_update_enterprise")
    updated = update.sync_detailed(
        USCC, client=client, body=EnterpriseUpdate(employees=14), if_match=etag
    )
    assert updated.status_code == 200, updated.content
    assert updated.parsed.employees == 14 and updated.parsed.version == 2
    stale = update.sync_detailed(
        USCC, client=client, body=EnterpriseUpdate(employees=15), if_match=etag
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Problem) and stale.parsed.code == "stale_etag"

    found = api(client_package, "registry_search_enterprises").sync(
        client=client, district="xiaodian"
    )
    assert [item.uscc for item in found.items] == [USCC]

    upload = api(client_package, "registry_create_import")
    form_body = next(
        cls
        for name, cls in vars(importlib.import_module(f"{PACKAGE}.models")).items()
        if name.endswith("CreateImportFilesBody")
    )
    started = upload.sync_detailed(
        client=client,
        body=form_body(file=File(payload=BytesIO(REGISTER_CSV.encode()), file_name="register.csv")),
    )
    assert started.status_code == 202, started.content
    assert isinstance(started.parsed, ImportJobPublic)
    assert started.headers["location"] == f"/registry/v1/imports/{started.parsed.id}"
    get_import = api(client_package, "registry_get_import")
    deadline = time.monotonic() + 60
    job = get_import.sync(started.parsed.id, client=client)
    while job.status.value not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = get_import.sync(started.parsed.id, client=client)
    assert job.status.value == "succeeded" and job.filed_rows == 1, job.to_dict()
    imported = api(client_package, "registry_get_enterprise").sync(IMPORTED_USCC, client=client)
    assert imported.district == "yingze"

    year = datetime.now(ZoneInfo("Asia/Shanghai")).year  # both enterprises filed this year
    progress = api(client_package, "registry_get_monitoring_progress").sync(
        client=client, year=year
    )
    assert isinstance(progress, ProgressReport) and progress.year == year
    city = progress.units[-1]
    assert isinstance(city.enterprises, EnterpriseYearCounts) and city.enterprises.filed == 2

    unauthenticated = client_package.Client(base_url=stack.url)
    refused = api(client_package, "registry_get_enterprise").sync_detailed(
        USCC, client=unauthenticated
    )
    assert refused.status_code == 401 and isinstance(refused.parsed, Problem)

    drive_funding(client_package, stack)


def drive_funding(client_package: ModuleType, stack: RunningGateway) -> None:
    """Funding through the generated client: anyone reads the ledger, an admin loads a budget."""
    from tsme_client.models import (  # type: ignore[import-not-found]
        BudgetCreate,
        BudgetPublic,
        LedgerAccountPublicPage,
        Problem,
        TrialBalancePublic,
    )

    anonymous = client_package.Client(base_url=stack.url)
    trial_balance = api(client_package, "funding_get_ledger_trial_balance")
    empty = trial_balance.sync(client=anonymous)
    assert isinstance(empty, TrialBalancePublic) and empty.accounts == [] and empty.zero_sum

    load = api(client_package, "funding_load_funding_budget")
    department = client_package.AuthenticatedClient(
        base_url=stack.url, token=stack.key_for("department", org="sme_bureau")
    )
    refused = load.sync_detailed(
        client=department, body=BudgetCreate.from_dict(BUDGET), idempotency_key="gen-budget-0"
    )
    assert refused.status_code == 403 and isinstance(refused.parsed, Problem)
    assert refused.parsed.code == "insufficient_scope"

    admin = client_package.AuthenticatedClient(base_url=stack.url, token=stack.key_for("admin"))
    loaded = load.sync_detailed(
        client=admin, body=BudgetCreate.from_dict(BUDGET), idempotency_key="gen-budget-1"
    )
    assert loaded.status_code == 201, loaded.content
    assert isinstance(loaded.parsed, BudgetPublic)
    assert (loaded.parsed.year, loaded.parsed.total_fen) == (2016, 500_000)
    assert {line.code: line.balance_fen for line in loaded.parsed.lines} == {
        "space": 400_000,
        "public-services": 100_000,
    }
    again = api(client_package, "funding_get_funding_budget").sync(2016, client=department)
    assert isinstance(again, BudgetPublic) and again.title == BUDGET["title"]

    accounts = api(client_package, "funding_list_ledger_accounts").sync(client=admin)
    assert isinstance(accounts, LedgerAccountPublicPage)
    assert {a.code: a.balance_fen for a in accounts.items} == {
        "source:central": -300_000,
        "source:city": -200_000,
        "line:2016:space": 400_000,
        "line:2016:public-services": 100_000,
    }
    after = trial_balance.sync(client=anonymous)
    assert after.zero_sum and after.total_fen == 0
    assert (after.totals_by_kind["line"], after.totals_by_kind["source"]) == (500_000, -500_000)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_openapi_typescript_accepts_the_document(stack: RunningGateway, tmp_path: Path) -> None:
    generator, compiler = TS_TOOLS / "openapi-typescript", TS_TOOLS / "tsc"
    if not generator.exists() or shutil.which("node") is None:
        pytest.fail("openapi-typescript is not installed: run `make test` (it installs it)")
    spec = tmp_path / "openapi.json"
    spec.write_text(served_document(stack))
    types = tmp_path / "platform.d.ts"
    result = subprocess.run(
        [str(generator), str(spec), "--output", str(types)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"warn|error", output, re.I), output
    text = types.read_text()
    assert '"/registry/v1/enterprises/{uscc}"' in text and "EnterprisePublic" in text
    compiled = subprocess.run(
        [str(compiler), "--noEmit", "--strict", str(types)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_every_header_and_name_is_declared(stack: RunningGateway) -> None:
    served_document(stack)
    document = stack.http.get("/openapi.json").json()
    assert document["servers"] == [{"url": stack.settings.public_url, "description": "The gateway"}]
    names = list(document["components"]["schemas"])
    assert [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)] == []  # no a__b, -Output
    titles = [s.get("title", n) for n, s in document["components"]["schemas"].items()]
    assert len(titles) == len(set(titles))
    paths = document["paths"]

    def header(path: str, method: str, name: str) -> dict[str, Any] | None:
        params = paths[path][method].get("parameters", [])
        return next((p for p in params if p["in"] == "header" and p["name"] == name), None)

    for path, method, required in (
        ("/registry/v1/enterprises/{uscc}", "patch", True),
        ("/registry/v1/tax-relief/filings/{filing_id}", "put", True),
        ("/admin/v1/clients/{client_id}", "patch", True),
        ("/registry/v1/enterprises/{uscc}/deregistration", "post", False),
        ("/registry/v1/complaints/{complaint_id}/transitions", "post", False),
        ("/registry/v1/targets/{year}/{unit}", "put", False),
    ):
        if_match = header(path, method, "If-Match")
        assert if_match is not None and if_match["required"] is required, (path, if_match)
        assert "ETag" in paths[path][method]["responses"]["200"]["headers"]
    for path in ("/registry/v1/enterprises", "/registry/v1/imports"):
        answer = paths[path]["post"]["responses"]["201" if "enterprises" in path else "202"]
        assert {"Location", "Idempotent-Replayed"} <= set(answer["headers"])
        assert header(path, "post", "Idempotency-Key") is not None
    assert set(paths["/registry/v1/imports"]["post"]["requestBody"]["content"]) == {
        "multipart/form-data",
        "application/octet-stream",
    }
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, answer in operation["responses"].items():
                assert "X-Request-ID" in answer.get("headers", {}), (path, method, status)
            if path.startswith("/registry/"):
                assert {"429", "503"} <= set(operation["responses"])
                assert {"RateLimit", "RateLimit-Policy"} <= set(
                    operation["responses"]["200" if "200" in operation["responses"] else "201"][
                        "headers"
                    ]
                    if {"200", "201"} & set(operation["responses"])
                    else operation["responses"]["202"]["headers"]
                )
                on_behalf = header(path, method, "X-On-Behalf-Of")
                assert (on_behalf is not None) is bool(operation["security"]), (path, method)
