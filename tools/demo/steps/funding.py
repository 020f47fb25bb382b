"""Funding steps: settlements and rewards paid under four eyes, the public ledger."""

from collections.abc import Callable
from typing import Any

from services.funding.verify import verify_ledger
from tools.demo.figures import uscc, yuan
from tools.demo.steps.vouchers import settlement_figures
from tools.demo.story import PLAN_YEAR, StepFailed, Story, text


def pay_settlements(s: Story) -> None:
    """Funding proposed each requested settlement; a second admin approves, the office pays, and
    the vouchers service hears of it (`disbursement.paid`) and marks the settlement paid."""
    for settlement in s.found.get("settlements", []):
        request = s.until(f"funding to propose paying {settlement.id}", requested(s, settlement.id))
        if text(request.outcome) != "proposed":
            raise StepFailed(f"funding did not propose {settlement.id}: {request.detail}")
        paid = approve_and_pay(s, request.disbursement_id, f"SETTLE-{s.run}")
        s.say(
            f"paid settlement {settlement.id} to {paid.payee_name}: {yuan(paid.amount_fen)} "
            f"from {paid.account}, approved by {paid.approved_by}"
        )
        shown = s.until(f"vouchers to mark {settlement.id} paid", marked_paid(s, settlement.id))
        s.say(
            f"vouchers shows {settlement_figures(shown)}: {text(shown.status)} "
            f"{yuan(shown.paid_amount_fen)} by {shown.disbursement_id}"
        )
    proposed = s.call(
        "funding_list_disbursements",
        client=s.as_("admin"),
        purpose="voucher_settlement",
        status=s.enum("FundingListDisbursementsStatusType0", "proposed"),
    ).parsed.items
    if not proposed and not s.found.get("settlements"):
        s.say("no voucher settlement awaits payment (none was requested for a month that is over)")
    for item in proposed:
        paid = approve_and_pay(s, item.id, f"SETTLE-{s.run}")
        s.say(
            f"paid settlement {item.source_ref} to {paid.payee_name}: {yuan(paid.amount_fen)} "
            f"from {paid.account}"
        )


def requested(s: Story, settlement_id: str) -> Callable[[], Any]:
    """An attempt answering funding's record of the settlement's request, once the feed brought it."""

    def attempt() -> Any:
        cursor = None
        while True:
            page = s.call(
                "funding_list_settlement_requests", client=s.as_("admin"), cursor=cursor
            ).parsed
            for item in page.items:
                if item.settlement_id == settlement_id:
                    return item
            cursor = page.next_cursor if isinstance(page.next_cursor, str) else None
            if cursor is None:
                return None

    return attempt


def marked_paid(s: Story, settlement_id: str) -> Callable[[], Any]:
    """An attempt answering the settlement once the vouchers service shows it paid."""

    def attempt() -> Any:
        read = s.call("vouchers_get_voucher_settlement", settlement_id, client=s.as_("admin"))
        return read.parsed if text(read.parsed.status) == "paid" else None

    return attempt


def approve_and_pay(s: Story, disbursement_id: str, reference: str) -> Any:
    """Four eyes: the second admin approves what the office proposed; the office pays it."""
    approver, admin = s.as_("approver"), s.as_("admin")
    read = s.call("funding_get_disbursement", disbursement_id, client=admin)
    approved = s.call(
        "funding_approve_disbursement",
        disbursement_id,
        client=approver,
        body=s.api.body("DisbursementApprovalCreate", {"note": "复核无误"}),
        if_match=read.headers["etag"],
    )
    paid = s.call(
        "funding_pay_disbursement",
        disbursement_id,
        client=admin,
        body=s.api.body(
            "DisbursementPaymentCreate",
            {"payment_reference": f"{reference}-{disbursement_id[-6:]}"},
        ),
        if_match=approved.headers["etag"],
        idempotency_key=s.key(f"pay-{disbursement_id}"),
    )
    return paid.parsed


def department_client(s: Story, org: str) -> str:
    """A department client the office issues for this run (a district, a responsible bureau)."""
    created = s.call(
        "create_client",
        client=s.as_("admin"),
        body=s.api.body(
            "ClientCreate",
            {
                "name": f"{org} (demo {s.run})",
                "kind": "department",
                "org": org,
                "issue_api_key": True,
            },
        ),
        ok=(201,),
    ).parsed
    return str(created.api_key.key)


def base_acceptance(s: Story) -> None:
    """A district files a base, the SME bureau admits it, reports and accepts its 2015 year."""
    s.keys["district"] = department_client(s, "xiaodian")
    s.keys["sme_bureau"] = department_client(s, "sme_bureau")
    district, bureau = s.as_("district"), s.as_("sme_bureau")
    base = s.call(
        "funding_file_base",
        client=district,
        body=s.api.body(
            "BaseCreate",
            {
                "operator_uscc": uscc(s.run, 7),
                "name": f"小店区演示创业基地{s.run}",
                "district": "xiaodian",
                "kind": "startup_base",
                "area_m2": 8_000,
                "opened_on": "2014-09-01",
            },
        ),
        idempotency_key=s.key("base"),
        ok=(201,),
    )
    kind = s.call("funding_get_base_kind", "startup_base", client=bureau).parsed
    assessment = [{"criterion": c.code, "met": True} for c in kind.criteria]
    s.call(
        "funding_decide_base",
        base.parsed.id,
        client=bureau,
        body=s.api.body("BaseDecisionCreate", {"decision": "admit", "assessment": assessment}),
        if_match=base.headers["etag"],
    )
    kpis = {
        "enterprises_incubated": 30,
        "jobs_created": 210,
        "private_money_fen": 800_000_000,
        "services_delivered": 150,
    }
    s.call(
        "funding_report_base_kpis",
        base.parsed.id,
        PLAN_YEAR,
        client=district,
        body=s.api.body("BaseKpiCreate", kpis),
        ok=(200, 201),
    )
    accepted = s.call(
        "funding_record_base_acceptance",
        base.parsed.id,
        client=bureau,
        body=s.api.body(
            "AcceptanceCreate",
            {
                "year": PLAN_YEAR,
                "result": "passed",
                "score": 86,
                "findings": "Occupancy 88%; mentoring documented; 30 teams incubated.",
            },
        ),
        idempotency_key=s.key("acceptance"),
        ok=(201,),
    ).parsed
    s.found["base"] = base.parsed
    s.say(
        f"xiaodian filed base {base.parsed.id} {base.parsed.name} (8,000 m², startup base); "
        f"sme_bureau admitted it ({len(assessment)} criteria met)"
    )
    s.say(
        f"{PLAN_YEAR} KPIs: 30 enterprises incubated, 210 jobs, private money "
        f"{yuan(kpis['private_money_fen'])}; acceptance {accepted.result.value}, "
        f"score {accepted.score}"
    )


def reward_version(s: Story) -> int:
    """The version of the 2015 space rules no committed run used (a copy of the latest if all were)."""
    admin = s.as_("admin")
    family = "funding.reward.space"
    versions = s.call("funding_list_rule_sets", client=admin, family=family).parsed.items
    latest = max(versions, key=lambda v: v.version)
    runs = s.call("funding_list_funding_reward_runs", client=admin, year=PLAN_YEAR).parsed.items
    if latest.version not in {r.rule_set_version for r in runs if r.budget_line == "space"}:
        return int(latest.version)
    copy = latest.to_dict()
    created = s.call(
        "funding_create_rule_set",
        client=admin,
        body=s.api.body(
            "RuleSetCreate",
            {
                k: copy[k]
                for k in (
                    "family",
                    "effective_from",
                    "effective_to",
                    "description",
                    "inputs",
                    "parameters",
                    "rules",
                )
                if k in copy
            },
        ),
        ok=(201,),
    ).parsed
    s.say(
        f"every version of {family} was used by a committed run: the office saved version "
        f"{created.version} (the same rules) for this one"
    )
    return int(created.version)


def reward_run(s: Story) -> None:
    """A dry run of the 2015 space rewards, then the commit that proposes the disbursements."""
    version = reward_version(s)
    admin = s.as_("admin")
    results = {}
    for dry_run in (True, False):
        run = s.call(
            "funding_run_funding_rewards",
            client=admin,
            body=s.api.body(
                "RewardRunCreate",
                {
                    "year": PLAN_YEAR,
                    "budget_line": "space",
                    "rule_set_version": version,
                    "dry_run": dry_run,
                },
            ),
            idempotency_key=s.key(f"reward-{dry_run}"),
            ok=(200, 201),
        ).parsed
        results[dry_run] = run
        s.say(
            f"{'dry run' if dry_run else 'committed'} ({run.rule_set_label}): {run.bases} base(s), "
            f"computed {yuan(run.computed_fen)}, awarded {yuan(run.awarded_fen)}"
            + ("" if dry_run else f", {run.disbursements} disbursement(s) proposed")
        )
    for line in results[False].lines:
        s.say(f"  {line.base_name}: {yuan(line.awarded_fen)} from {line.account}")
    if results[True].awarded_fen != results[False].awarded_fen:
        raise StepFailed("the commit awarded other figures than its dry run")
    s.found["reward_run"] = results[False]


def four_eyes_payment(s: Story) -> None:
    """The office may not approve its own proposal; the second admin does; the office pays."""
    run = s.found["reward_run"]
    ids = [line.disbursement_id for line in run.lines if line.disbursement_id]
    first = s.call("funding_get_disbursement", ids[0], client=s.as_("admin"))
    refused = s.call(
        "funding_approve_disbursement",
        ids[0],
        client=s.as_("admin"),
        body=s.api.body("DisbursementApprovalCreate", {}),
        if_match=first.headers["etag"],
        ok=(403, 409, 422),
    )
    s.say(f"the proposing admin's own approval is refused: {refused.status} {refused.code}")
    total = 0
    for disbursement_id in ids:
        paid = approve_and_pay(s, disbursement_id, f"REWARD-{s.run}")
        total += paid.amount_fen
        s.say(
            f"  {disbursement_id} {paid.payee_name}: approved by {paid.approved_by}, paid "
            f"{yuan(paid.amount_fen)} ({paid.payment_reference})"
        )
    s.say(f"{len(ids)} reward(s) paid: {yuan(total)}")


def public_ledger_verifies(s: Story) -> None:
    """A checkpoint is signed, and the public ledger verifies from outside (no key)."""
    s.call(
        "funding_issue_public_ledger_checkpoint",
        client=s.as_("admin"),
        idempotency_key=s.key("checkpoint"),
        ok=(200, 201),
    )
    report = verify_ledger(s.api.base_url)
    if not report.ok:
        raise StepFailed("; ".join(str(f) for f in report.findings[:5]))
    balance = s.call("funding_get_ledger_trial_balance", client=s.api.client()).parsed
    if not balance.zero_sum:
        raise StepFailed(f"the trial balance does not sum to zero: {balance.total_fen}")
    s.say(
        f"verified {report.records} public record(s) and {report.checkpoints} signed "
        f"checkpoint(s), head {report.head_sequence} {report.head_hash[:16]}… key {report.key_id}"
    )
    s.say(f"trial balance sums to {yuan(balance.total_fen)} over {len(balance.accounts)} accounts")
