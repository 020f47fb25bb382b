"""The ledger through its HTTP API: transfers, idempotency, reversals, the non-negative guard,
statements with running balances and the zero-sum trial balance."""

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.db import Database
from services.common.errors import DomainError
from services.funding.ledger import service as ledger
from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import balance, execute, fund, open_accounts

CENTRAL, LINE, OTHER = "source:central", "line:2015:other", "line:2015:space"


def _setup(app: FastAPI) -> None:
    open_accounts(app, (CENTRAL, "source", False), (LINE, "line", True), (OTHER, "line", True))


def _post(
    client: TestClient, headers: dict[str, str], legs: list[tuple[str, int]], key: str | None = None
) -> Any:
    return client.post(
        "/v1/ledger/transfers",
        json={
            "kind": "receipt",
            "memo": "中央资金到账",
            "legs": [{"account": a, "amount_fen": n} for a, n in legs],
        },
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_a_receipt_moves_money_and_the_trial_balance_sums_to_zero(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    answer = _post(funding_client, funding_headers(), [(CENTRAL, -300_00), (LINE, 300_00)])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["amount_fen"] == 30_000 and body["kind"] == "receipt"
    assert {
        (leg["account"], leg["amount_fen"], leg["balance_after_fen"]) for leg in body["legs"]
    } == {
        (CENTRAL, -30_000, -30_000),
        (LINE, 30_000, 30_000),
    }
    assert answer.headers["Location"].endswith(f"/v1/ledger/transfers/{body['id']}")
    # public reads: no key at all
    assert funding_client.get(f"/v1/ledger/transfers/{body['id']}").json() == body
    # a later transfer's legs never join this one's
    later = _post(funding_client, funding_headers(), [(CENTRAL, -100), (OTHER, 100)])
    assert later.status_code == 201, later.text
    assert later.json()["id"] > body["id"]
    assert funding_client.get(f"/v1/ledger/transfers/{body['id']}").json() == body
    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["total_fen"] == 0 and trial["zero_sum"] and trial["entries_agree"]
    assert trial["totals_by_kind"] == {"source": -30_100, "line": 30_100}
    assert {a["code"]: a["balance_fen"] for a in trial["accounts"]} == {
        CENTRAL: -30_100,
        LINE: 30_000,
        OTHER: 100,
    }


def test_unbalanced_zero_and_unknown_legs_are_refused_and_change_nothing(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    headers = funding_headers()
    cases = [
        ([(CENTRAL, -100), (LINE, 99)], "ledger_unbalanced_transfer"),
        ([(CENTRAL, -100), (LINE, 101)], "ledger_unbalanced_transfer"),  # a fen made from air
        ([(CENTRAL, 0), (LINE, 0)], "ledger_unbalanced_transfer"),
        ([(CENTRAL, -100), (CENTRAL, 100)], "ledger_unbalanced_transfer"),
        ([(CENTRAL, -100), ("line:2015:nowhere", 100)], "ledger_unknown_account"),
    ]
    for legs, code in cases:
        answer = _post(funding_client, headers, legs)
        assert answer.status_code == 422 and answer.json()["code"] == code, answer.text
    answer = _post(funding_client, headers, [(CENTRAL, -100)])
    assert (
        answer.status_code == 422
        and [e["field"] for e in answer.json()["errors"]] == ["body.legs"]
        and answer.json()["errors"][0]["field"] == "body.legs"
    )
    assert balance(funding_app, CENTRAL) == balance(funding_app, LINE) == 0


def test_a_non_negative_account_cannot_go_below_zero(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=1_000, key="k1")
    answer = _post(funding_client, funding_headers(), [(LINE, -1_001), (OTHER, 1_001)])
    assert answer.status_code == 409 and answer.json()["code"] == "ledger_insufficient_funds"
    assert LINE in answer.json()["detail"]
    assert balance(funding_app, LINE) == 1_000 and balance(funding_app, OTHER) == 0
    statement = funding_client.get(f"/v1/ledger/accounts/{OTHER}/statement").json()
    assert statement["items"] == []
    # exactly the balance is fine; a source may go negative
    assert (
        _post(funding_client, funding_headers(), [(LINE, -1_000), (OTHER, 1_000)]).status_code
        == 201
    )
    assert balance(funding_app, LINE) == 0 and balance(funding_app, CENTRAL) == -1_000


def test_the_same_key_replays_and_a_reused_key_with_other_legs_is_a_conflict(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    headers = funding_headers()
    first = _post(funding_client, headers, [(CENTRAL, -500), (LINE, 500)], key="same")
    again = _post(funding_client, headers, [(CENTRAL, -500), (LINE, 500)], key="same")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert balance(funding_app, LINE) == 500
    # the service's own key: same legs → the same transfer, other legs → 409
    database: Database = funding_app.state.database
    with database.transaction() as session:
        one = ledger.transfer(
            session,
            key="svc:1",
            legs=[(CENTRAL, -7), (LINE, 7)],
            kind="t",
            memo="m",
            principal_id="p",
        )
        two = ledger.transfer(
            session,
            key="svc:1",
            legs=[(LINE, 7), (CENTRAL, -7)],
            kind="t",
            memo="m",
            principal_id="p",
        )
        assert one.id == two.id
        try:
            ledger.transfer(
                session,
                key="svc:1",
                legs=[(CENTRAL, -8), (LINE, 8)],
                kind="t",
                memo="m",
                principal_id="p",
            )
        except DomainError as exc:
            assert exc.code == "ledger_transfer_key_reused" and exc.status == 409
        else:
            raise AssertionError("a reused key with other legs was accepted")
    assert balance(funding_app, LINE) == 507


def test_a_reversal_is_a_new_transfer_negating_each_leg_once(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    headers = funding_headers()
    original = _post(funding_client, headers, [(CENTRAL, -2_500), (LINE, 2_500)]).json()
    url = f"/v1/ledger/transfers/{original['id']}/reversal"
    reversal = funding_client.post(
        url, json={"memo": "录入错误"}, headers={**headers, "Idempotency-Key": "rev-1"}
    )
    assert reversal.status_code == 201, reversal.text
    body = reversal.json()
    assert body["reverses"] == original["id"] and body["kind"] == "reversal"
    assert {(leg["account"], leg["amount_fen"]) for leg in body["legs"]} == {
        (CENTRAL, 2_500),
        (LINE, -2_500),
    }
    assert balance(funding_app, LINE) == balance(funding_app, CENTRAL) == 0
    assert (
        funding_client.get(f"/v1/ledger/transfers/{original['id']}").json()["reversed_by"]
        == body["id"]
    )
    twice = funding_client.post(
        url, json={"memo": "again"}, headers={**headers, "Idempotency-Key": "rev-2"}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "ledger_transfer_already_reversed"
    of_reversal = funding_client.post(
        f"/v1/ledger/transfers/{body['id']}/reversal",
        json={"memo": "undo the undo"},
        headers={**headers, "Idempotency-Key": "rev-3"},
    )
    assert of_reversal.status_code == 409
    assert of_reversal.json()["code"] == "ledger_transfer_already_reversed"
    missing = funding_client.post(
        "/v1/ledger/transfers/trf_nope/reversal",
        json={"memo": "x"},
        headers={**headers, "Idempotency-Key": "rev-4"},
    )
    assert missing.status_code == 404 and missing.json()["code"] == "ledger_transfer_not_found"
    # the entries are all still there: the statement shows both, running balance back to 0
    lines = funding_client.get(f"/v1/ledger/accounts/{LINE}/statement").json()["items"]
    assert [(x["entry_no"], x["amount_fen"], x["balance_after_fen"]) for x in lines] == [
        (1, 2_500, 2_500),
        (2, -2_500, 0),
    ]


def test_a_reversal_is_refused_when_the_money_has_moved_on(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    headers = funding_headers()
    original = _post(funding_client, headers, [(CENTRAL, -900), (LINE, 900)]).json()
    assert _post(funding_client, headers, [(LINE, -500), (OTHER, 500)]).status_code == 201
    answer = funding_client.post(
        f"/v1/ledger/transfers/{original['id']}/reversal",
        json={"memo": "too late"},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "ledger_insufficient_funds"
    assert balance(funding_app, LINE) == 400 and balance(funding_app, CENTRAL) == -900


def test_statement_and_account_lists_paginate(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    for n in range(1, 6):
        fund(funding_app, source=CENTRAL, account=LINE, amount_fen=n * 100, key=f"p{n}")
    first = funding_client.get(f"/v1/ledger/accounts/{LINE}/statement?limit=2").json()
    second = funding_client.get(
        f"/v1/ledger/accounts/{LINE}/statement?limit=2&cursor={first['next_cursor']}"
    ).json()
    third = funding_client.get(
        f"/v1/ledger/accounts/{LINE}/statement?limit=2&cursor={second['next_cursor']}"
    ).json()
    running = [x["balance_after_fen"] for page in (first, second, third) for x in page["items"]]
    assert running == [100, 300, 600, 1000, 1500] and third["next_cursor"] is None
    lines = funding_client.get("/v1/ledger/accounts?kind=line&limit=1").json()
    assert [a["code"] for a in lines["items"]] == [LINE] and lines["next_cursor"]
    rest = funding_client.get(f"/v1/ledger/accounts?kind=line&cursor={lines['next_cursor']}").json()
    assert [a["code"] for a in rest["items"]] == [OTHER]
    account = funding_client.get(f"/v1/ledger/accounts/{LINE}").json()
    assert account["balance_fen"] == 1_500 and account["entries"] == 5
    missing = funding_client.get("/v1/ledger/accounts/line:2015:nowhere")
    assert missing.status_code == 404 and missing.json()["code"] == "ledger_account_not_found"
    bad = funding_client.get("/v1/ledger/accounts?year=1")
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["query.year"]


def test_writes_need_an_admin_and_an_idempotency_key(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    body = {
        "kind": "receipt",
        "memo": "m",
        "legs": [{"account": CENTRAL, "amount_fen": -1}, {"account": LINE, "amount_fen": 1}],
    }
    no_key = funding_client.post("/v1/ledger/transfers", json=body, headers=funding_headers())
    assert no_key.status_code == 400 and no_key.json()["code"] == "idempotency_key_required"
    bank = funding_client.post(
        "/v1/ledger/transfers",
        json=body,
        headers={**funding_headers(kind="department"), "Idempotency-Key": "k"},
    )
    assert bank.status_code == 403 and bank.json()["code"] == "forbidden_client_kind"
    assert balance(funding_app, LINE) == 0


def test_opening_an_account_is_idempotent_and_other_terms_conflict(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    body = {"code": "pool:risk", "name": "助保贷风险池", "kind": "pool", "non_negative": True}
    first = funding_client.post("/v1/ledger/accounts", json=body, headers=funding_headers())
    again = funding_client.post("/v1/ledger/accounts", json=body, headers=funding_headers())
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = funding_client.post(
        "/v1/ledger/accounts", json={**body, "non_negative": False}, headers=funding_headers()
    )
    assert other.status_code == 409 and other.json()["code"] == "ledger_account_conflict"
    bad = funding_client.post(
        "/v1/ledger/accounts", json={**body, "code": "Pool risk"}, headers=funding_headers()
    )
    assert (
        bad.status_code == 422
        and [e["field"] for e in bad.json()["errors"]] == ["body.code"]
        and bad.json()["errors"][0]["field"] == "body.code"
    )


def _refusal(call: Any) -> tuple[str, str]:
    try:
        call()
    except DomainError as exc:
        return exc.code, exc.errors[0].field if exc.errors else ""
    raise AssertionError("the ledger accepted what it must refuse")


def test_the_service_interface_refuses_bad_codes_kinds_and_non_integer_legs(
    funding_app: FastAPI,
) -> None:
    _setup(funding_app)
    database: Database = funding_app.state.database
    with database.transaction() as session:

        def opening(code: str, kind: str) -> Any:
            return lambda: ledger.open_account(
                session, code=code, name="x", kind=kind, non_negative=True
            )

        assert _refusal(opening("Line 2015", "line")) == (
            "ledger_invalid_account_code",
            "body.code",
        )
        assert _refusal(opening("line:" + "x" * 116, "line")) == (  # 121 characters
            "ledger_invalid_account_code",
            "body.code",
        )
        longest = "line:" + "x" * 115  # 120 characters: the longest code
        assert (
            ledger.open_account(
                session, code=longest, name="x", kind="line", non_negative=True
            ).code
            == longest
        )
        assert _refusal(opening("line:2015:x", "bucket")) == (
            "ledger_invalid_account_code",
            "body.kind",
        )

        # True is an int to Python, but never a number of fen
        def bool_leg() -> Any:
            return ledger.transfer(
                session,
                key="svc:bool",
                legs=[(CENTRAL, -1), (LINE, True)],
                kind="t",
                memo="m",
                principal_id="p",
            )

        assert _refusal(bool_leg) == ("ledger_unbalanced_transfer", "body.legs.1.amount_fen")

        def one_leg() -> Any:
            return ledger.transfer(
                session, key="svc:one", legs=[(LINE, 5)], kind="t", memo="m", principal_id="p"
            )

        assert _refusal(one_leg) == ("ledger_unbalanced_transfer", "body.legs")
        accounts, _, _ = ledger.trial_balance(session)
        assert [a.code for a in accounts] == sorted([CENTRAL, LINE, OTHER, longest])
    assert balance(funding_app, CENTRAL) == balance(funding_app, LINE) == 0


def test_an_account_loaded_before_a_transfer_shows_the_balance_after_it(
    funding_app: FastAPI,
) -> None:
    _setup(funding_app)
    database: Database = funding_app.state.database
    with database.transaction() as session:
        line = ledger.get_account(session, code=LINE)
        assert (line.balance_fen, line.entries) == (0, 0)
        ledger.transfer(
            session,
            key="svc:loaded",
            legs=[(CENTRAL, -250), (LINE, 250)],
            kind="receipt",
            memo="m",
            principal_id="p",
        )
        assert (line.balance_fen, line.entries) == (250, 1)
    assert balance(funding_app, LINE) == 250


def test_a_reversal_retried_with_its_key_answers_the_first_and_moves_money_once(
    funding_app: FastAPI,
) -> None:
    _setup(funding_app)
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=800, key="orig")
    database: Database = funding_app.state.database
    with database.transaction() as session:
        original = ledger.transfer(
            session,
            key="orig",
            legs=[(CENTRAL, -800), (LINE, 800)],
            kind="receipt",
            memo="test funds",
            principal_id="test",
        )
        first = ledger.reverse(
            session, transfer_id=original.id, key="rev", principal_id="p", memo="m"
        )
        again = ledger.reverse(
            session, transfer_id=original.id, key="rev", principal_id="p", memo="m"
        )
        assert first.id == again.id and first.reverses == original.id
        first_id, original_id = first.id, original.id
    with database.transaction() as session:  # a retry that loads both transfers afresh
        later = ledger.reverse(
            session, transfer_id=original_id, key="rev", principal_id="p", memo="m"
        )
        assert later.id == first_id
    assert balance(funding_app, LINE) == balance(funding_app, CENTRAL) == 0


def test_the_insufficient_funds_detail_names_the_first_account_taken_below_zero(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The 409's detail names the account that would go negative, with its balance and leg:
    not a source (which may go negative), not an account the transfer leaves at 0 or above."""
    _setup(funding_app)
    rest = "line:2015:rest"  # sorts between LINE and OTHER
    open_accounts(funding_app, ("central:2015", "source", False), (rest, "line", True))
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=500, key="k1")
    fund(funding_app, source=CENTRAL, account=rest, amount_fen=500, key="k2")
    fund(funding_app, source=CENTRAL, account=OTHER, amount_fen=100, key="k3")
    legs = [("central:2015", -50), (LINE, -500), (rest, -300), (OTHER, -101), (CENTRAL, 951)]
    answer = _post(funding_client, funding_headers(), legs)
    assert answer.status_code == 409 and answer.json()["code"] == "ledger_insufficient_funds"
    assert answer.json()["detail"] == (
        f"The transfer would take {OTHER} (balance 100 fen, leg -101 fen) below zero."
    )
    assert [balance(funding_app, code) for code in (LINE, rest, OTHER)] == [500, 500, 100]


def test_a_transfers_amount_is_the_sum_of_its_incoming_legs_down_to_one_fen(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    answer = _post(funding_client, funding_headers(), [(CENTRAL, -101), (LINE, 100), (OTHER, 1)])
    assert answer.status_code == 201, answer.text
    assert answer.json()["amount_fen"] == 101
    assert (balance(funding_app, LINE), balance(funding_app, OTHER)) == (100, 1)


def test_a_reversal_marks_only_the_transfer_it_reverses(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    headers = funding_headers()
    first, second = sorted(
        _post(funding_client, headers, [(CENTRAL, -n), (LINE, n)]).json()["id"] for n in (30, 40)
    )
    reversal = funding_client.post(
        f"/v1/ledger/transfers/{first}/reversal",
        json={"memo": "录入错误"},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert reversal.status_code == 201, reversal.text
    # the later transfer (its id sorts after the reversed one's) is not reversed by it
    later = funding_client.get(f"/v1/ledger/transfers/{second}").json()
    assert later["reversed_by"] is None
    again = funding_client.post(
        f"/v1/ledger/transfers/{second}/reversal",
        json={"memo": "录入错误"},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert again.status_code == 201, again.text
    assert again.json()["reverses"] == second
    assert balance(funding_app, LINE) == balance(funding_app, CENTRAL) == 0


def test_the_trial_balance_totals_each_kind_and_notices_a_tampered_balance(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    _setup(funding_app)
    opened = funding_client.get("/v1/ledger/trial-balance").json()  # no account has entries
    assert (opened["total_fen"], opened["zero_sum"], opened["entries_agree"]) == (0, True, True)
    fund(funding_app, source=CENTRAL, account=LINE, amount_fen=300, key="k1")
    fund(funding_app, source=CENTRAL, account=OTHER, amount_fen=500, key="k2")
    trial = funding_client.get("/v1/ledger/trial-balance").json()
    assert trial["totals_by_kind"] == {"source": -800, "line": 800}
    assert (trial["total_fen"], trial["zero_sum"], trial["entries_agree"]) == (0, True, True)
    update = "UPDATE funding_ledger_accounts SET balance_fen = :fen WHERE code = :code"
    # a stored balance above the sum of its entries, then one below it
    for fen in (301, 299):
        execute(funding_app, update, fen=fen, code=LINE)
        trial = funding_client.get("/v1/ledger/trial-balance").json()
        assert trial["entries_agree"] is False, (fen, trial)


def test_a_transfer_needs_two_legs_and_its_key_answers_only_the_same_legs(
    funding_app: FastAPI,
) -> None:
    _setup(funding_app)
    database: Database = funding_app.state.database
    with database.transaction() as session:

        def legs(*pairs: tuple[str, int], key: str = "svc:legs") -> Any:
            return lambda: ledger.transfer(
                session, key=key, legs=pairs, kind="t", memo="m", principal_id="p"
            )

        for refused in (legs(), legs((LINE, 5))):
            try:
                refused()
            except DomainError as exc:
                assert (exc.code, exc.errors[0].field) == (
                    "ledger_unbalanced_transfer",
                    "body.legs",
                )
                assert exc.errors[0].message == "a transfer has at least two legs"
            else:
                raise AssertionError("a transfer of fewer than two legs was recorded")
        legs((CENTRAL, -7), (LINE, 7))()
        # the key reused with smaller and with larger legs: both conflict
        for other in (legs((CENTRAL, -6), (LINE, 6)), legs((CENTRAL, -8), (LINE, 8))):
            assert _refusal(other) == ("ledger_transfer_key_reused", "")
    assert balance(funding_app, LINE) == 7


def test_a_reversal_key_of_an_earlier_transfer_does_not_hide_that_a_later_one_was_reversed(
    funding_app: FastAPI,
) -> None:
    """Key `rev-a` reversed the earlier transfer and `rev-b` the later one; asked to reverse
    either again under the other's key, the ledger says it was reversed, not that the key is
    reused."""
    _setup(funding_app)
    database: Database = funding_app.state.database
    with database.transaction() as session:
        earlier = ledger.transfer(
            session, key="a", legs=[(CENTRAL, -800), (LINE, 800)], kind="receipt", memo="m",
            principal_id="p",
        )  # fmt: skip
        later = ledger.transfer(
            session, key="b", legs=[(CENTRAL, -500), (LINE, 500)], kind="receipt", memo="m",
            principal_id="p",
        )  # fmt: skip
        assert earlier.id < later.id
        ledger.reverse(session, transfer_id=earlier.id, key="rev-a", principal_id="p", memo="m")
        ledger.reverse(session, transfer_id=later.id, key="rev-b", principal_id="p", memo="m")
        earlier_id, later_id = earlier.id, later.id
    with database.transaction() as session:
        assert _refusal(
            lambda: ledger.reverse(
                session, transfer_id=later_id, key="rev-a", principal_id="p", memo="m"
            )
        ) == ("ledger_transfer_already_reversed", "")
        assert _refusal(  # and the later transfer's key on the earlier one
            lambda: ledger.reverse(
                session, transfer_id=earlier_id, key="rev-b", principal_id="p", memo="m"
            )
        ) == ("ledger_transfer_already_reversed", "")
    assert balance(funding_app, LINE) == balance(funding_app, CENTRAL) == 0
