"""Voucher steps: a 创新券 issued and partly redeemed, the monthly settlement."""

from datetime import timedelta
from typing import Any

from tools.demo.client import Answer
from tools.demo.figures import today_shanghai, yuan
from tools.demo.story import Story

DEMO_PROVIDER, DEMO_PROVIDER_USCC = "prv_demo_tyut", "91140100405661219G"
CATEGORIES = ["testing", "rnd"]


def enterprise_gets_a_voucher(s: Story) -> None:
    """The office opens an innovation programme; the enterprise applies and gets a voucher."""
    year = today_shanghai().year
    admin = s.as_("admin")
    programme = s.call(
        "vouchers_create_voucher_programme",
        client=admin,
        body=s.api.body(
            "VoucherProgrammeCreate",
            {
                "kind": "innovation",
                "year": year,
                "name": f"{year}年创新券（演示 {s.run}）",
                "budget_fen": 500_000_000,
                "face_value_fen": 10_000_000,
                "coverage_bp": 5000,
                "yearly_cap_fen": 20_000_000,
                "validity_days": 180,
                "categories": CATEGORIES,
            },
        ),
        idempotency_key=s.key("programme"),
        ok=(201,),
    ).parsed
    s.call("vouchers_open_voucher_programme", programme.id, client=admin)
    s.say(
        f"office opened {programme.name}: budget {yuan(programme.budget_fen)}, "
        f"face value {yuan(programme.face_value_fen)}, covers {programme.coverage_bp / 100:g}%"
    )
    code = s.found["usccs"][0]

    attempts = iter(range(1_000_000))

    def apply() -> Answer | None:
        answer = s.call(
            "vouchers_apply_for_voucher",
            client=s.as_("new_enterprise"),
            idempotency_key=s.key(f"apply-{next(attempts)}"),
            body=s.api.body(
                "VoucherApplicationCreate",
                {
                    "programme_id": programme.id,
                    "categories": CATEGORIES,
                    "purpose": "新产品电磁兼容检测与样机研发",
                },
            ),
            ok=(201, 404, 422),
        )
        return answer if answer.status == 201 else None

    application = s.until(f"the vouchers service to know {code}", apply)
    decided = s.call(
        "vouchers_decide_voucher_application",
        application.parsed.id,
        client=admin,
        body=s.api.body("VoucherApplicationDecisionCreate", {"decision": "approve"}),
        if_match=application.headers["etag"],
    ).parsed
    voucher = s.call(
        "vouchers_get_voucher", decided.voucher_id, client=s.as_("new_enterprise")
    ).parsed
    s.found["voucher"] = voucher
    s.say(
        f"{code} applied ({application.parsed.id}), the office approved: voucher {voucher.id} "
        f"of {yuan(voucher.face_value_fen)}, valid until {voucher.expires_on}"
    )


def provider_redeems_part(s: Story) -> None:
    """The demo provider (approved once) redeems part of the voucher against a contract."""
    provider = s.as_("provider")
    known = s.call("vouchers_get_voucher_provider", DEMO_PROVIDER, client=provider, ok=(200, 404))
    if known.status == 404:
        s.call(
            "vouchers_apply_voucher_provider",
            client=provider,
            body=s.api.body(
                "VoucherProviderCreate",
                {
                    "uscc": DEMO_PROVIDER_USCC,
                    "name": "太原理工大学检测实验室",
                    "kind": "lab",
                    "district": "wanbailin",
                    "categories": CATEGORIES,
                },
            ),
            ok=(201,),
        )
        known = s.call("vouchers_get_voucher_provider", DEMO_PROVIDER, client=provider)
    if known.parsed.status.value != "approved":
        s.call(
            "vouchers_decide_voucher_provider",
            DEMO_PROVIDER,
            client=s.as_("admin"),
            body=s.api.body("VoucherProviderDecisionCreate", {"decision": "approve"}),
            if_match=known.headers.get("etag"),
        )
        s.say(f"office approved provider {DEMO_PROVIDER} ({known.parsed.name})")
    voucher, contract_fen = s.found["voucher"], 8_000_000
    amount = contract_fen * 5000 // 10_000
    redeemed = s.call(
        "vouchers_redeem_voucher",
        client=provider,
        body=s.api.body(
            "RedemptionCreate",
            {
                "voucher_code": voucher.code,
                "contract": {
                    "reference": f"TYUT-JS-{s.run}",
                    "amount_fen": contract_fen,
                    "category": "testing",
                },
                "amount_fen": amount,
            },
        ),
        idempotency_key=s.key("redeem"),
        ok=(201,),
    ).parsed
    after = s.call("vouchers_get_voucher", voucher.id, client=s.as_("new_enterprise")).parsed
    s.found["redemption"] = redeemed
    s.say(
        f"{DEMO_PROVIDER} redeemed {yuan(redeemed.amount_fen)} of a {yuan(contract_fen)} "
        f"testing contract: the voucher has {yuan(after.balance_fen)} left"
    )


def settlement_figures(item: Any) -> str:
    """A settlement's figures: provider, period, lines, amount."""
    return (
        f"{item.id} {item.provider_id} for {item.month}: {len(item.lines)} line(s), "
        f"{yuan(item.amount_fen)}"
    )


def settlement(s: Story) -> None:
    """The office settles the last month that is over (the monthly job may have done it)."""
    today = today_shanghai().date()
    month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    admin = s.as_("admin")
    run = s.call(
        "vouchers_run_voucher_settlement",
        client=admin,
        body=s.api.body("SettlementRunCreate", {"month": month}),
        idempotency_key=s.key("settle"),
        ok=(201, 409),
    )
    if run.status == 201:
        s.say(
            f"settled {month}: {run.parsed.settlements} settlement(s), "
            f"{yuan(run.parsed.amount_fen)}"
        )
    else:
        s.say(f"{month} was settled already ({run.code}): the monthly job ran it")
    settled = s.call("vouchers_list_voucher_settlements", client=admin, month=month).parsed
    for item in settled.items:
        s.say(f"  {settlement_figures(item)} ({item.status.value})")
    s.found["settlements"] = [item for item in settled.items if item.status.value == "requested"]
    redemption = s.found["redemption"]
    s.say(
        f"this run's redemption {redemption.id} ({yuan(redemption.amount_fen)}) was made in "
        f"{today:%Y-%m} (Asia/Shanghai): the {today:%Y-%m} run settles it once the month is over"
    )
