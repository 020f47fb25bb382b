"""The delegation matrix: every caller kind × every route of a service, through the gateway.

Routes come from each service's own OpenAPI; every one must have a row in `ROUTE_CLASSES` (an
unknown route fails). A service's issue extends the matrix by adding its routes' rows and its
stack to `SERVICES`. Callers are every client kind, and a portal whose delegation from the
enterprise is live, read-only, filing-only, expired, revoked or absent.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import RunningGateway, registry_stack

USCC = "91140105MA0KDE119Q"
FILING = {
    "uscc": USCC, "name": "太原矩阵科技有限公司", "district": "xiaodian", "industry": "I65",
    "founded_on": "2014-05-20", "registered_capital_fen": 50_000_000, "employees": 12,
    "revenue_fen": 150_000_000, "assets_fen": 90_000_000, "is_tech_sme": True,
    "legal_representative": {"name": "张矩阵", "id_number": "140105198001010011"},
}  # fmt: skip

# What each route is, as the edge sees it. `filing` is the portal's filing of a new enterprise,
# `filed` the read of that record; `irreversible` is never done on behalf.
ROUTE_CLASSES: dict[tuple[str, str, str], str] = {
    ("registry", "GET", "/v1/events"): "events",
    ("registry", "GET", "/v1/districts"): "public",
    ("registry", "GET", "/v1/districts/{code}"): "public",
    ("registry", "GET", "/v1/industries"): "public",
    ("registry", "POST", "/v1/enterprises"): "filing",
    ("registry", "GET", "/v1/enterprises"): "read",
    ("registry", "GET", "/v1/enterprises/counts"): "read",
    ("registry", "GET", "/v1/enterprises/{uscc}"): "filed",
    ("registry", "PATCH", "/v1/enterprises/{uscc}"): "write",
    ("registry", "GET", "/v1/enterprises/{uscc}/history"): "read",
    ("registry", "POST", "/v1/enterprises/{uscc}/deregistration"): "irreversible",
    ("registry", "POST", "/v1/imports"): "report",
    ("registry", "GET", "/v1/imports/{import_id}"): "read",
    ("registry", "POST", "/v1/enterprises/{uscc}/indicators"): "write",
    ("registry", "GET", "/v1/enterprises/{uscc}/indicators"): "read",
    ("registry", "GET", "/v1/indicators/precedence"): "public",
    ("registry", "GET", "/v1/targets"): "read",
    ("registry", "GET", "/v1/targets/baseline"): "read",
    ("registry", "GET", "/v1/targets/{year}/{unit}"): "read",
    ("registry", "PUT", "/v1/targets/{year}/{unit}"): "admin",
    ("registry", "GET", "/v1/monitoring/progress"): "read",
    ("registry", "GET", "/v1/public/monitoring/summary"): "public",
    ("registry", "POST", "/v1/tax-relief/filings"): "report",
    ("registry", "GET", "/v1/tax-relief/filings"): "read",
    ("registry", "GET", "/v1/tax-relief/filings/{filing_id}"): "read",
    ("registry", "PUT", "/v1/tax-relief/filings/{filing_id}"): "report",
    ("registry", "GET", "/v1/tax-relief/reports/quarterly"): "read",
    ("registry", "POST", "/v1/complaints"): "write",
    ("registry", "GET", "/v1/complaints"): "read",
    ("registry", "GET", "/v1/complaints/overdue"): "read",
    ("registry", "GET", "/v1/complaints/stats"): "read",
    ("registry", "GET", "/v1/complaints/state-machine"): "read",
    ("registry", "GET", "/v1/complaints/{complaint_id}"): "read",
    ("registry", "POST", "/v1/complaints/{complaint_id}/transitions"): "write",
    ("registry", "POST", "/v1/public/complaints/lookup"): "public",
    ("registry", "GET", "/v1/calendar/{year}"): "read",
    ("registry", "PUT", "/v1/calendar/{year}"): "admin",
    ("registry", "PUT", "/v1/calendar/days/{day}"): "admin",
    ("registry", "GET", "/v1/remits/{department}"): "admin",
    ("registry", "PUT", "/v1/remits/{department}"): "admin",
    ("credit", "GET", "/v1/events"): "events",
    ("credit", "POST", "/v1/consents"): "consent",
    ("credit", "GET", "/v1/consents"): "read",
    ("credit", "GET", "/v1/consents/{consent_id}"): "read",
    ("credit", "POST", "/v1/consents/{consent_id}/revocation"): "consent",
    ("credit", "GET", "/v1/enterprises/{uscc}/report"): "reports",
    ("credit", "GET", "/v1/enterprises/{uscc}/queries"): "read",
    ("credit", "GET", "/v1/queries"): "reports",
    ("credit", "GET", "/v1/public/enterprises/{uscc}/grade"): "public",
    ("credit", "GET", "/v1/record-types"): "read",
    ("credit", "POST", "/v1/records"): "write",
    ("credit", "GET", "/v1/records"): "read",
    ("credit", "GET", "/v1/records/{record_id}"): "read",
    ("credit", "GET", "/v1/records/{record_id}/versions"): "read",
    ("credit", "POST", "/v1/records/{record_id}/corrections"): "write",
    ("credit", "POST", "/v1/records/{record_id}/withdrawal"): "write",
    ("credit", "POST", "/v1/records/{record_id}/repair"): "write",
    ("credit", "GET", "/v1/public/dishonesty-list"): "public",
    ("credit", "GET", "/v1/public/abnormal-operations"): "public",
    ("credit", "GET", "/v1/rule-sets"): "read",
    ("credit", "POST", "/v1/rule-sets"): "admin",
    ("credit", "GET", "/v1/rule-sets/{rule_set_id}"): "read",
    ("credit", "PUT", "/v1/rule-sets/{rule_set_id}"): "admin",
    ("credit", "POST", "/v1/rule-sets/{rule_set_id}/evaluation"): "admin",
    ("credit", "GET", "/v1/enterprises/{uscc}/rating"): "read",
    ("credit", "POST", "/v1/ratings/runs"): "admin",
    ("credit", "GET", "/v1/ratings/runs/{run_id}"): "read",
    ("credit", "POST", "/v1/monitoring/endpoints"): "reports",
    ("credit", "GET", "/v1/monitoring/endpoints"): "reports",
    ("credit", "GET", "/v1/monitoring/endpoints/{endpoint_id}"): "reports",
    ("credit", "PATCH", "/v1/monitoring/endpoints/{endpoint_id}"): "reports",
    ("credit", "POST", "/v1/monitoring/endpoints/{endpoint_id}/secret-rotation"): "reports",
    ("credit", "POST", "/v1/monitoring/endpoints/{endpoint_id}/resumption"): "reports",
    ("credit", "POST", "/v1/monitoring/subscriptions"): "reports",
    ("credit", "GET", "/v1/monitoring/subscriptions"): "reports",
    ("credit", "GET", "/v1/monitoring/subscriptions/{subscription_id}"): "reports",
    ("credit", "DELETE", "/v1/monitoring/subscriptions/{subscription_id}"): "reports",
    ("credit", "GET", "/v1/monitoring/deliveries"): "reports",
    ("credit", "GET", "/v1/monitoring/deliveries/{delivery_id}"): "reports",
    ("vouchers", "GET", "/v1/events"): "events",
    ("vouchers", "POST", "/v1/redemptions"): "provide",
    ("vouchers", "GET", "/v1/redemptions"): "read",
    ("vouchers", "GET", "/v1/redemptions/{redemption_id}"): "read",
    # the provider that made it or an admin: both hold vouchers:read (the service checks more)
    ("vouchers", "POST", "/v1/redemptions/{redemption_id}/reversal"): "read",
    ("credit", "POST", "/v1/objections"): "consent",
    ("credit", "GET", "/v1/objections"): "read",
    ("credit", "GET", "/v1/objections/{objection_id}"): "read",
    ("credit", "POST", "/v1/objections/{objection_id}/resolution"): "resolve",
    ("credit", "POST", "/v1/records/{record_id}/statements"): "consent",
    ("credit", "GET", "/v1/records/{record_id}/statements"): "read",
    ("credit", "POST", "/v1/certification/rounds"): "admin",
    ("credit", "GET", "/v1/certification/rounds/{round_id}"): "read",
    ("credit", "POST", "/v1/certification/rounds/{round_id}/candidates"): "admin",
    ("credit", "POST", "/v1/certification/rounds/{round_id}/notice"): "admin",
    ("credit", "POST", "/v1/certification/rounds/{round_id}/objections"): "object",
    (
        "credit",
        "POST",
        "/v1/certification/rounds/{round_id}/objections/{objection_id}/decision",
    ): "admin",
    ("credit", "POST", "/v1/certification/rounds/{round_id}/finalisation"): "admin",
    ("credit", "GET", "/v1/public/certification/rounds/{round_id}"): "public",
    ("credit", "GET", "/v1/public/certified-enterprises"): "public",
    # an enterprise (a portal on behalf) applies; admin decides; holders and admin read
    ("vouchers", "POST", "/v1/applications"): "apply",
    ("vouchers", "GET", "/v1/applications"): "read",
    ("vouchers", "GET", "/v1/applications/{application_id}"): "read",
    ("vouchers", "POST", "/v1/applications/{application_id}/decision"): "admin",
    ("vouchers", "GET", "/v1/vouchers"): "read",
    ("vouchers", "GET", "/v1/vouchers/{voucher_id}"): "read",
    # programmes, providers and rule sets (vprog's routes, as the route table classes them)
    ("vouchers", "POST", "/v1/programmes"): "admin",
    ("vouchers", "GET", "/v1/programmes"): "read",
    ("vouchers", "GET", "/v1/public/programmes"): "public",
    ("vouchers", "GET", "/v1/programmes/{programme_id}"): "read",
    ("vouchers", "PATCH", "/v1/programmes/{programme_id}"): "admin",
    ("vouchers", "POST", "/v1/programmes/{programme_id}/opening"): "admin",
    ("vouchers", "POST", "/v1/programmes/{programme_id}/closing"): "admin",
    ("vouchers", "POST", "/v1/providers"): "provide",
    ("vouchers", "GET", "/v1/providers"): "read",
    ("vouchers", "GET", "/v1/public/providers"): "public",
    ("vouchers", "GET", "/v1/providers/{provider_id}"): "read",
    ("vouchers", "POST", "/v1/providers/{provider_id}/decision"): "admin",
    ("vouchers", "GET", "/v1/providers/{provider_id}/services"): "read",
    ("vouchers", "POST", "/v1/providers/{provider_id}/services"): "provide",
    ("vouchers", "GET", "/v1/rule-sets"): "read",
    ("vouchers", "POST", "/v1/rule-sets"): "admin",
    ("vouchers", "GET", "/v1/rule-sets/{rule_set_id}"): "read",
    ("vouchers", "PUT", "/v1/rule-sets/{rule_set_id}"): "admin",
    ("vouchers", "POST", "/v1/rule-sets/{rule_set_id}/evaluation"): "admin",
    # the monthly settlement run is the admin's; providers read their own settlements
    ("vouchers", "POST", "/v1/settlements/runs"): "admin",
    ("vouchers", "GET", "/v1/settlements"): "read",
    ("vouchers", "GET", "/v1/settlements/{settlement_id}"): "read",
    # reports: admin (programme), the provider itself or admin (provider), anyone (figures)
    ("vouchers", "GET", "/v1/programmes/{programme_id}/report"): "read",
    ("vouchers", "GET", "/v1/providers/{provider_id}/report"): "read",
    ("vouchers", "GET", "/v1/public/programmes/{programme_id}/figures"): "public",
    # Funding (first half: ledger, budgets, bases, acceptance, allocations, disbursements,
    # reward runs, public ledger). The ledger and the public ledger are anyone's to read; a
    # department (a district or a responsible department) files bases, reports KPIs, decides
    # and records acceptance (funding:accept); the rest is the finance office's (admin).
    # The second half (bank agreements, risk pool, subsidies, guarantees, fee list) follows the
    # first; a new route joins with one row, classed `loans` (banks), `apply` (enterprises and
    # portals on behalf), `read`, `admin` or `public`, as the ROUTES["funding"] rows of
    # gateway/auth/scopes.py class it, and its path parameters in PATH_VALUES.
    ("funding", "GET", "/v1/events"): "events",
    ("funding", "GET", "/v1/ledger/trial-balance"): "public",
    ("funding", "GET", "/v1/ledger/accounts"): "public",
    ("funding", "POST", "/v1/ledger/accounts"): "admin",
    ("funding", "GET", "/v1/ledger/accounts/{code}"): "public",
    ("funding", "GET", "/v1/ledger/accounts/{code}/statement"): "public",
    ("funding", "GET", "/v1/ledger/transfers/{transfer_id}"): "public",
    ("funding", "POST", "/v1/ledger/transfers"): "admin",
    ("funding", "POST", "/v1/ledger/transfers/{transfer_id}/reversal"): "admin",
    ("funding", "POST", "/v1/budgets"): "admin",
    ("funding", "GET", "/v1/budgets/{year}"): "read",
    ("funding", "GET", "/v1/base-kinds"): "read",
    ("funding", "GET", "/v1/base-kinds/{kind}"): "read",
    ("funding", "PUT", "/v1/base-kinds/{kind}"): "admin",
    ("funding", "POST", "/v1/bases"): "accept",
    ("funding", "GET", "/v1/bases"): "read",
    ("funding", "GET", "/v1/bases/{base_id}"): "read",
    ("funding", "PATCH", "/v1/bases/{base_id}"): "accept",
    ("funding", "POST", "/v1/bases/{base_id}/decision"): "accept",
    # the responsible department or the demonstration office (admin holds funding:accept)
    ("funding", "POST", "/v1/bases/{base_id}/exit"): "accept",
    ("funding", "GET", "/v1/bases/{base_id}/history"): "read",
    ("funding", "PUT", "/v1/bases/{base_id}/kpis/{year}"): "accept",
    ("funding", "GET", "/v1/bases/{base_id}/kpis/{year}"): "read",
    ("funding", "GET", "/v1/bases/{base_id}/kpis"): "read",
    ("funding", "POST", "/v1/bases/{base_id}/acceptance"): "accept",
    ("funding", "GET", "/v1/bases/{base_id}/acceptance"): "read",
    ("funding", "GET", "/v1/bases/{base_id}/acceptance/{year}"): "read",
    ("funding", "GET", "/v1/acceptances"): "read",
    ("funding", "GET", "/v1/rule-sets"): "read",
    ("funding", "POST", "/v1/rule-sets"): "admin",
    ("funding", "GET", "/v1/rule-sets/{rule_set_id}"): "read",
    ("funding", "PUT", "/v1/rule-sets/{rule_set_id}"): "admin",
    ("funding", "POST", "/v1/rule-sets/{rule_set_id}/evaluation"): "admin",
    ("funding", "POST", "/v1/allocations"): "admin",
    ("funding", "GET", "/v1/allocations"): "read",
    ("funding", "GET", "/v1/allocations/{allocation_id}"): "read",
    ("funding", "GET", "/v1/districts/{code}/matching"): "read",
    # a district (department) reports its match, an admin records it: both hold funding:read;
    # the service asks each kind for its own write scope
    ("funding", "POST", "/v1/districts/{code}/matching/payments"): "read",
    ("funding", "GET", "/v1/disbursements"): "read",
    ("funding", "GET", "/v1/disbursements/{disbursement_id}"): "read",
    ("funding", "POST", "/v1/disbursements/{disbursement_id}/approval"): "admin",
    ("funding", "POST", "/v1/disbursements/{disbursement_id}/payment"): "admin",
    ("funding", "POST", "/v1/disbursements/{disbursement_id}/cancellation"): "admin",
    # what became of each voucher settlement: the office's to read (edge row settlement_requests)
    ("funding", "GET", "/v1/settlement-requests"): "admin",
    ("funding", "POST", "/v1/settlement-requests/{settlement_id}/proposal"): "admin",
    ("funding", "POST", "/v1/reward-runs"): "admin",
    ("funding", "GET", "/v1/reward-runs"): "read",
    ("funding", "GET", "/v1/reward-runs/{run_id}"): "read",
    ("funding", "GET", "/v1/public/ledger/records"): "public",
    ("funding", "GET", "/v1/public/ledger/records/{sequence}"): "public",
    ("funding", "GET", "/v1/public/ledger/head"): "public",
    ("funding", "GET", "/v1/public/ledger/checkpoints"): "public",
    # reading checkpoints is public, having the head signed now is an admin's
    ("funding", "POST", "/v1/public/ledger/checkpoints"): "admin",
    ("funding", "GET", "/v1/public/ledger/key"): "public",
    ("funding", "GET", "/v1/public/ledger/360giving.csv"): "public",
    ("funding", "GET", "/v1/public/ledger/360giving.json"): "public",
    # Bank agreements (the office sets each partner bank's terms; the office, departments and
    # banks read them: the service shows a bank its own).
    ("funding", "GET", "/v1/bank-agreements"): "read",
    ("funding", "POST", "/v1/bank-agreements"): "admin",
    ("funding", "GET", "/v1/bank-agreements/{bank_code}"): "read",
    # The 助保贷 risk pool: the office deposits; banks register loans, repayments, defaults and
    # recoveries (edge row risk_pool_loans); the office, departments and banks read.
    ("funding", "GET", "/v1/risk-pool"): "read",
    ("funding", "POST", "/v1/risk-pool/deposits"): "admin",
    ("funding", "GET", "/v1/risk-pool/deposits"): "read",
    ("funding", "POST", "/v1/risk-pool/loans"): "loans",
    ("funding", "GET", "/v1/risk-pool/loans"): "read",
    ("funding", "GET", "/v1/risk-pool/loans/{loan_id}"): "read",
    ("funding", "POST", "/v1/risk-pool/loans/{loan_id}/repayments"): "loans",
    ("funding", "POST", "/v1/risk-pool/loans/{loan_id}/default"): "loans",
    ("funding", "POST", "/v1/risk-pool/loans/{loan_id}/recoveries"): "loans",
    # Graduate interest subsidies and fee subsidies: the enterprise claims, itself or through a
    # portal on its behalf within a live delegation (edge row subsidies); claims are read by
    # the office, departments and the enterprise (its own).
    ("funding", "POST", "/v1/subsidies/interest-claims"): "apply",
    ("funding", "GET", "/v1/subsidies/interest-claims"): "read",
    ("funding", "GET", "/v1/subsidies/interest-claims/{claim_id}"): "read",
    ("funding", "POST", "/v1/subsidies/fee-claims"): "apply",
    # The 应急周转 bridge fund: the office loads capital and records repayments, an enterprise (or
    # its portal) applies, the registered loan's bank confirms the renewal.
    ("funding", "GET", "/v1/bridge-fund"): "read",
    ("funding", "GET", "/v1/bridge-fund/capital"): "read",
    ("funding", "POST", "/v1/bridge-fund/capital"): "admin",
    ("funding", "POST", "/v1/bridge-loans"): "apply",
    ("funding", "GET", "/v1/bridge-loans"): "read",
    ("funding", "GET", "/v1/bridge-loans/{bridge_id}"): "read",
    ("funding", "POST", "/v1/bridge-loans/{bridge_id}/renewal"): "loans",
    ("funding", "POST", "/v1/bridge-loans/{bridge_id}/repayment"): "admin",
    ("funding", "GET", "/v1/subsidies/fee-claims"): "read",
    ("funding", "GET", "/v1/subsidies/fee-claims/{claim_id}"): "read",
    # Guarantee compensation: the office admits institutions; an institution (a client of kind
    # bank) registers guarantees and reports payouts (edge row guarantees: funding:loans).
    ("funding", "POST", "/v1/guarantee-institutions"): "admin",
    ("funding", "GET", "/v1/guarantee-institutions"): "read",
    ("funding", "POST", "/v1/guarantees"): "loans",
    ("funding", "GET", "/v1/guarantees"): "read",
    ("funding", "GET", "/v1/guarantees/{guarantee_id}"): "read",
    ("funding", "POST", "/v1/guarantees/{guarantee_id}/payouts"): "loans",
    ("funding", "GET", "/v1/guarantees/{guarantee_id}/payouts"): "read",
    # The fee list: the office keeps it; any funding client reads it, anyone its public copy.
    ("funding", "POST", "/v1/fee-list"): "admin",
    ("funding", "GET", "/v1/fee-list"): "read",
    ("funding", "GET", "/v1/fee-list/{code}"): "read",
    ("funding", "PATCH", "/v1/fee-list/{code}"): "admin",
    ("funding", "GET", "/v1/public/fee-list"): "public",
}

# The scope each class needs at the edge, per service ("" = public).
CLASS_SCOPES: dict[str, dict[str, str]] = {
    "registry": {
        "public": "",
        "read": "registry:read",
        "filed": "registry:read",
        "write": "registry:write",
        "filing": "registry:write",
        "irreversible": "registry:write",
        "report": "registry:report",
        "admin": "registry:admin",
        "events": "events:read",
    },
    # A portal grants consents (and disputes records, states its case) within a live
    # delegation; reports are banks' alone (never admin); the source of a record answers an
    # objection to it (departments, banks for their loan records), never a portal on behalf;
    # anyone with a credit key may object to a 诚信企业 candidate during the notice.
    "credit": {
        "public": "",
        "read": "credit:read",
        "consent": "credit:consent",
        "reports": "credit:reports",
        "write": "credit:write",
        "admin": "credit:admin",
        "resolve": "credit:resolve",
        "object": "credit:read",
        "events": "events:read",
    },
    # Providers redeem; enterprises (portals on behalf) apply; admin administers.
    "vouchers": {
        "public": "",
        "read": "vouchers:read",
        "apply": "vouchers:apply",
        "provide": "vouchers:provide",
        "admin": "vouchers:admin",
        "events": "events:read",
    },
    # Departments file bases and record acceptance; banks register loans; enterprises
    # (portals on behalf) apply; the finance office administers. The ledger is public.
    "funding": {
        "public": "",
        "read": "funding:read",
        "accept": "funding:accept",
        "loans": "funding:loans",
        "apply": "funding:apply",
        "admin": "funding:admin",
        "events": "events:read",
    },
}

# What each kind holds by default (the policy under test, stated here, not read from the code).
HELD: dict[str, frozenset[str]] = {
    "admin": frozenset({"registry:read", "registry:write", "registry:report", "registry:admin",
                        "credit:read", "credit:write", "credit:resolve", "credit:admin",
                        "vouchers:read", "vouchers:admin", "funding:read", "funding:accept",
                        "funding:admin", "events:read"}),
    "department": frozenset({"registry:read", "registry:write", "registry:report",
                             "credit:read", "credit:write", "credit:resolve", "vouchers:read",
                             "funding:read", "funding:accept"}),
    "bank": frozenset({"registry:read", "credit:read", "credit:write", "credit:reports",
                       "credit:resolve", "funding:read", "funding:loans"}),
    "provider": frozenset({"registry:read", "vouchers:read", "vouchers:provide", "funding:read"}),
    "enterprise": frozenset({"registry:read", "registry:write", "credit:read", "credit:consent",
                             "vouchers:read", "vouchers:apply", "funding:read", "funding:apply"}),
    "portal": frozenset({"registry:read", "registry:write", "credit:read", "credit:consent",
                         "vouchers:read", "vouchers:apply", "funding:read", "funding:apply",
                         "on_behalf"}),
    "service": frozenset({"events:read"}),
}  # fmt: skip

PATH_VALUES = {
    "uscc": USCC,
    "code": "xiaodian",
    "year": "2025",
    "unit": "xiaodian",
    "day": "2025-10-01",
    "import_id": "imp_matrix",
    "filing_id": "trf_matrix",
    "complaint_id": "cmp_matrix",
    "department": "tax",
    "consent_id": "cns_matrix",
    "record_id": "rec_matrix",
    "rule_set_id": "rls_matrix",
    "run_id": "rrn_matrix",
    "endpoint_id": "whe_matrix",
    "subscription_id": "mon_matrix",
    "delivery_id": "msg_matrix",
    "redemption_id": "rdm_matrix",
    "objection_id": "obj_matrix",
    "round_id": "crd_matrix",
    "application_id": "vap_matrix",
    "voucher_id": "vch_matrix",
    "programme_id": "vpg_matrix",
    "provider_id": "prv_matrix",
    "settlement_id": "vst_matrix",
    "transfer_id": "trn_matrix",
    "kind": "startup_base",
    "base_id": "bas_matrix",
    "allocation_id": "alc_matrix",
    "disbursement_id": "dsb_matrix",
    "bridge_id": "brl_matrix",
    "sequence": "1",
    "bank_code": "JSB",
    "loan_id": "rpl_matrix",
    "claim_id": "clm_matrix",
    "guarantee_id": "gtr_matrix",
}

# Problems only the edge answers: a forwarded call never carries one of these.
EDGE_CODES = frozenset(
    {
        "missing_credentials",
        "insufficient_scope",
        "on_behalf_not_allowed",
        "no_delegation",
        "outside_delegation",
        "delegation_filing_only",
        "irreversible_on_behalf",
    }
)
THROUGH = "through"


@dataclass(frozen=True)
class Caller:
    """One row of callers: a kind, and for a portal acting on behalf, its delegation."""

    name: str
    kind: str | None  # None: anonymous
    delegation: str | None = None  # live, read_only, filing, expired, revoked, absent
    on_behalf: bool = False


CALLERS = (
    Caller("anonymous", None),
    *(Caller(kind, kind) for kind in HELD),
    Caller("enterprise_on_behalf", "enterprise", on_behalf=True),
    *(
        Caller(f"portal_{state}", "portal", state, on_behalf=True)
        for state in ("live", "read_only", "filing", "expired", "revoked", "absent")
    ),
)
# A live delegation covers claiming subsidies (funding:apply), so a portal's claim on behalf
# goes through while a read-only delegation's is refused as outside it.
LIVE = (
    "registry:read",
    "registry:write",
    "credit:read",
    "credit:consent",
    "funding:read",
    "funding:apply",
)
DELEGATED = {"live": set(LIVE), "read_only": {"registry:read"}}


def expected(caller: Caller, service: str, klass: str) -> str:
    """The edge's decision: THROUGH, or the code of its refusal."""
    required = CLASS_SCOPES[service][klass]
    if caller.kind is None:
        return THROUGH if required == "" else "missing_credentials"
    if required and required not in HELD[caller.kind]:
        return "insufficient_scope"
    if not caller.on_behalf:
        return THROUGH
    if caller.kind != "portal":
        return "on_behalf_not_allowed"
    if klass == "irreversible":
        return "irreversible_on_behalf"
    state = caller.delegation
    if state in DELEGATED:
        return THROUGH if not required or required in DELEGATED[state] else "outside_delegation"
    if state == "filing":
        return THROUGH if klass in ("filing", "filed") else "delegation_filing_only"
    # expired, revoked, absent: no live delegation; only a new filing passes
    return THROUGH if klass == "filing" else "no_delegation"


def service_routes(service: str) -> list[tuple[str, str, str]]:
    """The service's `/v1` operations, from its own OpenAPI."""
    module = __import__(f"services.{service}.app", fromlist=["create_app"])
    settings_module = __import__(f"services.{service}.settings", fromlist=["x"])
    settings_cls = next(
        getattr(settings_module, name)
        for name in dir(settings_module)
        if name.endswith("Settings")
        and name != "ServiceSettings"
        and getattr(getattr(settings_module, name), "__module__", "") == settings_module.__name__
    )
    app = module.create_app(
        settings_cls(environment="test", database_url="sqlite://", internal_jwks='{"keys": []}')
    )
    return [
        (service, method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


SERVICES = ("registry", "credit", "vouchers", "funding")
ROUTES = [route for service in SERVICES for route in service_routes(service)]


@pytest.fixture(scope="module")
def shared_stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_database: str | None,
    templates: Any,
    signing_key: bytes,
    jwks_json: str,
) -> Iterator[RunningGateway]:
    """The module's stack, with room for one anonymous call per route: with more routes than
    the public limit allows a minute (120), a fast run met 429s instead of the edge's answer."""
    with registry_stack(
        directory=tmp_path_factory.mktemp("stack"),
        postgres_database=postgres_database,
        templates=templates,
        signing_key=signing_key,
        jwks_json=jwks_json,
        rate_limit_public="10000/minute",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def callers(shared_stack: RunningGateway) -> dict[str, dict[str, str]]:
    """Each caller's headers, with its delegation in the state its row names."""
    stack = shared_stack
    enterprise_key = stack.key_for("enterprise", org=USCC)
    headers: dict[str, dict[str, str]] = {}
    portals: dict[str, tuple[str, str]] = {}
    for caller in CALLERS:
        if caller.kind is None:
            headers[caller.name] = {}
            continue
        org = {"admin": None, "portal": None, "service": None, "department": "dept-matrix"}.get(
            caller.kind, USCC if caller.kind == "enterprise" else "ORG1"
        )
        created = stack.create_client(caller.kind, org=org)
        key = created["api_key"]["key"]
        headers[caller.name] = {"X-API-Key": key}
        if caller.on_behalf:
            headers[caller.name]["X-On-Behalf-Of"] = USCC
        if caller.delegation:
            portals[caller.delegation] = (created["client"]["id"], key)
    # the filing portal files the enterprise: a filing-only delegation, until confirmed
    filed = stack.http.post(
        "/registry/v1/enterprises", json=FILING, headers=headers["portal_filing"]
    )
    assert filed.status_code == 201, filed.text
    stack.delegate(portals["live"][0], USCC, LIVE, enterprise_key=enterprise_key)
    stack.delegate(portals["read_only"][0], USCC, ("registry:read",), enterprise_key=enterprise_key)
    revoked = stack.delegate(portals["revoked"][0], USCC, enterprise_key=enterprise_key)
    answer = stack.http.post(
        f"/v1/delegations/{revoked['id']}/revocation", headers={"X-API-Key": enterprise_key}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "revoked", answer.text
    stack.delegate(portals["expired"][0], USCC, seconds=1.5, enterprise_key=enterprise_key)
    time.sleep(1.6)
    return headers


def _call(http: httpx.Client, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = None if method in ("GET", "DELETE") else {}
    return http.request(method, path, json=body, headers=headers)


def _outcome(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        code = str(response.json().get("code"))
        if code in EDGE_CODES and response.status_code in (401, 403):
            return code
    return THROUGH


@pytest.mark.parametrize("route", ROUTES, ids=[f"{s}:{m} {p}" for s, m, p in ROUTES])
def test_delegation_matrix(
    route: tuple[str, str, str], shared_stack: RunningGateway, callers: dict[str, dict[str, str]]
) -> None:
    service, method, template = route
    assert route in ROUTE_CLASSES, f"unknown route {route}: add its class to ROUTE_CLASSES"
    klass = ROUTE_CLASSES[route]
    path = f"/{service}" + re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], template)
    wrong = []
    for caller in CALLERS:
        response = _call(shared_stack.http, method, path, callers[caller.name])
        want = expected(caller, service, klass)
        got = _outcome(response)
        if got != want:
            wrong.append((caller.name, want, response.status_code, response.text[:200]))
    assert not wrong, wrong


def test_every_class_route_exists() -> None:
    """No stale row: every row of the table is a route a service still serves."""
    assert set(ROUTE_CLASSES) - set(ROUTES) == set()
