"""`make demo`'s story against a stack of real processes, with the client generated the same way.

The story (tools/demo) is told twice on one fresh stack: every step succeeds both times (fresh
codes per run; the reward rules' version and the year's 诚信企业 round are picked as the API
allows), and a story told with a wrong key stops at its first step, naming it and the problem.
"""

import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from services.common.dates import SHANGHAI
from tests.e2e.stack import Stack
from tools.demo.client import PACKAGE, Api, GenerationFailed, generate
from tools.demo.run import generated_api, tell

# An operation whose answer names a schema the document lacks: the generator skips a part.
BROKEN = (
    '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {'
    '"operationId": "get_x", "responses": {"200": {"description": "ok", "content": {'
    '"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}'
)


@pytest.fixture
def api(e2e_stack: Stack, tmp_path: Path) -> Iterator[Api]:
    """The client `make demo` generates, from this stack; unloaded afterwards."""
    out = tmp_path / "client"
    try:
        yield generated_api(e2e_stack.url, out)
    finally:
        if str(out) in sys.path:
            sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def last_month() -> str:
    """The month before this one in Asia/Shanghai, YYYY-MM: the one the vouchers seed's
    redemptions are dated in."""
    today = datetime.now(SHANGHAI).date()
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def told(api: Api, keys: dict[str, str]) -> tuple[int, str]:
    lines: list[str] = []
    status = tell(api, write=lines.append, keys=keys)
    return status, "\n".join(lines)


# A stack's processes start, a client is generated (~15 s) and the story is told thrice.
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_demo_story_runs_through_twice_and_stops_at_a_failing_step(
    e2e_stack: Stack, api: Api
) -> None:
    status, first = told(api, e2e_stack.keys)
    assert status == 0, first
    assert "== the programme year ran through: 13 steps" in first
    # The fresh stack's figures, by hand: a 100,000 元 voucher covering 50%: of an 80,000 元
    # contract, 40,000 元 drawn, 60,000 元 left. Rewards (6,000 fen/m², 20,000 元 per enterprise
    # incubated): the seed's 12,000 m² base with 42 enterprises: 720,000 + 840,000 元; the
    # 3,500 m² maker space with 26: (210,000 + 520,000) × 1.2; the story's 8,000 m² base with
    # 30: 480,000 + 600,000 元.
    for figure in (
        "redeemed 40,000.00 元 of a 80,000.00 元 testing contract: the voucher has 60,000.00 元 left",
        "小店区青年创业园: 1,560,000.00 元 from line:2015:space",
        "迎泽区创客空间: 876,000.00 元 from line:2015:space",
        "1,080,000.00 元 from line:2015:space",
        "committed (funding.reward.space@1): 3 base(s), computed 3,516,000.00 元, "
        "awarded 3,516,000.00 元, 3 disbursement(s) proposed",
        "the proposing admin's own approval is refused: 403 four_eyes_required",
        "approved by cli_demo_approver",
        "3 reward(s) paid: 3,516,000.00 元",
        "trial balance sums to 0.00 元",
        "tax bureau filed credit record",
        "JSB read report",
    ):
        assert figure in first, (figure, first)
    assert re.search(r"verified \d+ public record\(s\) and \d+ signed checkpoint", first), first
    # The vouchers seed's two redemptions of last month (15,000 + 10,000 元), settled by the
    # monthly job at start, paid from the 2015 public-services line, marked paid by the feed.
    month, settled = last_month(), r"(stl_\w+) prv_demo_tyut for {}: 2 line\(s\), 25,000\.00 元"
    requested = re.search(settled.format(month) + r" \(requested\)", first)
    assert requested, first
    settlement = requested.group(1)
    assert re.search(
        rf"paid settlement {settlement} to .+: 25,000\.00 元 from line:2015:public-services, "
        r"approved by cli_demo_approver",
        first,
    ), first
    assert re.search(
        rf"vouchers shows {settlement} prv_demo_tyut for {month}: 2 line\(s\), 25,000\.00 元: "
        r"paid 25,000\.00 元 by dsb_\w+",
        first,
    ), first
    assert re.search(r"this run's redemption rdm_\w+ \(40,000\.00 元\) was made in", first), first
    assert re.search(r"opened the \d{4} round crd_\w+", first), first
    assert re.search(r"sees 1 query of its report: JSB for pre_loan_review, granted", first), first

    status, second = told(api, e2e_stack.keys)
    assert status == 0, second
    assert "the office saved version 2 (the same rules)" in second, second
    assert f"{settlement} prv_demo_tyut for {month}: 2 line(s), 25,000.00 元 (paid)" in second
    assert f"paid settlement {settlement}" not in second, second
    assert "committed (funding.reward.space@2): 1 base(s)" in second, second
    assert re.search(r"the \d{4} round exists already: crd_\w+", second), second

    status, failed = told(api, {**e2e_stack.keys, "portal": "tsk_not_a_key"})
    assert status == 1
    assert failed.splitlines()[-1].startswith(
        "== demo FAILED at step 1 (a portal files enterprises): "
        "registry_file_enterprise answered 401: "
    ), failed


def test_a_generator_warning_fails_the_generation(tmp_path: Path) -> None:
    with pytest.raises(GenerationFailed, match=r"(?s)Warning.*GET /x"):
        generate(BROKEN, tmp_path / "client")
