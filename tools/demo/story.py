"""The programme year, step by step, through the generated client as the demo clients.

Each step is one job: it calls the gateway as the users would and says what happened, with
figures. Identifiers are fresh per run (USCCs from the run's six digits), so the story runs
again and again against the same stack.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services.funding.verify import verify_ledger
from tools.demo.client import Answer, Api, CallFailed
from tools.demo.figures import today_shanghai, uscc, yuan

PLAN_YEAR = 2015  # the demo's budget, bases and targets are the plan's 2015 ones
DEMO_BANK, PURPOSE = "JSB", "pre_loan_review"
DEMO_PROVIDER, DEMO_PROVIDER_USCC = "prv_demo_tyut", "91140100405661219G"
CATEGORIES = ["testing", "rnd"]
FILINGS = (  # (district, division code, name, industry, employees, revenue_fen, tech SME)
    ("xiaodian", "140105", "太原晋阳智造科技有限公司", "I65", 18, 260_000_000, True),
    ("yingze", "140106", "太原汾河检测技术有限公司", "M75", 9, 85_000_000, True),
    ("xinghualing", "140107", "太原杏花岭文创设计有限公司", "L72", 6, 40_000_000, False),
)
WAIT_SECONDS = 60.0
CERTIFICATION_RULES = "rls_credit_certification_v1"
ROUND_ID = re.compile(r"crd_[0-9A-Z]{26}")


class StepFailed(RuntimeError):
    """A step's answer was not what the story needs."""


@dataclass
class Story:
    """What the steps share: the API, the demo keys, this run's codes and what steps found."""

    api: Api
    keys: dict[str, str]
    run: str
    say: Callable[[str], None]
    found: dict[str, Any] = field(default_factory=dict)

    def as_(self, who: str) -> Any:
        """The generated client authenticated as a demo (or story-made) client."""
        return self.api.client(self.keys[who])

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Answer:
        """Call an operation (see Api.call)."""
        return self.api.call(operation, *args, **kwargs)

    def key(self, name: str) -> str:
        """An Idempotency-Key unique to this run."""
        return f"demo-{self.run}-{name}"

    def until(self, what: str, attempt: Callable[[], Answer | None]) -> Answer:
        """Repeat `attempt` until it answers (a feed has to bring something first)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            answer = attempt()
            if answer is not None:
                return answer
            if time.monotonic() > deadline:
                raise StepFailed(f"waited {WAIT_SECONDS:.0f} s for {what}")
            time.sleep(0.25)

    def enum(self, name: str, value: str) -> Any:
        """A value of a generated enum."""
        return getattr(self.api.models, name)(value)


def text(value: Any) -> str:
    """A generated enum's value, or the string an open field holds."""
    return str(getattr(value, "value", value))


def portal_files_enterprises(s: Story) -> None:
    """The portal files three new enterprises; the office gives the first its own key."""
    usccs = []
    for n, (district, division, name, industry, employees, revenue, tech) in enumerate(FILINGS):
        code = uscc(s.run, n, division)
        filed = s.call(
            "registry_file_enterprise",
            client=s.as_("portal"),
            body=s.api.body(
                "EnterpriseCreate",
                {
                    "uscc": code,
                    "name": name,
                    "district": district,
                    "industry": industry,
                    "founded_on": "2014-05-20",
                    "registered_capital_fen": 50_000_000,
                    "employees": employees,
                    "revenue_fen": revenue,
                    "assets_fen": revenue // 2,
                    "is_tech_sme": tech,
                    "legal_representative": {"name": "张演示", "id_number": "140105198001010011"},
                },
            ),
            x_on_behalf_of=code,
            idempotency_key=s.key(f"file-{n}"),
            ok=(201,),
        ).parsed
        usccs.append(code)
        s.say(
            f"filed {code} {filed.name} ({district}, {filed.size_class.value}, "
            f"{employees} employees, revenue {yuan(revenue)})"
        )
    s.found["usccs"] = usccs
    s.found["name"] = FILINGS[0][2]
    created = s.call(
        "create_client",
        client=s.as_("admin"),
        body=s.api.body(
            "ClientCreate",
            {
                "name": f"{FILINGS[0][2]} (demo {s.run})",
                "kind": "enterprise",
                "org": usccs[0],
                "issue_api_key": True,
            },
        ),
        ok=(201,),
    ).parsed
    s.keys["new_enterprise"] = created.api_key.key
    s.say(f"the office issued {usccs[0]} its own API key (client {created.client.id})")


def departments_file_indicators_and_records(s: Story) -> None:
    """The tax bureau reports the enterprise's figures and files a grade-A tax record."""
    code, last_year = s.found["usccs"][0], today_shanghai().year - 1
    revenue, employees = FILINGS[0][5], FILINGS[0][4]
    for year in (PLAN_YEAR, last_year):
        reported = s.call(
            "registry_report_indicators",
            code,
            client=s.as_("department"),
            body=s.api.body(
                "IndicatorReportCreate",
                {
                    "year": year,
                    "source": "tax",
                    "revenue_fen": revenue,
                    "assets_fen": revenue // 2,
                    "employees": employees,
                },
            ),
            idempotency_key=s.key(f"indicators-{year}"),
        )
        s.say(
            f"tax bureau reported {code}'s {year}: revenue {yuan(revenue)}, "
            f"{employees} employees (HTTP {reported.status})"
        )
    record = {
        "type": "tax_a_rating",
        "uscc": code,
        "reference": f"并税信〔{last_year}〕A-{s.run}",
        "occurred_on": f"{last_year}-04-01",
        "title": f"{last_year}年度纳税信用A级",
        "evidence_url": f"https://shanxi.chinatax.gov.cn/credit/a/{last_year}",
    }

    attempts = iter(range(1_000_000))

    def file() -> Answer | None:
        answer = s.call(
            "credit_file_credit_records",
            client=s.as_("department"),
            body=s.api.body("CreditRecordBatchCreate", {"records": [record]}),
            idempotency_key=s.key(f"records-{next(attempts)}"),
            ok=(200, 201, 404, 422),
        )
        return answer if answer.status in (200, 201) else None

    filed = s.until(f"the credit service to know {code}", file)
    s.say(
        f"tax bureau filed credit record {record['reference']} ({record['title']}): "
        f"HTTP {filed.status}"
    )


def bank_reads_a_credit_report(s: Story) -> None:
    """The enterprise consents, the bank reads its report, the enterprise sees the query."""
    code = s.found["usccs"][0]
    consent = s.call(
        "credit_grant_consent",
        client=s.as_("new_enterprise"),
        body=s.api.body("ConsentCreate", {"bank": DEMO_BANK, "purpose": PURPOSE}),
        idempotency_key=s.key("consent"),
        ok=(201,),
    ).parsed
    s.say(f"{code} consented to {DEMO_BANK} for {PURPOSE} until {consent.expires_on}")
    report = s.call(
        "credit_read_credit_report",
        code,
        client=s.as_("bank"),
        purpose=s.enum("ConsentPurpose", PURPOSE),
    ).parsed
    grade = getattr(report.rating, "grade", None)
    s.say(
        f"{DEMO_BANK} read report {report.id}: {len(report.records)} record(s), "
        f"rating {grade or 'not rated yet'}"
    )
    queries = s.call(
        "credit_list_enterprise_credit_queries", code, client=s.as_("new_enterprise")
    ).parsed
    seen = [
        f"{q.bank} for {text(q.purpose)}, {text(q.outcome)}, at {q.at:%H:%M:%S}"
        for q in queries.items
    ]
    if not seen:
        raise StepFailed(f"{code} sees no query of its report")
    s.say(f"{code} sees {len(seen)} query of its report: {seen[0]}")


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
        s.say(f"  {item.id} {item.provider_id}: {yuan(item.amount_fen)} ({item.status.value})")
    redemption = s.found["redemption"]
    s.say(
        f"this run's redemption {redemption.id} ({yuan(redemption.amount_fen)}) was made in "
        f"{today:%Y-%m} (Asia/Shanghai): the {today:%Y-%m} run settles it once the month is over"
    )


def pay_settlements(s: Story) -> None:
    """Funding proposed each requested settlement; a second admin approves, the office pays."""
    proposed = s.call(
        "funding_list_disbursements",
        client=s.as_("admin"),
        purpose="voucher_settlement",
        status=s.enum("FundingListDisbursementsStatusType0", "proposed"),
    ).parsed.items
    if not proposed:
        s.say("no voucher settlement awaits payment (none was requested for a month that is over)")
    for item in proposed:
        paid = approve_and_pay(s, item.id, f"SETTLE-{s.run}")
        s.say(
            f"paid settlement {item.source_ref} to {paid.payee_name}: {yuan(paid.amount_fen)} "
            f"from {paid.account}"
        )


def approve_and_pay(s: Story, disbursement_id: str, reference: str) -> Any:
    """Four eyes: the second admin approves what the office proposed; the office pays it."""
    approver, admin = s.as_("approver"), s.as_("admin")
    read = s.call("funding_get_disbursement", disbursement_id, client=admin)
    if read.parsed.proposed_by != s.found.get("approver_id"):
        approved = s.call(
            "funding_approve_disbursement",
            disbursement_id,
            client=approver,
            body=s.api.body("DisbursementApprovalCreate", {"note": "复核无误"}),
            if_match=read.headers["etag"],
        )
    else:  # pragma: no cover - the approver proposes nothing in the story
        raise StepFailed(f"{disbursement_id} was proposed by the approver")
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


def monitoring_progress(s: Story) -> None:
    """Progress of the city against the plan's 2015 targets."""
    report = s.call(
        "registry_get_monitoring_progress", client=s.as_("department"), year=PLAN_YEAR
    ).parsed
    city = report.units[-1]
    for label, metric, money in (
        ("revenue", city.revenue_fen, True),
        ("new jobs", city.new_jobs, False),
        ("tech contract turnover", city.tech_contract_turnover_fen, True),
        ("patents held", city.patents_held, False),
    ):
        show = yuan if money else (lambda n: f"{n:,}")
        actual = "—" if metric.actual is None else show(metric.actual)
        done = "" if metric.completion_percent is None else f" ({metric.completion_percent}%)"
        s.say(
            f"{city.name_zh} {label}: target {show(metric.target)}, actual {actual}{done}, "
            f"{metric.reporting_enterprises} reporting"
        )


def certification_round(s: Story) -> None:
    """The year's 诚信企业 round: opened (or the one opened already), candidates, notice."""
    admin, year = s.as_("admin"), today_shanghai().year
    opened = s.call(
        "credit_open_certification_round",
        client=admin,
        body=s.api.body(
            "CertificationRoundCreate", {"year": year, "rule_set_id": CERTIFICATION_RULES}
        ),
        idempotency_key=s.key("round"),
        ok=(201, 409),
    )
    if opened.status == 201:
        round_id = opened.parsed.id
        s.say(f"opened the {year} round {round_id} ({CERTIFICATION_RULES})")
    else:  # the problem names the year's round: carry it on
        named = ROUND_ID.search(str(opened.parsed.detail))
        if opened.code != "certification_round_year_taken" or named is None:
            raise CallFailed("credit_open_certification_round", opened.status, str(opened.content))
        round_id = named.group(0)
        s.say(f"the {year} round exists already: {round_id}")
    current = s.call("credit_get_certification_round", round_id, client=admin).parsed
    if text(current.stage) == "opened":
        current = s.call("credit_compute_certification_candidates", round_id, client=admin).parsed
    certified = [c for c in current.candidates if text(c.status) != "removed"]
    s.say(
        f"{len(current.candidates)} enterprise(s) considered by the rules, "
        f"{len(certified)} candidate(s): {', '.join(c.name for c in certified[:3])}"
        + ("…" if len(certified) > 3 else "")
    )
    if text(current.stage) == "candidates":
        current = s.call(
            "credit_publish_certification_notice",
            round_id,
            client=admin,
            body=s.api.body("CertificationNoticeCreate", {"days": 7}),
        ).parsed
    if text(current.stage) == "notice" and current.notice_until < today_shanghai().date():
        current = s.call("credit_finalise_certification_round", round_id, client=admin).parsed
    if text(current.stage) == "final":
        s.say(f"the {year} list is final ({current.finalised_at})")
    else:
        s.say(
            f"public notice {current.notice_from} – {current.notice_until}: objections "
            f"until then, the office finalises the list after it closes"
        )


STEPS: tuple[tuple[str, Callable[[Story], None]], ...] = (
    ("a portal files enterprises", portal_files_enterprises),
    ("departments file indicators and credit records", departments_file_indicators_and_records),
    ("a bank reads a credit report with consent", bank_reads_a_credit_report),
    ("an enterprise gets a 创新券", enterprise_gets_a_voucher),
    ("a provider redeems part of it", provider_redeems_part),
    ("settlement", settlement),
    ("payment of settlements", pay_settlements),
    ("a base's year-end acceptance", base_acceptance),
    ("the reward run (dry run, then commit)", reward_run),
    ("four-eyes approval and payment", four_eyes_payment),
    ("the public ledger verifies", public_ledger_verifies),
    ("monitoring against the 2015 targets", monitoring_progress),
    ("the 诚信企业 round", certification_round),
)
