"""Mutation testing of the trust-critical modules (`make mutate`): cosmic-ray, each target mutated
against only the tests that exercise it, in a copy of the tree; prints the surviving mutants.

    python tools/mutate.py                 # every target
    python tools/mutate.py etag uscc       # some targets
    python tools/mutate.py --list          # the targets and their tests
    MUTATE_WORK=var/mutate-2 python tools/mutate.py uscc   # beside another run
    MUTATE_POSTGRES_URL=postgresql://... python tools/mutate.py outbox   # PostgreSQL targets
    python tools/mutate.py --again outbox  # after new tests: rerun what was not killed
    python tools/mutate.py --report outbox # what a (running) session has so far

A target is files (optionally only some of their functions) and the test files that should kill
every mutant in them. A survivor that cannot be killed (an equivalent mutant) goes in
EQUIVALENT with its reason; any other survivor makes the run exit 1.

Each mutant's tests run in a fork of a warm server (tools/mutate_fork.py: third-party imports
done once; the project imported fresh from the mutated source), `pytest -x`. A mutant is killed
when pytest exits non-zero (a mutant inside a function body meets the tests that ran that body
first, those that ran its line ahead of the rest: a coverage run with a context per test maps
them; the rest run only if those pass); a timeout (60 s or 5x the warm baseline) is cosmic-ray's
"killed" but is listed in its own column and rerun by --again; a failure of the fork machinery
is an error, never a kill.
"""

import argparse
import ast
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# MUTATE_WORK=var/mutate-2 lets a second run (other targets) work beside the first.
WORK = ROOT / os.environ.get("MUTATE_WORK", "var/mutate")
TREE = WORK / "tree"
INFRA_MARK = "mutate-fork: infrastructure error"  # as tools/mutate_fork.py prints it
# cosmic-ray's ExceptionReplacer fails on a dotted name in an `except (a.B, C)` tuple: the
# mutant is never written, so there is nothing to run (listed, with a hand-made test instead).
UNBUILT = "exception_replacer.py"


@dataclass(frozen=True)
class Target:
    """Files to mutate and the tests that exercise them."""

    paths: tuple[str, ...]
    tests: tuple[str, ...]
    # Only mutants inside these top-level functions/classes count (all of the file when empty).
    only: tuple[str, ...] = field(default=())
    # A path that exists only on PostgreSQL (the outbox's writer lock): the tests run on SQLite,
    # then on PostgreSQL (MUTATE_POSTGRES_URL); a mutant killed on either is killed.
    postgres: bool = False


# What the proxy does to requests, answers, headers, identity, delegation and a failing upstream.
_PROXY_TESTS = (
    "tests/gateway/test_proxy_pool.py",
    "tests/gateway/test_proxy.py",
    "tests/gateway/test_proxy_bounds.py",
    "tests/gateway/test_proxy_robustness.py",
    "tests/gateway/test_bounded_edge.py",
    "tests/gateway/test_identity.py",
    "tests/gateway/test_delegation.py",
    "tests/gateway/test_degraded.py",
    "tests/gateway/test_resilience.py",
)

# What rates an enterprise, shows its rating, and reads it (objections, reports).
_RATING_TESTS = (
    "tests/credit/test_ratings.py",
    "tests/credit/test_rating_scorecards.py",  # any version an admin saves: every kind of factor
    "tests/credit/test_rating_inputs.py",  # founding years, filing years, growth, record order
    "tests/credit/test_rating_runs.py",  # queued runs, claims, the consumer beside a replica
    "tests/credit/test_objections.py",
    "tests/credit/test_reports.py",
)

TARGETS: dict[str, Target] = {
    "idempotency": Target(
        ("services/common/idempotency.py",),
        (
            "tests/common/test_idempotency.py",
            "tests/common/test_idempotency_stale.py",
            "tests/common/test_idempotency_neighbours.py",
        ),
        postgres=True,  # a claim finished while it is reclaimed: only PostgreSQL lets it commit
    ),
    "etag": Target(
        ("services/common/etag.py",),
        ("tests/common/test_etag_pagination.py",),
    ),
    "outbox": Target(
        ("services/common/outbox.py",),
        ("tests/common/test_outbox_feed.py",),
        postgres=True,
    ),
    "consumer": Target(
        ("services/common/consumer.py",),
        (
            "tests/common/test_consumer.py",
            "tests/common/test_consumer_auth.py",
            "tests/common/test_consumer_replicas.py",
            "tests/common/test_consumer_paths.py",
        ),
        postgres=True,  # a replica skipping a locked cursor (SKIP LOCKED) is PostgreSQL's
    ),
    "identity": Target(
        ("services/common/identity.py",),
        ("tests/common/test_identity.py", "tests/common/test_authorize.py"),
    ),
    "unitofwork": Target(
        ("services/common/unitofwork.py",),
        (
            "tests/common/test_unit_of_work.py",
            "tests/common/test_idempotency.py",
            "tests/common/test_errors.py",
            "tests/common/test_admission.py",
        ),
    ),
    "authenticator": Target(
        ("gateway/auth/authenticator.py",),
        (
            "tests/gateway/test_auth.py",
            "tests/gateway/test_oauth.py",
            "tests/gateway/test_degraded.py",
            "tests/gateway/test_auth_cache.py",
        ),
    ),
    "scope-check": Target(
        ("gateway/auth/dependencies.py",),
        (
            "tests/gateway/test_auth.py",
            "tests/gateway/test_admin.py",
            "tests/gateway/test_readiness.py",  # metrics_reader: who may read /metrics, where
        ),
    ),
    "limiter": Target(
        ("gateway/ratelimit/limiter.py",),
        (
            "tests/gateway/test_ratelimit.py",
            "tests/gateway/test_edge_limits.py",
            "tests/gateway/test_ratelimit_clock.py",
        ),
    ),
    # The proxy, one target per file: each mutant of the gateway's tests starts a gateway, so a
    # whole-proxy run takes hours; per file it can be run (and continued with --again) in parts.
    "proxy-pool": Target(
        ("gateway/proxy/pool.py",),
        (
            "tests/gateway/test_proxy_pool_connections.py",  # the pool on its own, both loops
            "tests/gateway/test_upstream_transports.py",  # a refused connection's error
            "tests/gateway/test_upstream_settings.py",  # parse_base
            *_PROXY_TESTS,
        ),
    ),
    "proxy-transport": Target(
        ("gateway/proxy/transport.py",),
        (
            "tests/gateway/test_upstream_transports.py",  # the gate, errors and closing, directly
            "tests/gateway/test_upstream_settings.py",  # which transport the settings build
            *_PROXY_TESTS,
        ),
    ),
    "proxy-handler": Target(
        ("gateway/proxy/handler.py",),
        # the credential, scope and limit steps, through the handler
        (
            *_PROXY_TESTS,
            "tests/gateway/test_auth.py",
            "tests/gateway/test_ratelimit.py",
            "tests/gateway/test_readiness.py",  # the circuit_open gauge
        ),
    ),
    # Which portal may act for which enterprise: the grants the proxy's delegation check reads.
    "delegations": Target(
        ("gateway/delegations/service.py",),
        (
            "tests/gateway/test_delegation.py",
            "tests/gateway/test_delegation_matrix.py",
            "tests/gateway/test_identity.py",  # the filing-only delegation
        ),
        postgres=True,  # confirm's row lock: two confirmations from one reading land once
    ),
    "uscc": Target(
        ("services/registry/uscc",),
        ("tests/registry/test_uscc.py",),
    ),
    "id-number": Target(
        ("services/registry/enterprises/rules.py",),
        ("tests/registry/test_id_number.py", "tests/registry/test_enterprises.py"),
        only=("normalise_id_number", "id_number_issue", "hash_id_number", "id_check_character"),
    ),
    "size-class": Target(
        ("services/registry/sizing",),
        ("tests/registry/test_size_class.py",),
    ),
    "public-summary": Target(
        ("services/registry/monitoring/service.py",),
        ("tests/registry/test_monitoring.py",),
        only=("suppressed_units", "summary_of"),
    ),
    # Modules that grant consent, move money, issue or decide eligibility (as they landed).
    "consents": Target(
        ("services/credit/consents/service.py",),
        ("tests/credit/test_consents.py",),
        postgres=True,  # two revocations at once: only PostgreSQL runs them side by side
    ),
    "reports": Target(
        ("services/credit/reports/service.py",),
        ("tests/credit/test_reports.py",),
    ),
    "issuance": Target(
        ("services/vouchers/vouchers/service.py", "services/vouchers/vouchers/codes.py"),
        (
            "tests/vouchers/test_codes.py",
            "tests/vouchers/test_applications.py",
            "tests/vouchers/test_issuance_concurrency.py",
            "tests/vouchers/test_cycle.py",  # the usage row's redeemed figure, read back
        ),
        only=(
            *("parse_code", "_commit_budget", "_commit_cap", "issue_voucher"),
            *("encode", "new_code", "parse"),
        ),
    ),
    "eligibility": Target(
        ("services/vouchers/programmes/service.py", "services/vouchers/applications/service.py"),
        ("tests/vouchers/test_applications.py", "tests/vouchers/test_programmes.py"),
        only=(
            *("_whole_years", "eligibility_rule_set", "eligibility_inputs"),
            *("evaluate_eligibility", "_barred", "_not_eligible", "apply_for_voucher"),
        ),
    ),
    # The budget's own guards: terms, a budget never below what is committed, open and close.
    "programmes": Target(
        ("services/vouchers/programmes/service.py",),
        (
            "tests/vouchers/test_programmes.py",
            "tests/vouchers/test_programme_concurrency.py",
        ),
        only=(
            *("_check_rule_set", "_check_terms", "_categories", "create_programme"),
            *("get_programme", "list_programmes", "update_programme", "_move"),
            *("open_programme", "close_programme"),
        ),
        postgres=True,  # a budget lowered while issuance commits: the row lock's race
    ),
    "redemptions": Target(
        ("services/vouchers/redemptions/service.py",),
        ("tests/vouchers/test_redemptions.py",),
        postgres=True,  # the row locks' races: PostgreSQL's
    ),
    "settlements": Target(
        ("services/vouchers/settlements/service.py",),
        ("tests/vouchers/test_settlements.py",),
        postgres=True,  # a job losing its month to a run committed after its check
    ),
    "rules": Target(
        ("services/common/rules/engine.py",),
        (
            "tests/common/test_rules.py",
            "tests/common/test_rules_checker_paths.py",
            "tests/common/test_rules_engine_caches.py",
        ),
        only=(
            *("_Rule", "_in_range", "_keyed", "_key_getter", "CompiledRuleSet"),
            *("compiled_rule_set", "evaluate"),
        ),
    ),
    "jobs": Target(
        ("services/common/jobs.py",),
        ("tests/common/test_jobs.py",),
        only=("claim_due",),
        postgres=True,  # FOR UPDATE SKIP LOCKED is PostgreSQL's path
    ),
    # Funding: every module that moves money, each against the SQLite tests that exercise it
    # (the race branches are reached there by stale reads: the *_races.py tests).
    "funding-ledger": Target(
        ("services/funding/ledger/service.py",),
        (
            "tests/funding/test_ledger.py",
            "tests/funding/test_ledger_races.py",
            "tests/funding/test_review_ledger_guards.py",
        ),
    ),
    "funding-disbursements": Target(
        (
            "services/funding/disbursements/service.py",
            "services/funding/disbursements/settlements.py",
        ),
        (
            "tests/funding/test_disbursements.py",
            "tests/funding/test_propose_many.py",
            "tests/funding/test_disbursement_races.py",
            "tests/funding/test_settlement_payment.py",
            "tests/funding/test_settlement_feed.py",
            "tests/funding/test_disbursement_neighbours.py",
            "tests/funding/test_disbursement_lock_races.py",  # PostgreSQL's row-lock races
        ),
        postgres=True,  # the row locks of approval and settlement retries
    ),
    "funding-rewards-run": Target(
        ("services/funding/rewards/service.py",),
        (
            "tests/funding/test_reward_runs.py",
            "tests/funding/test_reward_rules.py",
            "tests/funding/test_reward_run_scope.py",
        ),
    ),
    "funding-bridge": Target(
        ("services/funding/bridge/service.py", "services/funding/bridge/jobs.py"),
        (
            "tests/funding/test_bridge_loans.py",
            "tests/funding/test_bridge_edges.py",
            "tests/funding/test_bridge_overdue_credit.py",
            "tests/funding/test_bridge_bounds.py",
        ),
    ),
    "funding-riskpool": Target(
        ("services/funding/riskpool/service.py", "services/funding/riskpool/plan.py"),
        (
            "tests/funding/test_risk_pool.py",
            "tests/funding/test_risk_pool_edges.py",
            "tests/funding/test_risk_pool_bounds.py",
        ),
    ),
    "funding-allocations": Target(
        ("services/funding/allocations/service.py",),
        (
            "tests/funding/test_allocations.py",
            "tests/funding/test_review_allocation_bounds.py",
            "tests/funding/test_matching_concurrency.py",
        ),
    ),
    "funding-interest": Target(
        (
            "services/funding/interest/service.py",
            "services/funding/interest/rules.py",
            "services/funding/interest/schemas.py",  # the loan's term
        ),
        ("tests/funding/test_interest_subsidies.py", "tests/funding/test_subsidy_concurrency.py"),
    ),
    "funding-budgets": Target(
        ("services/funding/budgets/service.py",),
        ("tests/funding/test_budgets.py",),
    ),
    "funding-guarantees": Target(
        ("services/funding/guarantees/service.py", "services/funding/guarantees/rules.py"),
        (
            "tests/funding/test_guarantee_compensation.py",
            "tests/funding/test_subsidy_concurrency.py",
        ),
    ),
    "funding-fees": Target(
        ("services/funding/fees/service.py",),
        ("tests/funding/test_fee_subsidies.py", "tests/funding/test_subsidy_concurrency.py"),
        postgres=True,  # a fee's change locks its row: two changes from one reading land once
    ),
    "vouchers-expiry": Target(
        ("services/vouchers/expiry/service.py",),
        ("tests/vouchers/test_expiry.py",),
    ),
    "providers": Target(
        ("services/vouchers/providers/service.py",),
        (
            "tests/vouchers/test_providers.py",
            "tests/vouchers/test_provider_lifecycle.py",
            "tests/vouchers/test_provider_lists.py",
            "tests/vouchers/test_redemptions.py",
            "tests/vouchers/test_cycle.py",
        ),
        postgres=True,  # a decision's row lock orders two admins on PostgreSQL only
    ),
    "funding-shares": Target(
        ("services/funding/shares.py",),
        ("tests/funding/test_shares.py", "tests/funding/test_allocations.py"),
    ),
    "funding-effective": Target(
        ("services/funding/effective.py",),
        ("tests/funding/test_interest_subsidies.py",),
    ),
    "funding-bases": Target(
        ("services/funding/bases/service.py",),
        (
            "tests/funding/test_bases.py",
            "tests/funding/test_base_lock_races.py",
            "tests/funding/test_acceptance.py",
            "tests/funding/test_reward_runs.py",
        ),
        postgres=True,  # its row locks (get_kind, get_base) order writers on PostgreSQL only
    ),
    "funding-agreements": Target(
        ("services/funding/agreements/service.py",),
        (
            "tests/funding/test_bank_agreements.py",
            "tests/funding/test_risk_pool.py",
            "tests/funding/test_risk_pool_edges.py",  # a bank client naming no bank
        ),
        postgres=True,  # two versions added at once: the unique version number refuses one
    ),
    "funding-acceptance": Target(
        ("services/funding/acceptance/service.py",),
        ("tests/funding/test_acceptance.py", "tests/funding/test_acceptance_concurrency.py"),
        postgres=True,  # the base's row lock orders two results for one base
    ),
    "credit-certification": Target(
        ("services/credit/certification/service.py",),
        (
            "tests/credit/test_certification.py",
            "tests/credit/test_reports.py",
            "tests/credit/test_upkeep_jobs.py",
        ),
        postgres=True,  # each step locks its round: a second at once waits for the first
    ),
    "credit-ratings-scorecard": Target(  # how an evaluation becomes score, factors, reasons
        ("services/credit/ratings/scorecard.py",), _RATING_TESTS
    ),
    "credit-ratings-inputs": Target(  # what a rating reads: records, filings, facts
        ("services/credit/ratings/inputs.py",), _RATING_TESTS
    ),
    "credit-ratings-runs": Target(  # ratings kept, recomputed and run in batches
        ("services/credit/ratings/service.py", "services/credit/ratings/run.py"),
        _RATING_TESTS,
        postgres=True,  # a second replica skips the ratings round the first holds
    ),
    "funding-public-chain": Target(
        ("services/funding/public/chain.py",),
        ("tests/funding/test_public_ledger.py", "tests/funding/test_public_ledger_verifier.py"),
    ),
}

# (file, line, operator) -> why no test can tell the mutant from the original; where one operator
# makes two mutants of a line, the operator is followed by ": " and the mutated line.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("services/funding/effective.py", 17, "ReplaceTrueWithFalse"): (
        "Stretch's `frozen=True` -> False: no code assigns to a stretch's fields"
    ),
    ("services/funding/effective.py", 37, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in stretches' signature: session becomes positional-only, as its one caller "
        "passes it; the rest stay keywords"
    ),
    ("services/funding/effective.py", 44, "ReplaceComparisonOperator_LtE_IsNot"): (
        "the query's `effective_from <= last` -> `is not` (a Python True: no filter): the query "
        "only narrows what the loop's `_covers` then checks day by day, so more rows, same answer"
    ),
    ("services/funding/effective.py", 45, "ReplaceComparisonOperator_GtE_IsNot"): (
        "the query's `effective_to >= first` -> `is not`: as at line 44, `_covers` decides"
    ),
    ("services/funding/effective.py", 54, "ReplaceComparisonOperator_Eq_Is"): (
        "`rule_set.id ==` -> `is`: both are the id of the same RuleSet object (the session's "
        "identity map gives one object per row), so the same string object"
    ),
    ("services/funding/shares.py", 17, "ReplaceComparisonOperator_Eq_LtE"): (
        "`whole == 0` -> `<= 0`: weights are checked non-negative just above, so their sum is "
        "never below 0"
    ),
    ("services/funding/shares.py", 22, "ReplaceUnaryOperator_USub_Invert"): (
        "`-remainders[i]` -> `~remainders[i]` (that is, -r - 1) in the sort key: the same order"
    ),
    ("services/funding/shares.py", 29, "ReplaceComparisonOperator_LtE_Lt"): (
        "scale_to_cap's `sum(amounts) <= cap_fen` -> `<`: at equality the pro-rata split of the "
        "cap over the amounts is exact, so it returns the amounts unchanged either way"
    ),
    ("services/credit/certification/service.py", 421, "ReplaceComparisonOperator_Eq_LtE"): (
        "certified_list's `status == 'granted'` -> `<=`: a title's only other status, "
        "'revoked', sorts after it"
    ),
    ("services/credit/certification/service.py", 234, "ReplaceComparisonOperator_IsNot_Lt"): (
        "`eligible is not True` -> `< True`: `eligible` is a bool (the family declares it), and "
        "`False < True` holds while `True < True` does not, as `is not True` says"
    ),
    ("services/credit/certification/service.py", 83, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _round's signature: session and round_id become positional-only, as every "
        "caller passes them; lock and share stay keywords"
    ),
    ("services/credit/certification/service.py", 142, "ReplaceComparisonOperator_NotEq_Gt"): (
        "open_round's `family != 'credit.certification'` -> `>`: get_rule_set reads only the "
        "credit service's families, and the other one, 'credit.scorecard', sorts after it"
    ),
    ("services/credit/certification/service.py", 204, "ReplaceComparisonOperator_Eq_LtE"): (
        "overdue_loans' `polarity == 'loan'` -> `<=`: the other polarities ('negative', "
        "'positive') sort after 'loan'"
    ),
    ("services/credit/certification/service.py", 361, "ReplaceComparisonOperator_NotEq_Lt"): (
        "finalise_round's `stage != 'notice'` -> `<`: 'opened', the one stage sorting after "
        "'notice', has no notice_until, which the same condition refuses"
    ),
    ("services/credit/certification/service.py", 473, "ReplaceComparisonOperator_Eq_LtE"): (
        "revoke_for's `status == 'granted'` -> `<=`: a title's only other status, 'revoked', "
        "sorts after it"
    ),
    (
        "services/credit/certification/service.py",
        150,
        'NumberReplacer: raise RoundYearTaken(f"The {data.year} round exists already '
        '({taken[ -1]}).")',
    ): "open_round's refusal quotes taken[-1] for taken[0]: the row selects one column",
    ("services/credit/certification/service.py", 340, "ReplaceComparisonOperator_Eq_Is"): (
        "`data.decision == CertificationDecision.UPHELD` -> `is`: pydantic gives the enum member "
        "itself, and members are singletons"
    ),
    ("services/credit/certification/service.py", 467, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in revoke_for's signature: session becomes positional-only, as apply_event "
        "passes it; uscc and because stay keywords"
    ),
    ("services/credit/certification/service.py", 229, "ReplaceComparisonOperator_Eq_LtE"): (
        "compute_candidates' `status == 'active'` -> `<=`: the replica's only other status, "
        "'deregistered', sorts after 'active'"
    ),
    ("services/credit/certification/service.py", 204, "ReplaceComparisonOperator_Eq_GtE"): (
        "overdue_loans' `polarity == 'loan'` -> `>=`: only loan records carry a loan_status (the "
        "records domain refuses one on any other type, loan_status_not_allowed, on filing and on "
        "correction), so `loan_status == 'overdue'` alone picks the same records"
    ),
    ("services/credit/certification/service.py", 204, "ReplaceComparisonOperator_Eq_IsNot"): (
        "overdue_loans' `polarity == 'loan'` -> `is not`: a non-loan record never has a "
        "loan_status (loan_status_not_allowed), so only loans pass `loan_status == 'overdue'`"
    ),
    ("services/credit/certification/service.py", 208, "ReplaceComparisonOperator_Gt_NotEq"): (
        "`filed > 0` -> `!= 0`: filed is a COUNT(*), never negative"
    ),
    ("services/credit/certification/service.py", 174, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in inputs_for's signature: session and enterprise become positional-only, as "
        "its one caller (compute_candidates) passes them; year and at stay keywords"
    ),
    ("services/credit/certification/service.py", 234, "ReplaceComparisonOperator_IsNot_NotEq"): (
        "`eligible is not True` -> `!= True`: the credit.certification family declares `eligible` "
        "bool and the kernel checks results against it, so the value is True or False"
    ),
    ("services/credit/certification/service.py", 265, "ReplaceComparisonOperator_NotEq_Gt"): (
        "publish_notice's `stage != 'candidates'` -> `>`: the other stages ('opened', 'notice', "
        "'final') all sort after 'candidates'"
    ),
    ("services/credit/certification/service.py", 299, "ReplaceComparisonOperator_NotEq_Lt"): (
        "object_to_candidate's `stage != 'notice'` -> `<`: of the stages sorting after 'notice' "
        "only 'opened' remains, and an opened round has no notice_until, which the next clause "
        "refuses"
    ),
    ("services/credit/certification/service.py", 305, "ReplaceComparisonOperator_Eq_LtE"): (
        "the objected candidate's `status == 'candidate'` -> `<=`: the other statuses "
        "('removed', 'certified') both sort after 'candidate'"
    ),
    ("services/credit/certification/service.py", 340, "ReplaceComparisonOperator_Eq_GtE"): (
        "`decision == UPHELD` -> `>=`: the only other decision, 'dismissed', sorts before 'upheld'"
    ),
    ("services/credit/certification/service.py", 378, "ReplaceComparisonOperator_NotEq_Gt"): (
        "finalise_round's `candidate.status != 'candidate'` -> `>`: 'removed' and 'certified' "
        "both sort after 'candidate'"
    ),
    ("services/credit/certification/service.py", 533, "NumberReplacer"): (
        "`int(events[-1].seq or 0)` -> `or 1` / `or -1`: a read event's seq is never None or 0 "
        "(the outbox numbers from 1), so the fallback is never taken"
    ),
    ("services/funding/acceptance/service.py", 72, "ReplaceComparisonOperator_NotEq_Gt"): (
        "record's `base.status != 'admitted'` -> `>`: the other statuses ('filed', 'refused', "
        "'exited') all sort after 'admitted'"
    ),
    ("services/funding/acceptance/service.py", 87, "ReplaceComparisonOperator_Eq_GtE"): (
        "`data.result == 'passed'` -> `>=`: the only other result, 'failed', sorts before it"
    ),
    ("services/funding/acceptance/service.py", 87, "ReplaceComparisonOperator_Eq_Is"): (
        "`data.result == PASSED` -> `is`: pydantic answers the Literal's own str and CPython "
        "interns identifier-like constants such as 'passed' in every module, so the objects are "
        "one"
    ),
    ("services/funding/acceptance/service.py", 131, "ReplaceComparisonOperator_Eq_Is"): (
        "`acceptance.result == FAILED` -> `is`: result is data.result (pydantic's Literal str, "
        "interned with the module constant), so identity and equality agree"
    ),
    ("services/funding/acceptance/service.py", 131, "ReplaceComparisonOperator_Eq_LtE"): (
        "`acceptance.result == 'failed'` -> `<=`: the only other result, 'passed', sorts after it"
    ),
    ("services/funding/acceptance/service.py", 134, "ReplaceComparisonOperator_Eq_LtE"): (
        "the neighbour's `result == 'failed'` -> `<=`: 'passed' sorts after 'failed'"
    ),
    ("services/funding/acceptance/service.py", 199, "ReplaceComparisonOperator_Eq_GtE"): (
        "passed_for's `result == 'passed'` -> `>=`: the only other result, 'failed', sorts before"
    ),
    ("services/funding/agreements/service.py", 37, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in versions_of's signature: session becomes positional-only, as every caller "
        "passes it; bank_code stays a keyword"
    ),
    ("services/funding/agreements/service.py", 55, "NumberReplacer: .limit( 2)"): (
        "terms_on's `.limit(1)` -> `.limit(2)`: `.first()` takes the first row of the same "
        "ordering either way"
    ),
    ("services/funding/agreements/service.py", 32, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "bank_of's `principal.kind != BANK` -> `is not`: kind is a ClientKind member (the "
        "authenticator builds it as ClientKind(claims.kind)) and enum members are singletons, "
        "so identity and equality agree"
    ),
    ("services/funding/agreements/service.py", 48, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in terms_on's signature: session becomes positional-only, as its one caller "
        "(the risk pool's register_loan) passes it; bank_code and on stay keywords"
    ),
    ("services/funding/agreements/service.py", 109, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_visible's `principal.kind != BANK` -> `is not`: a ClientKind member, and enum members "
        "are singletons, so identity and equality agree"
    ),
    (
        "services/funding/agreements/service.py",
        121,
        "NumberReplacer: bank_name=versions[- 0].bank_name,",
    ): (
        "get_agreement's bank_name from versions[-1] -> versions[0]: add_version refuses a "
        "version under another name (bank_agreement_name_changed), so every version has the "
        "first one's name"
    ),
    ("services/funding/agreements/service.py", 121, "ReplaceUnaryOperator_USub_Not"): (
        "versions[not 1] is versions[0]: every version has the same bank name (add_version "
        "refuses another, bank_agreement_name_changed)"
    ),
    ("services/common/etag.py", 19, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in check_etag's signature makes if_match and current positional-only; every "
        "caller passes them by position and `required` by keyword, so no call changes"
    ),
    ("services/common/etag.py", 31, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in check_if_match's signature: request and current become positional-only, "
        "as every caller passes them; `required` stays a keyword"
    ),
    ("services/common/etag.py", 42, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in Precondition.__init__: if_match becomes positional-only, which is how its "
        "one caller (the if_match dependency) passes it"
    ),
    ("services/common/idempotency.py", 144, "ReplaceComparisonOperator_Eq_LtE"): (
        "`record.state == DONE` -> `record.state <= DONE`: the states are 'done' and "
        "'in_progress', and only 'done' sorts at or before 'done'"
    ),
    ("services/common/idempotency.py", 146, "NumberReplacer"): (
        "`record.status_code or 200` -> `or 199`/`or 201`: a record is 'done' only through "
        "Idempotency.store, which always writes the response's status code, so the fallback "
        "is never taken"
    ),
    ("services/common/idempotency.py", 158, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`reclaimed.rowcount != 1` -> `< 1`: the UPDATE is on the primary key, so rowcount is "
        "0 or 1 and both say 'not reclaimed' only for 0"
    ),
    ("services/common/idempotency.py", 158, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`reclaimed.rowcount != 1` -> `is not 1`: CPython keeps one object per small int, so "
        "identity and equality agree for 0 and 1"
    ),
    ("services/common/idempotency.py", 153, "ReplaceComparisonOperator_Eq_GtE"): (
        "reclaim's `state == IN_PROGRESS` -> `state >= IN_PROGRESS`: a claim is 'in_progress' or "
        "'done' (the only states written), and 'done' < 'in_progress', so both select the same rows"
    ),
    ("services/common/jobs.py", 61, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in claim_due's signature: session and statement become positional-only, as "
        "every caller passes them; limit is still passed by keyword"
    ),
    ("services/common/jobs.py", 73, "ReplaceComparisonOperator_Eq_Is"): (
        "`dialect.name == 'postgresql'` -> `is`: the dialect's name is an interned string "
        "literal in SQLAlchemy's dialect class, so both are the same object (as in the outbox)"
    ),
    ("services/common/jobs.py", 73, "ReplaceComparisonOperator_Eq_GtE"): (
        "`dialect.name == 'postgresql'` -> `>=`: true on SQLite too ('sqlite' sorts after), "
        "where SQLAlchemy's SQLite compiler renders no FOR UPDATE: the same statement runs"
    ),
    ("services/common/jobs.py", 73, "ReplaceComparisonOperator_Eq_LtE"): (
        "`dialect.name == 'postgresql'` -> `<=`: the two dialects served are 'postgresql' "
        "(equal) and 'sqlite' (sorts after), so the lock is taken exactly on PostgreSQL"
    ),
    ("services/common/outbox.py", 74, "ReplaceComparisonOperator_Eq_Is"): (
        "_announce_writer's `dialect.name == 'postgresql'` -> `is`: the dialect's name is a string "
        "literal in SQLAlchemy's dialect class and CPython interns identifier-like literals, so "
        "both are the same object (test_a_reader_stops_before_an_earlier_writer_still_in_flight "
        "passes on PostgreSQL: the announcement is still made)"
    ),
    ("services/common/outbox.py", 74, "ReplaceComparisonOperator_Eq_LtE"): (
        "_announce_writer's `dialect.name == 'postgresql'` -> `<=`: the two dialects served are "
        "'postgresql' (equal) and 'sqlite' (sorts after), so the announcement is made exactly "
        "on PostgreSQL either way"
    ),
    ("services/common/outbox.py", 81, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_final_below's `dialect.name != 'postgresql'` -> `>`: 'sqlite' sorts after "
        "'postgresql', so SQLite still returns None and PostgreSQL still computes the bound"
    ),
    ("services/common/outbox.py", 101, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in emit's signature: session, type and payload become positional-only, as "
        "every caller passes them; actor stays accepted by keyword"
    ),
    ("services/common/outbox.py", 163, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in read_events' signature: session becomes positional-only, as its one "
        "caller passes it; after and limit are still passed by keyword"
    ),
    ("services/common/outbox.py", 186, "NumberReplacer"): (
        "events_router's default max_limit=1000 -> 999/1001: its one caller (the app factory, "
        "services/common/app.py) always passes settings.events_page_max"
    ),
    ("services/common/outbox.py", 81, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_final_below's `dialect.name != 'postgresql'` -> `is not`: the same interned literal, "
        "so identity and equality agree on both dialects"
    ),
    ("services/common/outbox.py", 97, "ReplaceBinaryOperator_Add_BitXor"): (
        "announced_value's `(low - last + _HALF) % _WHOLE` -> `((low - last) ^ _HALF) % _WHOLE`: "
        "XOR with 2^31 flips bit 31, i.e. adds or subtracts 2^31, and both are the same modulo "
        "2^32"
    ),
    ("services/common/outbox.py", 110, "NumberReplacer"): (
        "emit's `emit_many(session, [event])[0]` -> `[-1]`: the list of ids has exactly one "
        "element, so first and last are the same id"
    ),
    ("services/common/outbox.py", 137, "NumberReplacer"): (
        "not behaviour: the `seq` of EventPublic's OpenAPI example (42 -> 41 or 43); any "
        "positive seq is as valid an example and no client or check reads its value"
    ),
    ("services/common/outbox.py", 172, "ReplaceComparisonOperator_LtE_Lt"): (
        "read_events' early `if bound <= after: return empty` -> `<`: when bound == after the "
        "query that follows selects `after < seq <= bound`, an empty range, and returns the same "
        "empty page with next_after = after (the return is a shortcut)"
    ),
    ("services/common/outbox.py", 172, "ReplaceComparisonOperator_LtE_Eq"): (
        "read_events' early `if bound <= after` -> `bound == after`: when bound < after the "
        "query's range `after < seq <= bound` is empty, the same empty page with next_after = "
        "after"
    ),
    ("services/common/outbox.py", 172, "ReplaceComparisonOperator_LtE_Is"): (
        "read_events' early `if bound <= after` -> `bound is after`: when the shortcut is not "
        "taken and bound <= after, the query's range `after < seq <= bound` is empty, so the "
        "page is the same empty one with next_after = after"
    ),
    ("services/credit/consents/service.py", 159, "ReplaceComparisonOperator_Eq_Is"): (
        "_filtered's `client.kind == ClientKind.BANK` -> `is`: a Principal's kind is always a "
        "ClientKind member (identity.py builds it with ClientKind(claims.kind)), and enum "
        "members are singletons, so identity and equality agree"
    ),
    (
        "services/common/identity.py",
        41,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): (
        "Principal without __slots__: it stays frozen (assignment still raises), so only the "
        "instance's memory layout differs; nothing reads __dict__ or __slots__"
    ),
    ("services/common/identity.py", 67, "ReplaceComparisonOperator_Eq_Is"): (
        "`self.kind == ClientKind.ADMIN` -> `is`: a Principal's kind is always a ClientKind "
        "member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/common/identity.py", 67, "ReplaceComparisonOperator_Eq_LtE"): (
        "`kind == 'admin'` -> `kind <= 'admin'` (a StrEnum compares as text): no ClientKind "
        "sorts before 'admin', so only ADMIN satisfies either"
    ),
    ("services/registry/enterprises/rules.py", 169, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`value[17] != expected` -> `is not`: both are one-character ASCII strings, which "
        "CPython keeps as shared singletons, so identity and equality agree"
    ),
    ("services/registry/uscc/charset.py", 21, "NumberReplacer"): (
        "`exc.args[0]` -> `exc.args[-1]`: a KeyError from a dict look-up has exactly one arg, "
        "so both name the same character"
    ),
    ("services/registry/uscc/charset.py", 22, "ReplaceBinaryOperator_Sub_BitXor"): (
        "`31 - r` -> `31 ^ r` for r = total % 31 in 0..30: 31 is 0b11111, so XOR with it "
        "flips r's five bits, which is 31 - r"
    ),
    ("services/registry/uscc/charset.py", 22, "ReplaceBinaryOperator_Mod_Add"): (
        "inner `total % 31` -> `total + 31`: (31 - (total + 31)) % 31 == (31 - total % 31) % 31, "
        "the outer modulo absorbs it"
    ),
    ("services/registry/uscc/charset.py", 22, "ReplaceBinaryOperator_Mod_Sub"): (
        "inner `total % 31` -> `total - 31`: the outer modulo absorbs it; outer `(31 - r) % 31` "
        "-> `(31 - r) - 31` == -r, and CHARSET[-r] is CHARSET[31 - r] (CHARSET[0] for r == 0): "
        "Python's negative indexing is the same modulo"
    ),
    ("services/registry/uscc/charset.py", 22, "ReplaceBinaryOperator_Mod_Pow"): (
        "inner `total % 31` -> `total ** 31`: 31 is prime, so total**31 == total (mod 31) "
        "(Fermat) and the outer modulo gives the same check character"
    ),
    ("services/registry/uscc/authorities.py", 12, "ReplaceTrueWithFalse"): (
        "`slots=True` -> False on RegistrationAuthority: frozen already refuses every attribute "
        "assignment, so only the memory layout changes (`frozen=False`, the same key, is killed "
        "by test_registration_authorities_cannot_be_changed)"
    ),
    ("services/registry/uscc/division.py", 54, "ReplaceComparisonOperator_Eq_LtE"): (
        "`division[:2] == '10'` -> `<= '10'`: the extra prefixes are '0d', whose first digit "
        "already differs from '100000' at offset 0, the 0 the original answers (no province "
        "starts with 0); checked over all 10^6 six-digit divisions"
    ),
    ("services/registry/uscc/division.py", 56, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`a != b` -> `a > b` against '100000' for a '10…' division: the first two digits are "
        "equal and every later b is '0', so a digit differs exactly when it is greater "
        "(checked over all 10^6 six-digit divisions)"
    ),
    ("services/registry/uscc/division.py", 56, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`a != b` -> `is not` on one-character ASCII strings from zip over two strings: CPython "
        "keeps them as shared singletons, so identity and equality agree"
    ),
    ("services/registry/uscc/division.py", 56, "ReplaceTrueWithFalse"): (
        "`zip(..., strict=True)` -> False: the one caller passes code[2:8] of an 18-character "
        "code, always six characters like NATIONAL_DIVISION"
    ),
    ("services/registry/uscc/division.py", 58, "ReplaceComparisonOperator_Eq_Is"): (
        "`prefix[0] == division[0]` -> `is`: one-character ASCII strings from indexing are "
        "CPython's shared singletons, so identity and equality agree"
    ),
    ("services/registry/uscc/organisation_code.py", 15, "ReplaceComparisonOperator_GtE_Gt"): (
        "`BODY_VALUES.keys() >= set(body)` -> `>`: the 36 keys are never equal to the set of "
        "at most 8 characters of a body, so superset and strict superset agree"
    ),
    ("services/registry/uscc/organisation_code.py", 21, "ReplaceComparisonOperator_Eq_GtE"): (
        "`check == 11` -> `check >= 11`: check = 11 - total % 11 lies in 1..11"
    ),
    ("services/registry/uscc/validation.py", 31, "ReplaceComparisonOperator_Eq_Is"): (
        "`len(code) == 18` -> `is`: CPython caches the ints -5..256, so identity and equality "
        "agree for a length compared with 18"
    ),
    ("services/registry/uscc/validation.py", 36, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`len(code) != 18` -> `is not`: CPython caches small ints, so identity and equality "
        "agree for any length below 257, and a longer length differs from 18 either way"
    ),
    ("services/registry/uscc/validation.py", 90, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`code[17] != expected` -> `is not`: both are one-character ASCII strings from indexing "
        "(expected is CHARSET[i]), CPython's shared singletons, so identity and equality agree"
    ),
    ("services/registry/enterprises/rules.py", 148, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in id_number_issue's signature: number becomes positional-only, as every "
        "caller passes it; `on` is still accepted by keyword"
    ),
    ("services/registry/enterprises/rules.py", 163, "NumberReplacer"): (
        "`_region_known(value[:6], …)` -> `value[:7]`: python-stdnum's GB/T 2260 table has no "
        "7-digit entries, so the 7th digit matches no level and the same counties decide "
        "(checked for every 6-digit code and 7th digit, births in 1950, 1990 and 2020)"
    ),
    ("services/registry/sizing/classify.py", 11, "ReplaceTrueWithFalse"): (
        "IndicatorAssessment: `slots=True` -> False on a frozen dataclass: frozen already "
        "refuses every attribute assignment, so only the memory layout changes (`frozen=False`,"
        " the same key, is killed by test_the_standard_and_an_explanation_cannot_be_changed)"
    ),
    ("services/registry/sizing/classify.py", 20, "ReplaceTrueWithFalse"): (
        "SizeExplanation: `slots=True` -> False on a frozen dataclass: frozen already refuses "
        "every attribute assignment, so only the memory layout changes (`frozen=False`, the "
        "same key, is killed by test_the_standard_and_an_explanation_cannot_be_changed)"
    ),
    ("services/registry/sizing/standard.py", 25, "ReplaceTrueWithFalse"): (
        "Bounds: `slots=True` -> False on a frozen dataclass: frozen already refuses every "
        "attribute assignment, so only the memory layout changes (`frozen=False`, the same key,"
        " is killed by test_the_standard_and_an_explanation_cannot_be_changed)"
    ),
    ("services/registry/sizing/standard.py", 39, "ReplaceTrueWithFalse"): (
        "SizeRow: `slots=True` -> False on a frozen dataclass: frozen already refuses every "
        "attribute assignment, so only the memory layout changes (`frozen=False`, the same key,"
        " is killed by test_the_standard_and_an_explanation_cannot_be_changed)"
    ),
    ("services/registry/sizing/classify.py", 32, "ReplaceComparisonOperator_Eq_Is"): (
        "`a.reaches == self.size_class` -> `is`: both are SizeClass members, which are "
        "singletons, so identity and equality agree"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Add"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_BitAnd"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Div"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_FloorDiv"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_LShift"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Mod"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Mul"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Pow"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_RShift"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/sizing/classify.py", 66, "ReplaceBinaryOperator_BitOr_Sub"): (
        "the annotation `dict[Indicator, int | None]` of a local variable: Python never "
        "evaluates a local variable's annotation (PEP 526), so no code runs it"
    ),
    ("services/registry/monitoring/service.py", 479, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in suppressed_units' signature: metrics becomes positional-only, as its one "
        "caller (public_summary) passes it, and minimum is left to its default"
    ),
    ("services/registry/monitoring/service.py", 495, "ReplaceComparisonOperator_Lt_NotEq"): (
        "`0 < n < minimum` -> `0 != n < minimum`: n counts reporting enterprises, never "
        "negative, so 0 != n is 0 < n"
    ),
    ("services/registry/monitoring/service.py", 495, "ReplaceComparisonOperator_Lt_IsNot"): (
        "`0 < n` -> `0 is not n`: n is a non-negative count and CPython caches small ints, so "
        "this is 0 != n, i.e. 0 < n"
    ),
    ("services/registry/monitoring/service.py", 497, "ReplaceComparisonOperator_Lt_NotEq"): (
        "the city's `0 < reporting_enterprises` -> `0 !=`: a count is never negative"
    ),
    ("services/registry/monitoring/service.py", 497, "ReplaceComparisonOperator_Lt_IsNot"): (
        "the city's `0 < reporting_enterprises` -> `0 is not`: a non-negative small int, so "
        "identity and equality agree and 0 != n is 0 < n"
    ),
    ("services/registry/monitoring/service.py", 502, "NumberReplacer"): (
        "`len(hidden) < 2` -> `< 1`: a single hidden district was hidden for having fewer than "
        "`minimum` reporters, so the loop's other condition (sum < minimum) holds for it anyway "
        "(the `< 3` variant is killed)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Sub"): (
        "the annotation of `self._keys` in __init__: Python never evaluates the annotation of "
        "an assignment inside a function body (PEP 526), so no code runs it"
    ),
    ("gateway/auth/authenticator.py", 59, "NumberReplacer"): (
        "the generation's starting value (0 -> 1 or -1): it is only ever compared with a copy "
        "of itself taken before a lookup, so only its changes matter, not where it starts"
    ),
    ("services/registry/monitoring/service.py", 493, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`unit != CITY` -> `unit > CITY`: every district code (reference/districts.py, from "
        "'economic_zone' up) sorts after 'city', so both keep exactly the districts"
    ),
    ("services/credit/consents/service.py", 40, "ReplaceComparisonOperator_Eq_GtE"): (
        "state_of's `status == REVOKED` -> `>=`: a consent's stored status is 'granted' or "
        "'revoked' (models.py; 'expired' is never stored), and only 'revoked' sorts at or after "
        "'revoked'"
    ),
    ("services/credit/consents/service.py", 47, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in to_public's signature: consent becomes positional-only, as every caller "
        "passes it; `at` is still passed by keyword"
    ),
    ("services/credit/consents/service.py", 79, "ReplaceComparisonOperator_Eq_Is"): (
        "_own_enterprise's `client.kind == ClientKind.PORTAL` -> `is`: a Principal's kind is "
        "always a ClientKind member and enum members are singletons (as line 159)"
    ),
    ("services/credit/consents/service.py", 79, "ReplaceComparisonOperator_Eq_GtE"): (
        "_own_enterprise's `kind == PORTAL` -> `>=` (a StrEnum compares as text): `Consenter` "
        "admits only 'enterprise' and 'portal', and 'enterprise' sorts before 'portal', so only "
        "a portal satisfies either (the `>` variant is killed by "
        "test_a_portal_without_a_delegation_cannot_grant)"
    ),
    ("services/credit/consents/service.py", 144, "ReplaceComparisonOperator_Eq_Is"): (
        "_visible's `client.kind == ClientKind.BANK` -> `is`: enum members are singletons (as "
        "line 159)"
    ),
    ("services/credit/consents/service.py", 144, "ReplaceComparisonOperator_Eq_LtE"): (
        "_visible's `kind == BANK` -> `<=`: `ConsentReader` admits only 'bank', 'enterprise' "
        "and 'portal', and both others sort after 'bank'"
    ),
    ("services/credit/consents/service.py", 159, "ReplaceComparisonOperator_Eq_LtE"): (
        "_filtered's `kind == BANK` -> `<=`: the readers are 'bank', 'enterprise' and 'portal', "
        "and both others sort after 'bank'"
    ),
    ("services/credit/consents/service.py", 169, "ReplaceComparisonOperator_Eq_GtE"): (
        "the revoked filter's `status == REVOKED` -> `>=`: a consent's stored status is "
        "'granted' or 'revoked' (models.py; 'expired' is never stored), and only 'revoked' "
        "sorts at or after it"
    ),
    ("services/credit/consents/service.py", 171, "ReplaceComparisonOperator_Eq_LtE"): (
        "the active filter's `status == GRANTED` -> `<=`: a consent's stored status is "
        "'granted' or 'revoked' (models.py; 'expired' is never stored), and only 'granted' "
        "sorts at or before it"
    ),
    ("services/credit/consents/service.py", 173, "ReplaceComparisonOperator_Eq_LtE"): (
        "the expired filter's `status == GRANTED` -> `<=`: a consent's stored status is "
        "'granted' or 'revoked' (models.py; 'expired' is never stored), and only 'granted' "
        "sorts at or before it"
    ),
    ("services/credit/consents/service.py", 202, "ReplaceComparisonOperator_Eq_GtE"): (
        "revoke_consent's `status == REVOKED` -> `>=`: a consent's stored status is 'granted' "
        "or 'revoked' (models.py; 'expired' is never stored), and only 'revoked' sorts at or "
        "after it"
    ),
    ("services/credit/consents/service.py", 168, "ReplaceComparisonOperator_Eq_Is"): (
        "`filters.state == 'revoked'` -> `is`: pydantic-core's Literal validator returns the "
        "schema's own literal object (checked: a built-up 'revoked' comes back as the "
        "constant), and CPython interns identifier-like string constants, so identity and "
        "equality agree for every state the query accepts"
    ),
    ("services/credit/consents/service.py", 170, "ReplaceComparisonOperator_Eq_Is"): (
        "`filters.state == 'active'` -> `is`: pydantic-core's Literal validator returns the "
        "schema's own literal object (checked: a built-up 'revoked' comes back as the "
        "constant), and CPython interns identifier-like string constants, so identity and "
        "equality agree for every state the query accepts"
    ),
    ("services/credit/consents/service.py", 172, "ReplaceComparisonOperator_Eq_Is"): (
        "`filters.state == 'expired'` -> `is`: pydantic-core's Literal validator returns the "
        "schema's own literal object (checked: a built-up 'revoked' comes back as the "
        "constant), and CPython interns identifier-like string constants, so identity and "
        "equality agree for every state the query accepts"
    ),
    ("services/credit/consents/service.py", 236, "NumberReplacer"): (
        "active_consent's `.limit(1)` -> `.limit(2)`: the result is read with "
        "`.scalars().first()`, the first row of the same ordering either way"
    ),
    ("services/funding/ledger/service.py", 117, "NumberReplacer"): (
        "_reserved's `code.split(':', 1)[0]` -> `split(':', 2)[0]`: the first piece of a split is "
        "the text before the first colon whatever the maximum number of splits (>= 1)"
    ),
    ("services/funding/ledger/service.py", 123, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in transfer_by_hand's signature: session becomes positional-only, as its one "
        "caller (the transfers route) passes it; every other argument is passed by keyword"
    ),
    ("services/funding/ledger/service.py", 169, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in get_account's signature: every caller passes session by position and code "
        "by keyword (no call passes session=)"
    ),
    ("services/funding/ledger/service.py", 273, "NumberReplacer"): (
        "the transfer's amount `sum(... if amount > 0)` -> `> -1`: a leg is never 0 (_normalised "
        "refuses it, a reversal negates stored non-zero legs), so `> -1` selects the same legs"
    ),
    ("services/funding/ledger/service.py", 273, "ReplaceComparisonOperator_Gt_GtE"): (
        "the transfer's amount `sum(... if amount > 0)` -> `>= 0`: no leg is 0 (see `> -1`), and "
        "a 0 would add nothing to the sum anyway"
    ),
    ("services/funding/ledger/service.py", 313, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in transfer's signature: every caller (in services/, tests/, bench/) passes "
        "session by position and the rest by keyword"
    ),
    ("services/funding/ledger/service.py", 336, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _transfer's signature: its two callers (transfer, reverse) pass session by "
        "position and the rest by keyword"
    ),
    ("services/funding/disbursements/service.py", 493, "ReplaceComparisonOperator_NotEq_Gt"): (
        "pay's `row.status != APPROVED` -> `>`: a paid row has returned above, and the other "
        "statuses ('proposed', 'cancelled') both sort after 'approved', so `>` holds exactly when "
        "`!=` does"
    ),
    ("services/common/rules/engine.py", 343, "ReplaceFalseWithTrue"): (
        "_Rule.referenced's default: CompiledRuleSet.__init__ sets every rule's `referenced` "
        "right after building it, so the default is never read"
    ),
    ("services/common/rules/engine.py", 329, "ReplaceTrueWithFalse"): (
        "_Rule without __slots__: only the instances' memory layout differs; every attribute "
        "set on a rule is a declared field (mypy checks it) and nothing reads __dict__, "
        "weak-references or pickles a rule"
    ),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Eq: return INT_MIN == value <= INT_MAX",
    ): (
        "_in_range only admits an int to check_inputs' fast path; narrowed to INT_MIN alone, every "
        "other int takes the full check, which conforms an in-range int to itself and refuses an "
        "out-of-range one with the same message (test_rules_engine_caches checks both ends)"
    ),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Eq: return INT_MIN <= value == INT_MAX",
    ): ("as above: only INT_MAX takes the fast path; the full check gives the same for the rest"),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Is: return INT_MIN is value <= INT_MAX",
    ): (
        "as above: at most INT_MIN's own object takes the fast path; the full check gives the same"
    ),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Lt: return INT_MIN < value <= INT_MAX",
    ): ("as above: INT_MIN itself takes the full check, which accepts it unchanged"),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Is: return INT_MIN <= value is INT_MAX",
    ): (
        "as above: at most INT_MAX's own object takes the fast path; the full check gives the same"
    ),
    ("services/common/rules/engine.py", 359, "ReplaceComparisonOperator_Gt_GtE"): (
        "_key_getter for one keyed name: _evaluate calls key_of only when len(keyed) > 1 (one "
        "name is keyed by `(keys[name],)` inline), so a getter built for one name is never called"
    ),
    ("services/common/rules/engine.py", 376, "NumberReplacer"): (
        "MEMO_LIMIT is a tuning constant: results are the same whatever it is (a memo miss "
        "evaluates the rule); the tests check the bound against the constant itself"
    ),
    ("services/common/rules/engine.py", 377, "NumberReplacer"): (
        "MEMO_PROBE is a tuning constant: results are the same whatever it is; the tests check "
        "the judging against the constant itself"
    ),
    ("services/common/rules/engine.py", 378, "NumberReplacer"): (
        "MEMO_MIN_HITS is a tuning constant: results are the same whatever it is; the tests "
        "check the hit-rate boundary against the constant itself"
    ),
    ("services/common/rules/engine.py", 431, "ReplaceComparisonOperator_IsNot_NotEq"): (
        "`type(value) is not exact` -> `!=`: types compare by identity (type defines no __eq__), "
        "so `!=` and `is not` agree"
    ),
    ("services/common/rules/engine.py", 461, "ReplaceComparisonOperator_Lt_LtE"): (
        "`hits < MEMO_MIN_HITS * lookups` -> `<=`: judged when lookups == MEMO_PROBE (512), where "
        "the bound is 102.4; hits is an int, never equal to it, so `<` and `<=` agree"
    ),
    ("services/common/rules/engine.py", 480, "NumberReplacer"): (
        "`keys[keyed[0]]` -> `keys[keyed[-1]]` in the one-name branch (`len(keyed) > 1` is false "
        "and keyed is not empty): with exactly one name, [0] and [-1] are the same"
    ),
    ("services/common/rules/engine.py", 506, "ReplaceComparisonOperator_IsNot_NotEq"): (
        "`keys is not values` -> `keys != values`: when they are one dict both are false; when "
        "keys is a separate dict, values has just been given this rule's name and keys has not, so "
        "they differ and both are true"
    ),
    (
        "services/common/rules/engine.py",
        350,
        "ReplaceComparisonOperator_LtE_Lt: return INT_MIN <= value < INT_MAX",
    ): ("as above: INT_MAX itself takes the full check, which accepts it unchanged"),
    ("services/common/rules/engine.py", 359, "NumberReplacer"): (
        "`len(keyed) > 1` -> `> 0` in _key_getter: as `>= 1` above, a getter built for one name "
        "is never called"
    ),
    ("services/common/rules/engine.py", 431, "ReplaceComparisonOperator_Is_Eq"): (
        "`exact is int` -> `exact == int`: types compare by identity, so `==` and `is` agree"
    ),
    ("services/common/rules/engine.py", 452, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in CompiledRuleSet.evaluate: inputs becomes positional-only and field_prefix "
        "positional-or-keyword; every caller passes inputs by position and field_prefix by "
        "keyword, so no call changes"
    ),
    ("services/common/rules/engine.py", 459, "ReplaceComparisonOperator_GtE_Eq"): (
        "_judge runs only while rule.judging, and the first lookup that reaches MEMO_PROBE sets "
        "judging False: lookups never exceed MEMO_PROBE, so `>=` and `==` agree"
    ),
    ("services/common/rules/engine.py", 564, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in evaluate: rule_set and inputs become positional-only and field_prefix "
        "positional-or-keyword; every caller (rules/service.py, the tests) passes the first two "
        "by position and field_prefix by keyword, so no call changes"
    ),
    (
        "services/common/consumer.py",
        26,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): (
        "FeedEvent without __slots__: it stays frozen, so only its memory layout differs; nothing "
        "reads __dict__ or __slots__"
    ),
    ("services/common/consumer.py", 65, "NumberReplacer"): (
        "ClientCredentials' initial `_renew_at`: auth_flow reads it only once a token is held, "
        "and _store sets it whenever a token is stored"
    ),
    ("services/common/consumer.py", 125, "ReplaceComparisonOperator_Eq_LtE"): (
        "`dialect.name == 'postgresql'` -> `<=`: the platform runs on two backends only "
        "(services/common/db.py builds SQLite or PostgreSQL engines, dialect_insert knows no "
        "other), and 'sqlite' sorts after 'postgresql', so `<=` holds exactly when `==` does"
    ),
    ("services/common/consumer.py", 76, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`status_code != 200` -> `> 200` for the token answer: httpx hands back only final "
        "responses (1xx are consumed by the HTTP layer), so no status below 200 reaches it"
    ),
    ("services/vouchers/redemptions/service.py", 76, "ReplaceComparisonOperator_Eq_GtE"): (
        "to_public's `status == REVERSED` -> `>=`: a redemption's status is only ever 'redeemed' "
        "(the column default at insert) or 'reversed' (reverse's update); 'redeemed' sorts before "
        "'reversed', so only 'reversed' satisfies either"
    ),
    ("services/vouchers/redemptions/service.py", 151, "ReplaceComparisonOperator_Eq_LtE"): (
        "the draw's `vouchers.status = 'active'` -> `<=`: a voucher's status is 'active', "
        "'expired' or 'void' (VoucherStatus; issuance writes 'active', the expiry job 'expired'), "
        "and both others sort after 'active', so only 'active' rows match either"
    ),
    ("services/vouchers/redemptions/service.py", 208, "ReplaceComparisonOperator_NotEq_Lt"): (
        "_draw_balance's `rowcount != 1` -> `< 1`: the UPDATE is by primary key (vouchers.id), so "
        "rowcount is 0 or 1 and both refuse exactly for 0"
    ),
    ("services/vouchers/redemptions/service.py", 208, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_draw_balance's `rowcount != 1` -> `is not 1`: rowcount is an int 0 or 1 (primary-key "
        "UPDATE) and CPython keeps one object per small int, so identity and equality agree"
    ),
    ("services/vouchers/redemptions/service.py", 216, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _draw_contract's signature: session becomes positional-only, and its one "
        "caller (redeem) passes session by position and every other argument by keyword"
    ),
    ("services/vouchers/redemptions/service.py", 266, "ReplaceComparisonOperator_NotEq_Lt"): (
        "_draw_usage's `rowcount != 1` -> `< 1`: the UPDATE is by the usage row's whole primary "
        "key (uscc, programme_id), so rowcount is 0 or 1 and both refuse exactly for 0"
    ),
    ("services/vouchers/redemptions/service.py", 266, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_draw_usage's `rowcount != 1` -> `is not 1`: an int 0 or 1 (primary-key UPDATE); "
        "CPython's small ints are singletons, so identity and equality agree"
    ),
    ("services/vouchers/redemptions/service.py", 278, "ReplaceComparisonOperator_NotEq_Gt"): (
        "redeem's `voucher.status != 'active'` -> `>`: the other statuses ('expired', 'void') "
        "both sort after 'active', so `>` holds exactly when `!=` does"
    ),
    ("services/vouchers/redemptions/service.py", 353, "ReplaceComparisonOperator_Eq_Is"): (
        "_may_see's `principal.kind == ClientKind.ADMIN` -> `is`: a Principal's kind is always a "
        "ClientKind member (identity.py builds it with ClientKind(claims.kind)), and enum members "
        "are singletons"
    ),
    ("services/vouchers/redemptions/service.py", 353, "ReplaceComparisonOperator_Eq_LtE"): (
        "_may_see's `kind == 'admin'` -> `<=` (a StrEnum compares as text): no ClientKind sorts "
        "before 'admin', so only ADMIN satisfies either"
    ),
    ("services/vouchers/redemptions/service.py", 355, "ReplaceComparisonOperator_Eq_Is"): (
        "_may_see's `principal.kind == ClientKind.PROVIDER` -> `is`: kind is always a ClientKind "
        "member, and enum members are singletons"
    ),
    ("services/vouchers/redemptions/service.py", 355, "ReplaceComparisonOperator_Eq_GtE"): (
        "_may_see's `kind == 'provider'` -> `>=`: its callers (get_redemption: Reader; reverse: "
        "Reverser) admit only admin, provider, enterprise and portal, admin has returned above, "
        "and 'enterprise' and 'portal' sort before 'provider' (only 'service', never admitted, "
        "sorts after)"
    ),
    ("services/vouchers/redemptions/service.py", 375, "ReplaceComparisonOperator_Eq_Is"): (
        "list_redemptions' `principal.kind == ClientKind.PROVIDER` -> `is`: kind is always a "
        "ClientKind member, and enum members are singletons"
    ),
    ("services/vouchers/redemptions/service.py", 375, "ReplaceComparisonOperator_Eq_GtE"): (
        "list_redemptions' `kind == 'provider'` -> `>=`: the route (Reader) admits only admin, "
        "provider, enterprise and portal, and of these only 'provider' sorts at or after "
        "'provider' (only 'service', never admitted, sorts after)"
    ),
    ("services/vouchers/redemptions/service.py", 377, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "list_redemptions' `kind != ClientKind.ADMIN` -> `is not`: kind is always a ClientKind "
        "member, and enum members are singletons"
    ),
    ("services/vouchers/redemptions/service.py", 377, "ReplaceComparisonOperator_NotEq_Gt"): (
        "list_redemptions' `kind != 'admin'` -> `>`: no ClientKind sorts before 'admin', so every "
        "other kind (here enterprise and portal; provider is taken above) sorts after it"
    ),
    ("services/vouchers/redemptions/service.py", 405, "ReplaceComparisonOperator_Eq_LtE"): (
        "_give_back's `vouchers.status = 'active'` -> `<=`: the other statuses ('expired', "
        "'void') sort after 'active', so only active vouchers match either"
    ),
    ("services/vouchers/redemptions/service.py", 414, "ReplaceComparisonOperator_Eq_GtE"): (
        "_give_back's `rowcount == 1` -> `>= 1`: the UPDATE is by primary key (vouchers.id), so "
        "rowcount is 0 or 1 and both are true exactly for 1"
    ),
    ("services/vouchers/redemptions/service.py", 414, "ReplaceComparisonOperator_Eq_Is"): (
        "_give_back's `rowcount == 1` -> `is 1`: an int 0 or 1 (primary-key UPDATE); CPython's "
        "small ints are singletons, so identity and equality agree"
    ),
    ("services/vouchers/redemptions/service.py", 447, "ReplaceComparisonOperator_Eq_GtE"): (
        "reverse's `redemption.status == REVERSED` -> `>=`: the status is 'redeemed' or "
        "'reversed' (see line 76), and only 'reversed' sorts at or after 'reversed'"
    ),
    ("services/vouchers/redemptions/service.py", 457, "ReplaceComparisonOperator_Eq_LtE"): (
        "reverse's guarded `status = 'redeemed'` -> `<=`: the status is 'redeemed' or 'reversed' "
        "(see line 76), and 'reversed' sorts after 'redeemed', so only 'redeemed' rows match"
    ),
    ("services/vouchers/redemptions/service.py", 467, "ReplaceComparisonOperator_NotEq_Lt"): (
        "reverse's `rowcount != 1` -> `< 1`: the UPDATE is by primary key (the redemption's id), "
        "so rowcount is 0 or 1 and both refuse exactly for 0"
    ),
    ("services/vouchers/redemptions/service.py", 467, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "reverse's `rowcount != 1` -> `is not 1`: an int 0 or 1 (primary-key UPDATE); CPython's "
        "small ints are singletons, so identity and equality agree"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Add"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_BitAnd"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Div"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_FloorDiv"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_LShift"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Mod"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Mul"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_Pow"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 56, "ReplaceBinaryOperator_BitOr_RShift"): (
        "the annotation of `self._keys` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Add"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_BitAnd"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Div"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_FloorDiv"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_LShift"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Mod"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Mul"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Pow"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_RShift"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 60, "ReplaceBinaryOperator_BitOr_Sub"): (
        "the annotation of `self._clients` in __init__ (`Caller | None`): Python never "
        "evaluates the annotation of an assignment inside a function body (PEP 526)"
    ),
    ("gateway/auth/authenticator.py", 109, "ReplaceComparisonOperator_Eq_Is"): (
        "_by_key's `generation == self._generation` -> `is`: `generation` is the very object "
        "read from self._generation; while nothing bumps it both name that object (is == "
        "True), and once invalidate() bumps it the values differ, so neither is nor == holds"
    ),
    ("gateway/auth/authenticator.py", 109, "ReplaceComparisonOperator_Eq_GtE"): (
        "_by_key's `generation == self._generation` -> `>=`: the generation only ever grows "
        "(invalidate() adds 1), so a snapshot is >= the current value exactly when equal"
    ),
    ("gateway/auth/authenticator.py", 161, "ReplaceComparisonOperator_Eq_Is"): (
        "client's `generation == self._generation` -> `is`: `generation` is the very object "
        "read from self._generation; while nothing bumps it both name that object (is == "
        "True), and once invalidate() bumps it the values differ, so neither is nor == holds"
    ),
    ("gateway/auth/authenticator.py", 161, "ReplaceComparisonOperator_Eq_GtE"): (
        "client's `generation == self._generation` -> `>=`: the generation only ever grows "
        "(invalidate() adds 1), so a snapshot is >= the current value exactly when equal"
    ),
    ("gateway/auth/authenticator.py", 207, "NumberReplacer: self._generation += 2"): (
        "invalidate()'s `+= 1` -> `+= 2`: the generation is only compared for equality with "
        "a snapshot taken before a lookup (it only has to change; ints do not wrap), the "
        "`+= 0` variant is killed by test_lookup_racing_an_invalidation_is_not_cached"
    ),
    ("gateway/auth/authenticator.py", 194, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _remember's signature: cache, key and value become positional-only, as "
        "its four callers pass them; `limit` stays a keyword (only the unknown-key call passes it)"
    ),
    ("gateway/auth/authenticator.py", 51, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in __init__'s signature: only self becomes positional-only; its one caller "
        "(gateway/runtime.py) passes settings, database and keyring by keyword"
    ),
    ("gateway/auth/authenticator.py", 196, "ReplaceComparisonOperator_GtE_Eq"): (
        "_remember's `len(cache) >= limit` -> `==`: a cache grows only through _remember, one "
        "key at a time, and is cut back the moment it reaches its limit (a module constant), so "
        "its size never passes the limit and at >= it is == (`>` and `is` are killed by "
        "test_a_full_cache_evicts_its_oldest_tenth)"
    ),
    ("services/funding/riskpool/service.py", 124, "ReplaceComparisonOperator_Eq_LtE"): (
        "deposit's `data.kind == STOCK` -> `<=`: kind is Literal['stock', 'yearly'] (schema), "
        "and of the two only 'stock' sorts at or before 'stock'"
    ),
    ("services/funding/riskpool/service.py", 106, "ReplaceComparisonOperator_NotEq_Gt"): (
        "deposit_source's `kind != STOCK` -> `>`: kind is 'stock' or 'yearly' (the schema's "
        "Literal), and 'yearly' > 'stock' while 'stock' > 'stock' is false, as with `!=`"
    ),
    ("services/funding/riskpool/service.py", 308, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_require_active's `loan.status != ACTIVE` -> `>`: a loan is 'active', 'defaulted' or "
        "'repaid', and both others sort after 'active', so `>` holds exactly when `!=` does"
    ),
    ("services/funding/riskpool/service.py", 326, "ReplaceComparisonOperator_Eq_LtE"): (
        "repay's `loan.outstanding_fen == 0` -> `<= 0`: the amount (> 0) was checked to be at "
        "most the outstanding just above, so the outstanding after it is never negative"
    ),
    (
        "services/funding/riskpool/service.py",
        585,
        "NumberReplacer: bank_name=versions[- 0].bank_name if versions else code,",
    ): (
        "summary's bank_name from versions[-1] -> versions[0]: add_version refuses a version "
        "naming the bank otherwise (bank_agreement_name_changed), so every version has one name"
    ),
    ("services/funding/riskpool/service.py", 283, "ReplaceComparisonOperator_Eq_Is"): (
        "_visible's `principal.kind == ClientKind.BANK` -> `is`: a Principal's kind is always a "
        "ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/riskpool/service.py", 575, "ReplaceComparisonOperator_Eq_Is"): (
        "summary's `principal.kind == ClientKind.BANK` -> `is`: a Principal's kind is always a "
        "ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/bridge/service.py", 196, "ReplaceComparisonOperator_Eq_Is"): (
        "_applicant's `principal.kind == ClientKind.PORTAL` -> `is`: a Principal's kind is always "
        "a ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/bridge/service.py", 338, "ReplaceComparisonOperator_Eq_Is"): (
        "_visible's `principal.kind == ClientKind.BANK` -> `is`: a Principal's kind is always a "
        "ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    (
        "services/funding/bridge/service.py",
        422,
        "ReplaceComparisonOperator_NotEq_IsNot: if row is None or principal.kind is not "
        "ClientKind.BANK or row.bank_code != principal.org:",
    ): (
        "confirm_renewal's `principal.kind != ClientKind.BANK` -> `is not`: a Principal's kind is "
        "always a ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/bridge/service.py", 161, "ReplaceComparisonOperator_NotEq_Lt"): (
        "fund's `status != REPAID` -> `<`: a bridge loan is 'lent', 'renewed' or 'repaid', and "
        "both others sort before 'repaid', so `<` holds exactly when `!=` does"
    ),
    ("services/funding/bridge/service.py", 370, "ReplaceComparisonOperator_NotEq_Lt"): (
        "list_loans' overdue filter's `status != REPAID` -> `<`: a bridge loan is 'lent', "
        "'renewed' or 'repaid', and "
        "both others sort before 'repaid', so `<` holds exactly when `!=` does"
    ),
    ("services/funding/bridge/service.py", 384, "ReplaceComparisonOperator_NotEq_Lt"): (
        "to_public's `status != REPAID` -> `<`: a bridge loan is 'lent', 'renewed' or 'repaid', "
        "and "
        "both others sort before 'repaid', so `<` holds exactly when `!=` does"
    ),
    ("services/funding/bridge/service.py", 522, "ReplaceComparisonOperator_NotEq_Lt"): (
        "flag_overdue's `status != REPAID` -> `<`: a bridge loan is 'lent', 'renewed' or 'repaid',"
        " and "
        "both others sort before 'repaid', so `<` holds exactly when `!=` does"
    ),
    ("services/funding/bridge/service.py", 424, "ReplaceComparisonOperator_NotEq_Gt"): (
        "confirm_renewal's `row.status != LENT` -> `>`: a bridge loan is 'lent', 'renewed' or "
        "'repaid', and both others sort after 'lent', so `>` holds exactly when `!=` does"
    ),
    ("services/vouchers/settlements/service.py", 62, "NumberReplacer"): (
        "previous_month's `timedelta(days=1)` -> `days=2`: the first of today's month less one or "
        "two days is the last or second-to-last day of the month before (every month has at "
        "least 28 days), the same year and month either way"
    ),
    ("services/vouchers/settlements/service.py", 100, "ReplaceComparisonOperator_Eq_LtE"): (
        "the payable providers' `status == REDEEMED` -> `<=`: a redemption's status is only ever "
        "'redeemed' (its insert) or 'reversed' (the reversal), and 'reversed' sorts after "
        "'redeemed', so `<=` selects the same rows"
    ),
    ("services/vouchers/settlements/service.py", 139, "NumberReplacer: redeemed_fen= 1,"): (
        "the new settlement's placeholder `redeemed_fen=0` -> 1: _settle_provider assigns the "
        "sum of its claims before its second flush, in the same transaction, and nothing reads "
        "the row in between (no check constraint on it either, or -1 would fail)"
    ),
    ("services/vouchers/settlements/service.py", 139, "NumberReplacer: redeemed_fen= -1,"): (
        "the placeholder `redeemed_fen=0` -> -1: overwritten by the claims' sum before anything "
        "reads the row, in the same transaction (see the `1` mutant)"
    ),
    ("services/vouchers/settlements/service.py", 141, "NumberReplacer"): (
        "the placeholder `amount_fen=0` -> 1: _settle_provider assigns redeemed - clawback "
        "before its second flush, in the same transaction, and nothing reads the row in between"
    ),
    ("services/vouchers/settlements/service.py", 158, "ReplaceComparisonOperator_Eq_LtE"): (
        "the clawback claim's `provider_id == provider_id` -> `<=`: providers are settled in "
        "sorted() order, and every provider with a clawable row is in that list (the select "
        "before it has the claim's own conditions, in the same transaction, rows locked), so "
        "when a provider's claim runs, every provider sorting before it has claimed its rows "
        "already and `<=` finds only its own; this holds where the database orders text by code "
        "point as Python does (SQLite's BINARY; the project's PostgreSQL databases are C.UTF-8)"
    ),
    ("services/vouchers/settlements/service.py", 309, "ReplaceComparisonOperator_Eq_GtE"): (
        "the paid marking's `status == REQUESTED` -> `>=`: a settlement's status is 'requested' "
        "or 'paid', and 'paid' sorts before 'requested', so `>=` matches the same rows"
    ),
    ("services/vouchers/settlements/service.py", 321, "ReplaceTrueWithFalse"): (
        "on_disbursement_paid's `populate_existing=True` -> False: nothing loads a Settlement "
        "into the consumer's session before this line (the handler's UPDATE does not, "
        "synchronize_session=False), and a settlement loaded by an earlier event of the batch "
        "was marked paid then, so its later events match no row and return before this get"
    ),
    ("services/vouchers/settlements/service.py", 106, "ReplaceComparisonOperator_Eq_LtE"): (
        "the clawable providers' `status == REVERSED` -> `<=` adds rows 'redeemed' (the only "
        "other status), whose reversed_at is NULL (only the reversal sets it, with 'reversed'), "
        "so the select's `reversed_at < end` (NULL) drops them again"
    ),
    ("services/vouchers/settlements/service.py", 140, "NumberReplacer"): (
        "the placeholder `clawback_fen=0` -> -1: _settle_provider assigns the clawbacks' sum "
        "before its second flush, in the same transaction, and nothing reads the row in between"
    ),
    ("services/vouchers/settlements/service.py", 270, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "get_settlement's `principal.kind != ClientKind.ADMIN` -> `is not`: a Principal's kind is "
        "always a ClientKind member (identity.py builds it with ClientKind(claims.kind)), and "
        "enum members are singletons"
    ),
    ("services/vouchers/settlements/service.py", 286, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "list_settlements' `principal.kind != ClientKind.ADMIN` -> `is not`: a Principal's kind "
        "is always a ClientKind member, and enum members are singletons"
    ),
    ("services/vouchers/settlements/service.py", 149, "ReplaceComparisonOperator_Eq_LtE"): (
        "the payable claim's `provider_id == provider_id` -> `<=`: providers are settled in "
        "sorted() order and each with a payable row is in that list (the select before it has "
        "the claim's conditions, same transaction, rows locked), so every provider sorting "
        "before this one has claimed its rows already; as for line 158, where the database "
        "orders text by code point as Python does (SQLite BINARY; the project's PostgreSQL is "
        "C.UTF-8)"
    ),
    ("services/vouchers/settlements/service.py", 216, "ReplaceComparisonOperator_Eq_Is"): (
        "run_previous_month's pre-check `month == month` -> `is` (always False in Python, so the "
        "check never finds a run): run_month then claims the month ON CONFLICT DO NOTHING, gets "
        "no row, raises SettlementRunExists before writing anything, and the savepoint is "
        "rolled back and 0 returned, as the pre-check returns 0"
    ),
    ("services/vouchers/settlements/service.py", 159, "ReplaceComparisonOperator_Eq_LtE"): (
        "the clawback claim's `status == REVERSED` -> `<=` adds rows 'redeemed' (the only other "
        "status), whose reversed_at is NULL (only the reversal sets it, with 'reversed'), so "
        "the claim's `reversed_at < end` (NULL) drops them again"
    ),
    ("services/vouchers/applications/service.py", 90, "ReplaceComparisonOperator_Eq_GtE"): (
        "_barred's `enterprise.status == DEREGISTERED` -> `>=`: the replica's status is 'active' "
        "or 'deregistered' (the registry's Status literal, the feed's default 'active', "
        "apply_deregistered), and 'active' sorts before 'deregistered'"
    ),
    ("services/vouchers/applications/service.py", 171, "ReplaceComparisonOperator_NotEq_Lt"): (
        "apply_for_voucher's `programme.status != OPEN` -> `<`: a programme is 'draft', 'open' "
        "or 'closed', and both others sort before 'open'"
    ),
    ("services/vouchers/settlements/service.py", 142, "NumberReplacer"): (
        "the new settlement's placeholder `lines=0` -> 1 or -1: _settle_provider assigns "
        "len(lines) before its second flush, in the same transaction, and nothing reads the row "
        "in between"
    ),
    ("services/vouchers/settlements/service.py", 150, "ReplaceComparisonOperator_Eq_LtE"): (
        "the payable claim's `status == REDEEMED` -> `<=`: a redemption is 'redeemed' or "
        "'reversed', and 'reversed' sorts after 'redeemed' (as line 100)"
    ),
    ("services/vouchers/settlements/service.py", 106, "ReplaceComparisonOperator_Eq_GtE"): (
        "the clawable providers' `status == REVERSED` -> `>=`: a redemption is 'redeemed' or "
        "'reversed', and nothing sorts after 'reversed'"
    ),
    ("services/vouchers/settlements/service.py", 125, "ReplaceTrueWithFalse"): (
        "run_month's `get_one(SettlementRun, populate_existing=True)` -> False: the run row was "
        "inserted and updated by Core statements (and the job's pre-check selects only its id), "
        "so no SettlementRun is in the session's identity map before this get: it loads anyway"
    ),
    ("services/vouchers/settlements/service.py", 212, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in run_previous_month's signature: its callers (PeriodicJob's step(session), "
        "tests) pass session by position and now by keyword"
    ),
    ("services/vouchers/settlements/service.py", 286, "ReplaceComparisonOperator_NotEq_Gt"): (
        "list_settlements' `principal.kind != ClientKind.ADMIN` -> `>` (a StrEnum compares as "
        "text): 'admin' sorts before every other ClientKind, so `>` holds exactly when `!=` does"
    ),
    ("services/funding/disbursements/service.py", 428, "ReplaceComparisonOperator_NotEq_Lt"): (
        "approve's `row.status != PROPOSED` -> `<`: the table's known_status CHECK allows only "
        "'proposed', 'approved', 'paid', 'cancelled', and 'proposed' sorts after the other three, "
        "so `<` holds exactly when `!=` does"
    ),
    ("services/funding/disbursements/service.py", 117, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in propose's signature: session becomes positional-only, as every caller "
        "(settlements, fees, interest, guarantees, riskpool, propose_many, tests) passes it; "
        "every other argument is passed by keyword"
    ),
    ("services/funding/disbursements/service.py", 228, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in propose_many's signature: session becomes positional-only, as its callers "
        "(the reward run, tests) pass it; proposals, memo, reference, principal_id by keyword"
    ),
    ("services/funding/disbursements/service.py", 285, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _commit_batch's signature: session and fresh become positional-only, as "
        "its one caller (propose_many) passes them; memo, reference, by by keyword"
    ),
    ("services/funding/disbursements/settlements.py", 64, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in apply_settlement_requested's signature: session and payload become "
        "positional-only, as its one caller (the feed handler) passes them; settings by keyword"
    ),
    ("services/funding/disbursements/settlements.py", 91, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _propose's signature: session and request become positional-only, as its "
        "two callers (apply_settlement_requested, retry_settlement) pass them; the rest by keyword"
    ),
    ("services/funding/disbursements/service.py", 95, "NumberReplacer"): (
        "_ledger_key's `hexdigest()[:48]` -> `[:47]`/`[:49]`: the key is kept only for the "
        "ledger's idempotency lookup (no API answer, statement or event shows it; a dsb key "
        "never conflicts, as the disbursement's key and state checks come first), and any fixed "
        "prefix of the digest is still the same for the same parts and different for others"
    ),
    ("services/funding/disbursements/settlements.py", 148, "ReplaceComparisonOperator_NotEq_Gt"): (
        "retry_settlement's `outcome != NOT_FUNDED` -> `>`: an outcome is only ever written as "
        "one of 'not_funded', 'nothing_to_pay', 'proposed' (settlements.py), and 'not_funded' "
        "sorts first, so `>` holds exactly when `!=` does"
    ),
    ("services/funding/disbursements/settlements.py", 153, "ReplaceComparisonOperator_NotEq_Lt"): (
        "retry_settlement's `outcome != SETTLEMENT_PROPOSED` -> `<`: _propose has just set the "
        "outcome to 'not_funded' or 'proposed', and 'not_funded' sorts before 'proposed'"
    ),
    (
        "services/funding/disbursements/settlements.py",
        153,
        "ReplaceComparisonOperator_NotEq_IsNot",
    ): (
        "retry_settlement's `outcome != SETTLEMENT_PROPOSED` -> `is not`: _propose has just "
        "assigned the outcome one of the module's constants NOT_FUNDED or SETTLEMENT_PROPOSED "
        "(the object itself, not reloaded), so identity and equality agree"
    ),
    (
        "services/funding/disbursements/service.py",
        376,
        "ReplaceTrueWithFalse: row = session.get(Disbursement, disbursement_id, "
        "with_for_update=True, populate_existing=False)",
    ): (
        "_locked's `populate_existing=True` -> `False`: session.get with with_for_update always "
        "issues its SELECT, and populate_existing only refreshes an object already in the "
        "session; _locked's callers (approve, pay, cancel) are called only by their routes, "
        "first thing in a fresh request session where no Disbursement is loaded yet"
    ),
    (
        "services/funding/disbursements/settlements.py",
        144,
        "ReplaceTrueWithFalse: SettlementRequest, settlement_id, with_for_update=True, "
        "populate_existing=False",
    ): (
        "retry_settlement's `populate_existing=True` -> `False`: session.get with "
        "with_for_update always issues its SELECT, and populate_existing only refreshes an "
        "object already in the session; its one caller (the route) calls it first thing in a "
        "fresh request session where no SettlementRequest is loaded yet"
    ),
    ("services/common/consumer.py", 125, "ReplaceComparisonOperator_Eq_Is"): (
        "`dialect.name == 'postgresql'` -> `is`: SQLAlchemy's dialect sets `name` from the same "
        "identifier-like literal, which CPython interns, so on PostgreSQL both are the one object "
        "and on SQLite both are false"
    ),
    ("services/credit/reports/service.py", 126, "ReplaceComparisonOperator_NotEq_Lt"): (
        "_RECORDS_ON's `status != 'withdrawn'` -> `<`: a record's status is 'active', 'repaired' "
        "or 'withdrawn' (records/models.py), and the other two both sort before 'withdrawn', so "
        "`<` selects the same rows"
    ),
    ("services/credit/reports/service.py", 126, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_RECORDS_ON's `status != WITHDRAWN` -> `is not`: Python's `is not` makes the clause True "
        "(no filter); a withdrawn row then read neither counts (counts_on) nor lists (listed_on), "
        "both refusing 'withdrawn' first, and no statement is attached to an uncounted record"
    ),
    ("services/credit/reports/service.py", 127, "ReplaceComparisonOperator_LtE_IsNot"): (
        "_RECORDS_ON's `occurred_on <= day` -> `is not`: the clause becomes True (no filter); a "
        "record occurring after the day then read neither counts nor lists (counts_on and "
        "listed_on both answer False/None when day < occurred_on), nor gets statements"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_LShift"): (
        "the annotation of the local `lists`: a local variable's annotation is never evaluated "
        "(PEP 526), so `set[PublicList << None]` runs as the original"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_BitAnd"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Mul"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Div"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Add"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 176, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _why's signature: session becomes positional-only, as its one caller "
        "(read_report) passes it; every other argument is passed by keyword"
    ),
    ("services/credit/reports/service.py", 245, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _granted's signature: session becomes positional-only, as its one caller "
        "(read_report) passes it; every other argument is passed by keyword"
    ),
    ("services/credit/reports/service.py", 57, "NumberReplacer: .limit( 2)"): (
        "_RATING_AT's `.limit(1)` -> `.limit(2)`: rating_of reads the result with `.first()`, the "
        "first row of the same ordering either way"
    ),
    ("services/credit/reports/service.py", 126, "ReplaceComparisonOperator_NotEq_LtE"): (
        "_RECORDS_ON's `status != 'withdrawn'` -> `<=`: every status ('active', 'repaired', "
        "'withdrawn') passes, so the clause filters nothing; a withdrawn row then read neither "
        "counts nor lists (counts_on and listed_on refuse 'withdrawn' first) nor gets statements"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Sub"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_FloorDiv"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Mod"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_Pow"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 139, "ReplaceBinaryOperator_BitOr_RShift"): (
        "a local variable's annotation (`lists`), never evaluated (PEP 526)"
    ),
    ("services/credit/reports/service.py", 141, "ReplaceFalseWithTrue"): (
        "_records_and_lists' `counted = False` -> True: the initial value is never read; the first "
        "row's id (a primary key, never None) differs from `last` (None), so `counted` is set "
        "from counts_on before the statement check reads it, and with no rows nothing reads it"
    ),
    ("services/credit/reports/service.py", 191, "ReplaceComparisonOperator_Eq_GtE"): (
        "_why's `state_of(...) == 'revoked'` -> `>=`: state_of answers 'active', 'expired' or "
        "'revoked', and only 'revoked' sorts at or after 'revoked'"
    ),
    ("services/credit/reports/service.py", 191, "ReplaceComparisonOperator_Eq_Is"): (
        "_why's `state_of(...) == 'revoked'` -> `is`: state_of returns its own literal "
        "'revoked', and CPython interns identifier-like string constants (compiled or read "
        "from .pyc), so it is the very object this module's 'revoked' is (as consents l.168)"
    ),
    ("services/common/consumer.py", 53, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in ClientCredentials.__init__: self becomes positional-only and the rest "
        "positional-or-keyword; every caller (service_auth, the tests) passes them by keyword"
    ),
    ("services/common/consumer.py", 125, "ReplaceComparisonOperator_Eq_GtE"): (
        "`dialect.name == 'postgresql'` -> `>=`: true on SQLite too ('sqlite' sorts after), which "
        "only adds FOR UPDATE SKIP LOCKED to the read, and SQLAlchemy's SQLite compiler renders "
        "no FOR UPDATE clause: the same SQL runs"
    ),
    ("services/vouchers/settlements/service.py", 106, "ReplaceComparisonOperator_Eq_IsNot"): (
        "the clawable read's `status == REVERSED` -> Python `is not` (a constant true filter): it "
        "adds 'redeemed' rows, whose reversed_at is NULL (only a reversal sets it), so the read's "
        "`reversed_at < end` drops them again"
    ),
    ("services/vouchers/settlements/service.py", 130, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _settle_provider: session becomes positional-only and the rest "
        "positional-or-keyword; its one caller (run_settlement) passes session by position and "
        "every other argument by keyword"
    ),
    ("services/vouchers/settlements/service.py", 159, "ReplaceComparisonOperator_Eq_GtE"): (
        "the clawback claim's `status == REVERSED` -> `>=`: a redemption is 'redeemed' or "
        "'reversed', and 'reversed' sorts last, so only it satisfies either"
    ),
    ("services/vouchers/settlements/service.py", 159, "ReplaceComparisonOperator_Eq_IsNot"): (
        "the clawback claim's `status == REVERSED` -> Python `is not` (a constant true filter): "
        "as at line 106, the 'redeemed' rows it adds have a NULL reversed_at, which the claim's "
        "`reversed_at < end` drops"
    ),
    ("services/common/consumer.py", 292, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in feed_consumer: settings becomes positional-only and the rest "
        "positional-or-keyword; every caller (the four services' apps and jobs, the tests) "
        "passes settings by position and the rest by keyword"
    ),
    ("services/vouchers/settlements/service.py", 270, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`principal.kind != ClientKind.ADMIN` -> `>`: every other ClientKind sorts after 'admin', "
        "so `>` holds exactly when `!=` does"
    ),
    ("services/vouchers/settlements/service.py", 319, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`rowcount != 1` -> `< 1` after an UPDATE by primary key: it changes 0 or 1 rows, so the "
        "two agree"
    ),
    (
        "services/common/consumer.py",
        85,
        "NumberReplacer: self._renew_at = time.monotonic() + max( -1.0, "
        'body["expires_in"] - self.margin_seconds)',
    ): (
        "a token valid for less than the margin: renew_at is `now` or up to 1 s before it; the "
        "next call reads a monotonic clock not earlier than `now`, so `>= renew_at` holds in both "
        "and the token is renewed alike"
    ),
    ("services/common/consumer.py", 150, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in FeedConsumer.__init__: self becomes positional-only and the rest "
        "positional-or-keyword; every caller passes them by keyword"
    ),
    ("services/funding/bridge/service.py", 99, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in capital_source's signature: session becomes positional-only and year a "
        "positional-or-keyword parameter; its one caller (load_capital) passes session by "
        "position and year by keyword, which both signatures take"
    ),
    ("services/funding/bridge/service.py", 370, "ReplaceBinaryOperator_BitAnd_Mul"): (
        "the overdue filter's `&` -> `*` on two booleans that are never NULL (overdue_since IS "
        "NOT NULL, status != 'repaid' on a NOT NULL column): SQLite, the target's database, "
        "multiplies 0/1 into the same truth. On PostgreSQL boolean * boolean is an error: "
        "test_the_overdue_job_flags_only_open_loans_due_before_today_and_the_list_filters_them "
        "fails there with a 500 (proven by hand)"
    ),
    ("services/funding/bridge/service.py", 414, "ReplaceTrueWithFalse"): (
        "_locked's `with_for_update=True` -> `False`: SQLAlchemy's SQLite compiler renders no "
        "FOR UPDATE, so the target's database runs the same SQL. On PostgreSQL "
        "test_bridge_concurrency.py::test_a_second_repayment_waits_for_the_first_and_is_refused "
        "fails without the lock: the second repayment is taken (200), not refused (proven by hand)"
    ),
    ("services/funding/bridge/service.py", 302, "ExceptionReplacer"): (
        "the losing application's IntegrityError on the one-bridge-per-loan key: on SQLite, the "
        "target's database, BEGIN IMMEDIATE queues the racer, which then finds the loan bridged "
        "before it inserts, so the except never runs. On PostgreSQL "
        "test_parallel_applications_on_one_loan_bridge_it_once fails with it replaced: the "
        "losers answer 500, not 409 (proven by hand, three runs of three)"
    ),
    ("services/funding/bridge/service.py", 422, "ReplaceComparisonOperator_NotEq_Gt"): (
        "confirm_renewal's `principal.kind != BANK` -> `>`: its one caller, the renewal route, "
        "admits only banks (BridgeBank), so the kind is BANK and both comparisons are False"
    ),
    ("services/funding/bridge/service.py", 209, "ReplaceComparisonOperator_NotEq_Gt"): (
        "a registered loan's status is one of active, defaulted, repaid (riskpool STATUSES); "
        "`!= 'active'` and `> 'active'` are both True for the other two and False for active"
    ),
    ("services/funding/bridge/service.py", 516, "NumberReplacer"): (
        "flag_overdue's default batch of 100 -> 101: its caller, the PeriodicJob, runs the step "
        "again at once while it finds work, so every due loan is flagged, once, either way"
    ),
    ("services/funding/bridge/service.py", 196, "ReplaceComparisonOperator_Eq_GtE"): (
        "_applicant's `kind == PORTAL` -> `>=`: the line above has already refused every kind "
        "but enterprise and portal (APPLICANTS), and of those two only 'portal' is >= 'portal'"
    ),
    ("services/funding/bridge/service.py", 422, "ReplaceComparisonOperator_NotEq_Lt"): (
        "confirm_renewal's `principal.kind != BANK` -> `<`: its one caller, the renewal route, "
        "admits only banks (BridgeBank), so the kind is BANK and both comparisons are False"
    ),
    (
        "gateway/ratelimit/limiter.py",
        34,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): (
        "Decision without __slots__: it stays frozen (assignment still raises), so only the "
        "instance's memory layout differs; nothing reads __dict__ or __slots__"
    ),
    ("gateway/ratelimit/limiter.py", 114, "NumberReplacer"): (
        "a fixed window's counter expiry `window + 1` -> `window + 0`: the key names its window "
        "(index = now // window) and is first counted at or after the window's start, so it "
        "lives at least to the window's end either way; after that no request uses the key. The "
        "extra second only absorbs clock skew between replicas sharing Redis"
    ),
    ("gateway/ratelimit/limiter.py", 157, "NumberReplacer"): (
        "_digest's `[:32]` -> `[:31]`: the digest only names a credential's counter and block "
        "entry inside this code, always cut the same way; 124 bits instead of 128 of SHA-256 "
        "make no collision a test (or an attacker) can find"
    ),
    ("gateway/ratelimit/limiter.py", 187, "ReplaceComparisonOperator_GtE_Eq"): (
        "failed's `len(blocked) >= _MAX_BLOCKED` -> `==`: entries are added only below the "
        "bound (line 191), one at a time, so the size never passes it and at >= it is =="
    ),
    ("services/funding/bridge/service.py", 162, "ReplaceBinaryOperator_BitAnd_Mul"): (
        "fund()'s overdue `open_ & flagged` -> `*` on two booleans that are never NULL: SQLite, "
        "the target's database, multiplies 0/1 into the same truth. On PostgreSQL boolean * "
        "boolean is an error: "
        "test_the_overdue_job_flags_only_open_loans_due_before_today_and_the_list_filters_them "
        "fails there with a 500 from /v1/bridge-fund (proven by hand)"
    ),
    ("gateway/ratelimit/limiter.py", 71, "NumberReplacer"): (
        "`_retry_at = 0.0` -> `-1.0`: storage_up compares time.monotonic() with it, and the "
        "monotonic clock (CLOCK_MONOTONIC, from boot) never reads below 0, so >= holds for both"
    ),
    ("services/funding/ledger/service.py", 151, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in reverse_by_hand's signature: session becomes positional-only and the "
        "rest positional-or-keyword; its one caller (the reversal route) passes session by "
        "position and the rest by keyword"
    ),
    ("services/funding/ledger/service.py", 247, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _record's signature: its one caller (transfer) passes session by "
        "position and every other argument by keyword, which both signatures take"
    ),
    ("services/funding/ledger/service.py", 440, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in statement_of's signature: its one caller (the statement route) passes "
        "session by position and code, limit and cursor by keyword"
    ),
    ("services/funding/ledger/service.py", 177, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in balance_of's signature: every caller (riskpool, allocations, budgets, "
        "bridge) passes session by position and code by keyword"
    ),
    ("gateway/ratelimit/limiter.py", 99, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in hit's signature: self becomes positional-only and the rest "
        "positional-or-keyword; every caller passes identity, klass and override by keyword"
    ),
    ("gateway/ratelimit/limiter.py", 109, "ReplaceUnaryOperator_USub_Invert"): (
        "a refused moving-window hit's `remaining = -1` -> `~1` (-2): remaining is read only as "
        "`remaining >= 0` (False for both) and `max(remaining, 0)` (0 for both)"
    ),
    ("gateway/ratelimit/limiter.py", 111, "ReplaceBinaryOperator_FloorDiv_Div"): (
        "`int(now // window)` -> `int(now / window)`: now is a positive wall time and window a "
        "positive int, so truncating the true quotient is flooring it; where now is a whole "
        "multiple of window, IEEE division is exact and both give that multiple"
    ),
    ("gateway/ratelimit/limiter.py", 114, "ReplaceBinaryOperator_Add_BitOr"): (
        "a fixed window's counter expiry `window + 1` -> `window | 1`: window + 1 for an even "
        "window, window + 0 for an odd one, which is equivalent for the reason given for the "
        "NumberReplacer mutant of this line"
    ),
    ("services/funding/ledger/service.py", 390, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in reverse's signature: every caller (reverse_by_hand and the ledger "
        "tests) passes session by position and the rest by keyword"
    ),
    ("services/funding/bridge/service.py", 113, "ReplaceComparisonOperator_Eq_Is"): (
        "load_capital's `source == CITY` -> `is`: capital_source returns either the module "
        "constant CITY itself or a new f-string that never equals it, so identity and equality "
        "agree"
    ),
    ("services/funding/bridge/service.py", 113, "ReplaceComparisonOperator_Eq_GtE"): (
        "load_capital's `source == CITY` -> `>=`: source is 'source:city' or a 'line:…' "
        "account, and 'line:…' sorts before 'source:city', so >= holds exactly when =="
    ),
    ("services/funding/bridge/service.py", 162, "ReplaceBinaryOperator_BitAnd_Div"): (
        "fund()'s overdue `open_ & flagged` -> `/`: SQLite, the target's database, divides 0/1 "
        "values, and a division by 0 is NULL, which the CASE reads as false, so the truth is the "
        "same. On PostgreSQL boolean / boolean is an error: "
        "test_the_overdue_job_flags_only_open_loans_due_before_today_and_the_list_filters_them "
        "and test_an_empty_fund_reads_all_zero fail there with a 500 (proven by hand)"
    ),
    ("services/funding/bridge/service.py", 169, "ReplaceComparisonOperator_Eq_GtE"): (
        "fund()'s repaid count `status == 'repaid'` -> `>=`: a bridge loan's status is lent, "
        "renewed or repaid (STATUSES), and of those only 'repaid' is >= 'repaid'"
    ),
    ("services/funding/bridge/service.py", 473, "ReplaceComparisonOperator_Gt_NotEq"): (
        "repay's `row.fee_fen > 0` -> `!= 0`: a fee is never negative (apply refuses a rule "
        "set computing one, _int), so the two agree on every stored loan"
    ),
    ("services/funding/bridge/service.py", 458, "ReplaceComparisonOperator_Eq_GtE"): (
        "repay's `row.status == 'repaid'` -> `>=`: a bridge loan's status is lent, renewed or "
        "repaid (STATUSES), and of those only 'repaid' is >= 'repaid'"
    ),
    ("services/funding/bridge/service.py", 516, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in flag_overdue's signature: session becomes positional-only, on and limit "
        "positional-or-keyword; every caller (the job's step, the tests) passes session by "
        "position and `limit` by keyword, which both signatures take"
    ),
    ("services/vouchers/vouchers/codes.py", 26, "ReplaceBinaryOperator_Mod_Add"): (
        "`number % 37` -> `number + 37` under encode(checksum=True): the check symbol is the "
        "number mod 37 either way, so the last symbol (the only one kept) is the same"
    ),
    ("services/vouchers/vouchers/service.py", 37, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in parse_code's signature: code becomes positional-only, as both callers "
        "pass it (vouchers' list filter and redemptions), and `field` stays a keyword"
    ),
    ("services/vouchers/vouchers/service.py", 92, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`taken.rowcount != 1` -> `< 1`: the update names one (uscc, programme_id), the table's "
        "primary key, so it never touches more than one row"
    ),
    ("services/funding/public/chain.py", 106, "ReplaceUnaryOperator_Delete_USub"): (
        "`-len(text) % 4` -> `len(text) % 4` padding: the two agree for lengths 0 and 2 mod 4; "
        "for 3 mod 4 the mutant adds 3 '=' where 1 is due, which Python's non-strict b64decode "
        "accepts (it ignores excess padding); 1 mod 4 is invalid whatever the padding"
    ),
    ("services/vouchers/vouchers/service.py", 55, "ReplaceComparisonOperator_Eq_GtE"): (
        "`status == OPEN` -> `status >= OPEN` in the budget's conditional update: a programme "
        "is 'draft', 'open' or 'closed' (ProgrammeStatus; only the programmes service writes "
        "it), and only 'open' sorts at or after 'open'"
    ),
    ("services/vouchers/vouchers/service.py", 60, "ReplaceComparisonOperator_Eq_GtE"): (
        "`committed.rowcount == 1` -> `>= 1`: the update names one programme by its primary "
        "key, so it changes one row or none"
    ),
    ("services/vouchers/vouchers/service.py", 63, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`status != OPEN` -> `status < OPEN`: of the three statuses 'closed' and 'draft' both "
        "sort before 'open', so the two tests agree"
    ),
    ("services/funding/public/chain.py", 106, "ReplaceUnaryOperator_USub_UAdd"): (
        "`-len(text) % 4` -> `+len(text) % 4`: the same padding as deleting the minus (listed "
        "above for this line): excess '=' is ignored by Python's non-strict b64decode"
    ),
    ("services/funding/public/chain.py", 125, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in signature_valid's signature: key becomes positional-only, as its one "
        "caller (services/funding/verify.py) passes it, and the rest stay keywords there"
    ),
    ("services/funding/rewards/service.py", 133, "ReplaceComparisonOperator_Eq_LtE"): (
        "`dialect.name == 'postgresql'` -> `<= 'postgresql'`: the service runs on 'postgresql' "
        "or 'sqlite', and 'sqlite' sorts after 'postgresql', so the two tests agree"
    ),
    (
        "services/funding/rewards/service.py",
        168,
        "NumberReplacer: return max( -1, year - opened_on.year)  # whole years to 31 December of the year",
    ): (
        "`max(0, …)` -> `max(-1, …)`: a candidate has a passed acceptance for the year, and an "
        "acceptance for a year before the base opened is refused (acceptance/service.py, "
        "AcceptanceYearInvalid), so year - opening year is never negative"
    ),
    ("services/funding/rewards/service.py", 222, "NumberReplacer"): (
        "the unreported KPI's 0 -> 1 or -1: a passed acceptance needs the year's KPI report "
        "(acceptance/service.py, KpiReportMissing) and reports are closed once it is recorded, "
        "so every candidate has reported"
    ),
    ("services/funding/rewards/service.py", 223, "NumberReplacer"): (
        "the unreported KPI's 0 -> 1 or -1: every candidate has reported (see line 222)"
    ),
    ("services/funding/rewards/service.py", 325, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _commit's signature: session becomes positional-only, as its one caller "
        "passes it; the rest stay keywords"
    ),
    ("services/funding/rewards/service.py", 363, "ReplaceTrueWithFalse"): (
        "`zip(..., strict=True)` -> `strict=False`: propose_many answers one disbursement id "
        "per proposal, so the two sequences are always the same length"
    ),
    ("services/vouchers/vouchers/codes.py", 26, "ReplaceBinaryOperator_Mod_Pow"): (
        "`number % 37` -> `number ** 37`: 37 is prime, so n ** 37 ≡ n (mod 37) (Fermat), and "
        "encode(checksum=True)'s check symbol, the only one kept, is the value mod 37"
    ),
    ("services/vouchers/vouchers/codes.py", 38, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`len(cleaned) != LENGTH` -> `is not`: CPython keeps one object for each small int (-5 "
        "to 256), so a length and 17 are the same object exactly when they are equal"
    ),
    (
        "services/funding/public/chain.py",
        106,
        'NumberReplacer: return base64.urlsafe_b64decode(text + "=" * (-len(text) % 5))',
    ): (
        "padding to `-len % 5` instead of `-len % 4`: it pads enough for the lengths of a "
        "32-byte key (43 or 44 characters) and a 64-byte signature (86 or 88), excess '=' being "
        "ignored; any other length fails either way (a key is refused with ValueError, a "
        "signature does not verify), only the library's wording differs"
    ),
    ("services/funding/public/chain.py", 110, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in sign_checkpoint's signature: key becomes positional-only, as its one "
        "caller (public/service.py) passes it; the rest stay keywords"
    ),
    ("services/funding/rewards/service.py", 133, "ReplaceComparisonOperator_Eq_Is"): (
        "`dialect.name == 'postgresql'` -> `is 'postgresql'`: CPython interns identifier-like "
        "string constants, and SQLAlchemy's PostgreSQL dialect names itself with the literal, "
        "so the two are the same object exactly when equal"
    ),
    ("services/funding/rewards/service.py", 191, "ReplaceBinaryOperator_BitAnd_Div"): (
        "`&` -> `/` between the KPI join's two conditions, on SQLite (the target's database): "
        "its booleans are 1 and 0 and x / 0 is NULL, so the quotient is true exactly when both "
        "are; on PostgreSQL boolean / boolean is an error and test_reward_run_scope.py answers "
        "500 (proven by hand)"
    ),
    ("services/funding/rewards/service.py", 245, "ReplaceUnaryOperator_Delete_Not"): (
        "`if not data.dry_run` -> `if data.dry_run` before _serialise_runs, on SQLite (the "
        "target's database), where it takes no lock (the write transaction serialises runs); on "
        "PostgreSQL test_reward_run_concurrency.py fails without the lock (three runs of three, "
        "by hand)"
    ),
    ("services/funding/allocations/service.py", 123, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`found.family != ALLOCATION` -> `>`: every rule family funding keeps "
        "(services/funding/rules.py FAMILIES: funding.bridge, funding.guarantee..., "
        "funding.interest..., funding.matching, funding.reward...) sorts after "
        "'funding.allocation', so the two agree"
    ),
    ("services/funding/allocations/service.py", 131, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`len(set(districts)) != len(districts)` -> `<`: a set of a list is never longer than it"
    ),
    ("services/funding/allocations/service.py", 149, "ReplaceComparisonOperator_Eq_LtE"): (
        "`sum(weights) == 0` -> `<= 0`: a negative weight is refused just above "
        "(matching_rule_invalid), so the sum is never below 0"
    ),
    ("services/funding/allocations/service.py", 192, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _add_to_block's signature: session becomes positional-only, as its one "
        "caller passes it; the rest stay keywords"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Add"): (
        "`int | None` -> `int + None` in a local variable's annotation, which Python never "
        "evaluates (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_BitAnd"): (
        "`int | None` -> `int & None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Sub"): (
        "`int | None` -> `int - None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 354, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in list_allocations' signature: session becomes positional-only, as the "
        "router passes it; the rest stay keywords"
    ),
    ("services/funding/allocations/service.py", 453, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in report_payment's signature: session becomes positional-only, as the "
        "router passes it; the rest stay keywords"
    ),
    ("services/funding/rewards/service.py", 140, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _awarded's signature: session becomes positional-only, as its one caller "
        "passes it, and year and budget_line stay keywords there"
    ),
    ("services/funding/allocations/service.py", 177, "ReplaceAndWithOr"): (
        "`not (isinstance(city, int) and isinstance(district, int))` -> `or`: the rule-set "
        "checker refuses, when a version is saved, a city_part or district_part that is not an "
        "int (rule_result_missing; a double, a bool and dyn() were tried through the API), so "
        "both are always ints here"
    ),
    ("services/funding/allocations/service.py", 215, "ReplaceBinaryOperator_Sub_BitXor"): (
        "`MAX_OWED_FEN - city_fen` -> `MAX_OWED_FEN ^ city_fen`: 2^63 - 1 has its 63 low bits "
        "set and city_fen is between 1 and 10^15, so the XOR is the difference"
    ),
    ("services/funding/allocations/service.py", 215, "ReplaceBinaryOperator_Sub_BitOr"): (
        "`MAX_OWED_FEN - city_fen` -> `MAX_OWED_FEN | city_fen` (= 2^63 - 1): the bound on a "
        "block's city total loosens by one share, which matters only past 2^63 - 1 - 10^15 fen, "
        "over 9,000 allocations of the largest share (10^15 fen) into one block"
    ),
    ("services/funding/allocations/service.py", 215, "ReplaceComparisonOperator_LtE_IsNot"): (
        "`city_fen <= MAX - city` -> Python `is not` (True): the city-total bound is dropped, "
        "which matters only past 2^63 - 1 - 10^15 fen in one block (see the `|` mutant of this "
        "line); the owed bound beside it is tested to the fen"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_RShift"): (
        "`int | None` -> `int >> None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 244, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`len(set(codes)) != len(codes)` -> `<`: a set of a list is never longer than it"
    ),
    ("services/funding/allocations/service.py", 252, "ReplaceComparisonOperator_Gt_NotEq"): (
        "`share[1] > 0` -> `!= 0`: no share is negative (explicit amounts are > 0 by the "
        "schema, split_pro_rata of non-negative weights gives non-negative parts)"
    ),
    ("services/funding/allocations/service.py", 280, "ReplaceComparisonOperator_Eq_Is"): (
        "`data.method == AllocationMethod.EXPLICIT` -> `is`: the schema parses method into the "
        "enum, whose members are singletons"
    ),
    ("services/funding/allocations/service.py", 438, "ReplaceComparisonOperator_Eq_Is"): (
        "`principal.kind == ClientKind.ADMIN` -> `is`: Principal.kind is a ClientKind member "
        "(identity.py parses it with ClientKind(...)), and members are singletons"
    ),
    ("services/funding/allocations/service.py", 441, "ReplaceComparisonOperator_Eq_Is"): (
        "`principal.kind == ClientKind.DEPARTMENT` -> `is`: Principal.kind is a ClientKind "
        "member, and members are singletons"
    ),
    ("services/funding/rewards/service.py", 133, "ReplaceComparisonOperator_Eq_Lt"): (
        "`dialect.name == 'postgresql'` -> `<`, on SQLite (the target's database): neither "
        "takes the lock there ('sqlite' sorts after 'postgresql'), and SQLite's write "
        "transaction serialises runs; on PostgreSQL the mutant takes no lock and "
        "test_reward_run_concurrency.py fails (three runs of three, by hand)"
    ),
    ("services/funding/rewards/service.py", 171, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _candidates' signature: session becomes positional-only, as its one "
        "caller passes it, and year and budget_line stay keywords there"
    ),
    ("services/funding/rewards/service.py", 192, "ReplaceComparisonOperator_Eq_GtE"): (
        "`Acceptance.result == PASSED` -> `>=`: a result is 'passed' or 'failed' "
        "(AcceptanceResult), and only 'passed' sorts at or after 'passed'"
    ),
    ("services/funding/rewards/service.py", 350, "ReplaceComparisonOperator_Gt_NotEq"): (
        "`figure.awarded_fen > 0` -> `!= 0`: a negative reward is refused before anything is "
        "proposed (reward_negative), and scaling never makes one, so an award is never below 0"
    ),
    ("services/funding/rewards/service.py", 433, "ReplaceComparisonOperator_Eq_GtE"): (
        "`id == public.id` -> `>=` in _store, on SQLite (the target's database): its write "
        "transaction lets no run claim a later id while another is storing, so only the run's "
        "own row matches; on PostgreSQL test_reward_run_concurrency.py's run kept waiting "
        "overwrites the later public-services run's figures (two runs of two, by hand)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Div"): (
        "`int | None` -> `int / None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Pow"): (
        "`int | None` -> `int ** None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 241, "ReplaceComparisonOperator_Eq_Is"): (
        "`data.method == AllocationMethod.EXPLICIT` -> `is`: the schema parses method into the "
        "enum, whose members are singletons"
    ),
    ("services/funding/allocations/service.py", 345, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in get_allocation's signature: session becomes positional-only, as the "
        "router passes it, and allocation_id stays a keyword there"
    ),
    ("services/funding/allocations/service.py", 418, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in matching_of's signature: session becomes positional-only, as the router "
        "passes it; the rest stay keywords"
    ),
    ("services/funding/allocations/service.py", 441, "ReplaceComparisonOperator_Eq_GtE"): (
        "`principal.kind == ClientKind.DEPARTMENT` -> `>=`: the payment route admits admin and "
        "department clients only (MatchingReporter; another kind gets forbidden_client_kind "
        "before the service, tried through the API), and 'admin' sorts before 'department'"
    ),
    ("services/funding/allocations/service.py", 470, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`paid.rowcount != 1` -> `< 1`: the update names one block by its primary key, so it "
        "changes one row or none"
    ),
    ("services/funding/rewards/service.py", 80, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _rule_set's signature: session becomes positional-only, as both calls "
        "pass it; family, version and year stay keywords there"
    ),
    ("services/funding/rewards/service.py", 130, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _serialise_runs' signature: session becomes positional-only, as its one "
        "call passes it; year and budget_line stay keywords there"
    ),
    ("services/funding/rewards/service.py", 168, "ReplaceBinaryOperator_Sub_Mod"): (
        "`year - opening year` -> `year % opening year`: the two agree whenever the opening "
        "year is at most the year (an acceptance before the opening is refused) and the year is "
        "less than twice it, which the schemas' bounds (opened from 1949, years to 2100) always "
        "give"
    ),
    ("services/funding/rewards/service.py", 245, "AddNot"): (
        "`if not data.dry_run` -> `if not not data.dry_run` before _serialise_runs: the same "
        "inversion as deleting the `not` (listed above for this line), SQLite-equivalent and "
        "killed on PostgreSQL by test_reward_run_concurrency.py"
    ),
    ("services/funding/allocations/service.py", 89, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _district_inputs' signature: session becomes positional-only, as its one "
        "call passes it; the rest stay keywords there"
    ),
    ("services/funding/allocations/service.py", 131, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`len(set(districts)) != len(districts)` -> `is not`: CPython keeps one object for each "
        "small int (-5 to 256), and the schema takes at most 50 districts (max_length), so "
        "equal lengths are the same object"
    ),
    ("services/funding/allocations/service.py", 162, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _ratio's signature: session and rule_set become positional-only, as its "
        "one call passes them; the rest stay keywords there"
    ),
    ("services/funding/allocations/service.py", 215, "ReplaceComparisonOperator_LtE_NotEq"): (
        "`city_fen <= MAX - city` -> `!=`: true whenever the bound holds, and the bound is "
        "reached only past 2^63 - 1 - 10^15 fen in one block (see the `|` mutant of this line)"
    ),
    ("services/funding/allocations/service.py", 230, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in allocate's signature: session becomes positional-only, as the router "
        "passes it; data and principal stay keywords there"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "`int | None` -> `int ^ None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_LShift"): (
        "`int | None` -> `int << None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 241, "ReplaceComparisonOperator_Eq_LtE"): (
        "`data.method == AllocationMethod.EXPLICIT` -> `<=`: the methods are 'explicit' and "
        "'rule_set', and only 'explicit' sorts at or before 'explicit'"
    ),
    ("services/funding/allocations/service.py", 438, "ReplaceComparisonOperator_Eq_LtE"): (
        "`principal.kind == ClientKind.ADMIN` -> `<=`: 'admin' sorts before every other kind"
    ),
    ("services/common/outbox.py", 111, "NumberReplacer"): (
        "`emit_many(...)[0]` -> `[-1]` (or `[1]` would fail): emit passes a list of one event, "
        "so the first id is the last"
    ),
    ("services/common/outbox.py", 138, "NumberReplacer"): (
        "the `seq` of EventPublic's OpenAPI example (42): documentation, read by no code path"
    ),
    ("services/common/outbox.py", 75, "ReplaceComparisonOperator_Eq_Is"): (
        "`dialect.name == 'postgresql'` -> `is`: CPython interns identifier-like string "
        "constants, and SQLAlchemy's PostgreSQL dialect names itself with the literal, so the "
        "two are the same object exactly when equal"
    ),
    ("services/common/outbox.py", 75, "ReplaceComparisonOperator_Eq_LtE"): (
        "`dialect.name == 'postgresql'` -> `<=`: the services run on 'postgresql' or 'sqlite', "
        "and 'sqlite' sorts after 'postgresql'"
    ),
    ("services/common/outbox.py", 102, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in emit's signature: session, type and payload become positional-only, as "
        "every call passes them (grep), and actor stays a keyword"
    ),
    ("services/common/outbox.py", 173, "ReplaceComparisonOperator_LtE_Lt"): (
        "`bound <= after` -> `<`: at bound == after the early return is skipped, and the query "
        "then asks for after < seq <= bound, which is empty: the same empty page and cursor"
    ),
    ("services/common/outbox.py", 82, "ReplaceComparisonOperator_NotEq_Gt"): (
        "`dialect.name != 'postgresql'` -> `>`: the services run on 'postgresql' or 'sqlite', "
        "and 'sqlite' sorts after 'postgresql'"
    ),
    ("services/common/outbox.py", 82, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`dialect.name != 'postgresql'` -> `is not`: CPython interns identifier-like string "
        "constants, and SQLAlchemy's PostgreSQL dialect names itself with the literal"
    ),
    ("services/common/outbox.py", 98, "ReplaceBinaryOperator_Add_BitXor"): (
        "`(low - last + 2^31) % 2^32` -> `((low - last) ^ 2^31) % 2^32`: adding 2^31 and "
        "flipping bit 31 agree on the low 32 bits (the carry out of bit 31 is what the modulo "
        "drops), for negative differences too (Python's infinite two's complement)"
    ),
    ("services/common/outbox.py", 164, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in read_events' signature: session becomes positional-only, as its one call "
        "passes it; after and limit stay keywords there"
    ),
    ("services/common/outbox.py", 173, "ReplaceComparisonOperator_LtE_Eq"): (
        "`bound <= after` -> `==`: for bound < after the early return is skipped and the query "
        "asks for after < seq <= bound, which is empty: the same empty page and cursor"
    ),
    ("services/common/outbox.py", 173, "ReplaceComparisonOperator_LtE_Is"): (
        "`bound <= after` -> `is`: wherever the early return is skipped, the query for after < "
        "seq <= bound is empty (see `==` on this line): the same empty page"
    ),
    ("gateway/ratelimit/limiter.py", 57, "ReplaceOrWithAnd"): (
        "`not Storage or not MovingWindowSupport` -> `and`: they differ only for an async "
        "storage without moving windows (limits' memcached), whose library (memcachio) is not "
        "in the lock file, so limits refuses the URI before this check (tried: "
        "ConfigurationError)"
    ),
    ("gateway/ratelimit/limiter.py", 191, "ReplaceComparisonOperator_Lt_NotEq"): (
        "`len(blocked) < _MAX_BLOCKED` -> `!=`: the list only grows through this check, so it "
        "never holds more than _MAX_BLOCKED and the two agree"
    ),
    ("services/common/outbox.py", 98, "ReplaceBinaryOperator_Add_Sub"): (
        "`(low - last + 2^31) % 2^32` -> `(low - last - 2^31) % 2^32`: the two differ by 2^32, "
        "which the modulo removes"
    ),
    ("gateway/ratelimit/limiter.py", 114, "ReplaceBinaryOperator_Add_Mul"): (
        "the fixed window's counter expiry `window + 1` -> `window * 1`: the key names its "
        "window (its index), so a counter kept one second longer or not is never read again "
        "either way (as `+ 0` and `| 1`, listed for this line)"
    ),
    ("gateway/ratelimit/limiter.py", 114, "ReplaceBinaryOperator_Add_FloorDiv"): (
        "the fixed window's counter expiry `window + 1` -> `window // 1` (= window): the key "
        "names its window, so the extra second is never read either way (as `* 1` on this line)"
    ),
    ("services/funding/allocations/service.py", 157, "ReplaceTrueWithFalse"): (
        "`zip(weighed, amounts, strict=True)` -> `strict=False`: split_pro_rata answers one "
        "amount per weight, so the two are always the same length"
    ),
    ("services/funding/allocations/service.py", 178, "ReplaceOrWithAnd"): (
        "`or isinstance(city_part, bool)` -> `and`: the rule-set checker refuses a bool result "
        "when a version is saved (see line 177), so the test is always false"
    ),
    ("services/funding/allocations/service.py", 179, "ReplaceOrWithAnd"): (
        "`or isinstance(district_part, bool)` -> `and`: a bool result is refused when a version "
        "is saved (see line 177)"
    ),
    ("services/funding/allocations/service.py", 214, "ReplaceBinaryOperator_Sub_BitXor"): (
        "`MAX_OWED_FEN - owed_fen` -> `MAX_OWED_FEN ^ owed_fen`: 2^63 - 1 has its 63 low bits "
        "set and owed_fen is between 0 and it (the check above), so the XOR is the difference"
    ),
    ("services/funding/allocations/service.py", 215, "ReplaceComparisonOperator_LtE_Lt"): (
        "`city_fen <= MAX - city` -> `<`: they differ only at a block city total of exactly "
        "2^63 - 1, past 9,000 allocations of the largest share (see the `|` mutant of this "
        "line)"
    ),
    ("services/funding/allocations/service.py", 222, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`added.rowcount != 1` -> `< 1`: the update names one block by its primary key, so it "
        "changes one row or none"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_FloorDiv"): (
        "`int | None` -> `int // None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Mod"): (
        "`int | None` -> `int % None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 240, "ReplaceBinaryOperator_BitOr_Mul"): (
        "`int | None` -> `int * None` in a local variable's annotation, never evaluated (PEP 526)"
    ),
    ("services/funding/allocations/service.py", 244, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`len(set(codes)) != len(codes)` -> `is not`: CPython keeps one object for each small "
        "int (-5 to 256), and the schema takes at most 50 amounts (max_length)"
    ),
    ("services/funding/allocations/service.py", 280, "ReplaceComparisonOperator_Eq_LtE"): (
        "`data.method == AllocationMethod.EXPLICIT` -> `<=`: the methods are 'explicit' and "
        "'rule_set', and only 'explicit' sorts at or before 'explicit'"
    ),
    ("services/funding/rewards/service.py", 191, "ReplaceBinaryOperator_BitAnd_Mul"): (
        "`&` -> `*` between the KPI join's two conditions, on SQLite (the target's database): "
        "its booleans are 1 and 0, whose product is their AND; on PostgreSQL boolean * boolean "
        "is an error and test_reward_run_scope.py answers 500 (proven by hand)"
    ),
    ("services/funding/rewards/service.py", 220, "NumberReplacer"): (
        "the unreported KPI's 0 -> 1 or -1: every candidate has reported (see line 222)"
    ),
    ("services/funding/rewards/service.py", 221, "NumberReplacer"): (
        "the unreported KPI's 0 -> 1 or -1: every candidate has reported (see line 222)"
    ),
    ("gateway/ratelimit/limiter.py", 114, "ReplaceBinaryOperator_Add_LShift"): (
        "the fixed window's counter expiry `window + 1` -> `window << 1`: the key names its "
        "window, so a counter kept longer is never read again (as `* 1` on this line)"
    ),
    ("gateway/ratelimit/limiter.py", 173, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in failed's signature: only self becomes positional-only; every caller "
        "passes credential and address by keyword, which both signatures take"
    ),
    ("gateway/ratelimit/limiter.py", 109, "NumberReplacer"): (
        "a refused moving-window hit's `remaining = -1` -> `-2` (or `0` is killed): remaining "
        "is read only as `remaining >= 0` and `max(remaining, 0)`, the same for -1 and -2"
    ),
    ("gateway/ratelimit/limiter.py", 187, "ReplaceComparisonOperator_GtE_LtE"): (
        "failed's `len(blocked) >= _MAX_BLOCKED` -> `<=`: below the bound the purge runs on "
        "every failure instead of only when full; it drops only blocks already over, which "
        "refused() treats as absent (and drops itself), so every answer is the same"
    ),
    ("services/funding/rewards/service.py", 100, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _committed's signature: session becomes positional-only, as its one call "
        "passes it; year, budget_line and version stay keywords there"
    ),
    ("services/funding/ledger/service.py", 88, 'NumberReplacer: prefix = code.split(":", 2)[0]'): (
        "`code.split(':', 1)[0]` -> `split(':', 2)[0]`: the first part is the same whatever the "
        "number of splits after it"
    ),
    ("services/funding/ledger/service.py", 196, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "`len({codes}) != len(pairs)` -> `is not`: CPython keeps one object for each small int "
        "(-5 to 256); the API takes at most 200 legs (max_length) and the services' own "
        "transfers move between a line, its districts' blocks and one more account"
    ),
    ("services/funding/ledger/service.py", 196, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`len({codes}) != len(pairs)` -> `<`: a set of the codes is never longer than the list"
    ),
    ("services/funding/ledger/service.py", 233, "ReplaceComparisonOperator_Eq_Is"): (
        "`sqlstate == '23514'` -> `is`: psycopg's CheckViolation carries sqlstate as a class "
        "constant, and CPython interns constants made of name characters, so it is the same "
        "object as this literal (checked; the PostgreSQL insufficient-funds tests pass with the "
        "mutant, by hand); on SQLite the message test decides"
    ),
    ("services/funding/ledger/service.py", 45, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in open_account's signature: session becomes positional-only, as every call "
        "passes it (grep); the rest stay keywords"
    ),
    ("gateway/ratelimit/limiter.py", 114, "ReplaceBinaryOperator_Add_Pow"): (
        "the fixed window's counter expiry `window + 1` -> `window ** 1` (= window): the key "
        "names its window, so the extra second is never read either way (as `* 1` on this line)"
    ),
    ("services/funding/ledger/service.py", 374, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in get_transfer's signature: session becomes positional-only, as every call "
        "passes it, and transfer_id stays a keyword there"
    ),
    ("services/funding/ledger/service.py", 382, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in reversed_by's signature: session becomes positional-only, as every call "
        "passes it, and transfer_id stays a keyword there"
    ),
    ("services/funding/riskpool/plan.py", 36, "ReplaceBinaryOperator_FloorDiv_Div"): (
        "the plan's yearly deposits `n * YI // 100` -> `/`: 40, 45 and 50 hundredths of 1亿 fen are"
        " whole numbers of fen far below 2^53, so the float is exact, and RiskPoolDepositCreate's "
        "int field takes an integral float as that int (4000000000.0 -> 4000000000)"
    ),
    ("services/funding/riskpool/plan.py", 22, "ReplaceBinaryOperator_FloorDiv_Div"): (
        "the plan's stock deposit `232 * YI // 100` -> `/`: 2.32亿 yuan is 23,200,000,000 fen, a "
        "whole number below 2^53, so the float is exact and RiskPoolDepositCreate's int field "
        "takes it as that int"
    ),
    (
        "services/funding/riskpool/service.py",
        301,
        "ReplaceTrueWithFalse: loan = session.get(GuaranteedLoan, loan_id, with_for_update=True, "
        "populate_existing=False)",
    ): (
        "_locked_loan's populate_existing=True -> False: nothing in a request loads the loan "
        "before this locked get (repay and default lock the pool first, which loads no loan; "
        "recover starts with it), so the session's identity map holds no copy to refresh and the "
        "locked read returns the committed row either way"
    ),
    ("services/funding/riskpool/service.py", 553, "ReplaceComparisonOperator_Eq_LtE"): (
        "summary's loans_active `status == 'active'` -> `<=`: a loan's status is one of active, "
        "repaid and defaulted, and only 'active' sorts at or before 'active'"
    ),
    ("services/funding/riskpool/service.py", 119, "ReplaceComparisonOperator_Eq_GtE"): (
        "deposit's `source == CITY` -> `>=`: deposit_source returns `source:city` or the year's "
        "sub-line `line:<year>:financing:zhubaodai-pool`, and every `line:` code sorts before "
        "`source:`, so `>=` holds for the city alone (the `<=` mutant is killed by "
        "test_a_deposit_from_a_centrally_funded_sub_line_opens_no_city_account)"
    ),
    ("services/funding/riskpool/service.py", 176, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_check_borrower's `status != 'active'` -> `>`: the replica's status is the registry's, "
        "one of active and deregistered (registry schemas' Status literal; apply_deregistered), "
        "and 'deregistered' sorts after 'active'; the `<` mutant is killed by the deregistered "
        "case of test_every_refusal_has_its_code_and_changes_nothing"
    ),
    ("services/funding/riskpool/service.py", 536, "ReplaceComparisonOperator_Gt_NotEq"): (
        "_loss_rate's `principal > 0` -> `!= 0`: principal is the sum of registered principals, "
        "each > 0 by schema and CHECK, so it is never negative"
    ),
    (
        "services/funding/riskpool/service.py",
        560,
        "NumberReplacer: str(bank): (int(loss or 1), int(share or 0), int(rec or 0), int(pool_rec or 0))",
    ): (
        "summary's `int(loss or 0)` -> `or 1`: a bank appears in the claims' GROUP BY only with a "
        "claim, whose loss_fen is > 0 (schema gt=0, CHECK positive_loss), so its sum is never 0 or"
        " NULL and the `or` never applies"
    ),
    ("services/funding/riskpool/service.py", 435, "ReplaceTrueWithFalse"): (
        "recover's claim read with populate_existing=True -> False: recover reads the claim first "
        "by this locked SELECT (it locks the loan before, which loads no claim), so the session's "
        "identity map holds no copy to refresh; a concurrent recovery waits on the loan's lock and"
        " then reads the committed claim either way"
    ),
    ("services/funding/riskpool/service.py", 462, "ReplaceComparisonOperator_Gt_NotEq"): (
        "recover's `pool_part > 0` -> `!= 0`: pool_part is floor(cumulative recovered x bp / "
        "10,000) minus the pool's recovered part so far, which is the same floor of the smaller "
        "earlier cumulative (the parts telescope), and the floor is non-decreasing, so pool_part "
        "is never negative"
    ),
    (
        "services/funding/riskpool/service.py",
        560,
        "NumberReplacer: str(bank): (int(loss or -1), int(share or 0), int(rec or 0), int(pool_rec or 0))",
    ): (
        "summary's `int(loss or 0)` -> `or -1`: a bank appears in the claims' GROUP BY only with a"
        " claim, whose loss_fen is > 0 (schema gt=0, CHECK positive_loss), so its sum is never 0 "
        "or NULL and the `or` never applies"
    ),
    ("services/funding/riskpool/service.py", 585, "ReplaceUnaryOperator_USub_Not"): (
        "summary's bank_name from versions[-1] -> versions[not 1] (versions[0]): add_version "
        "refuses a version naming the bank otherwise (bank_agreement_name_changed), so every "
        "version has one name"
    ),
    ("services/funding/riskpool/service.py", 600, "ReplaceTrueWithFalse"): (
        "summary's totals `zip(..., strict=True)` -> `strict=False`: every value of `claims` is a "
        "4-tuple built by the one comprehension above, so the zipped tuples never differ in length"
    ),
    ("services/funding/riskpool/service.py", 124, "ReplaceComparisonOperator_Eq_Is"): (
        "deposit's `data.kind == STOCK` -> `is`: kind is validated against Literal['stock', "
        "'yearly'], and pydantic-core answers the Literal's own str object (checked: a JSON body's"
        " and a built string's kind `is` STOCK), an interned constant, the same object as STOCK"
    ),
    (
        "services/funding/riskpool/service.py",
        168,
        "ReplaceTrueWithFalse: pool = session.get(RiskPool, POOL_ID, with_for_update=True, "
        "populate_existing=False)",
    ): (
        "_locked_pool's populate_existing=True -> False: register, repay and default take the "
        "pool's lock before any other read of its row in the request, so the identity map holds no"
        " copy to refresh; a concurrent writer waits on the lock and then reads the committed row "
        "either way"
    ),
    ("services/funding/disbursements/settlements.py", 115, "ReplaceOrWithAnd"): (
        "_propose's `refused.detail or refused` -> `and`: str(DomainError) is its detail when it "
        "has one (errors.py: super().__init__(detail or code)), and every DomainError a proposal "
        "can raise carries a detail (none is raised bare in disbursements, ledger or budgets: grep"
        " `raise ...()`), so both print the detail"
    ),
    ("services/funding/riskpool/service.py", 103, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in deposit_source's keyword-only signature makes session positional-only; its "
        "one caller (deposit) passes session by position and year and kind by keyword, so no call "
        "changes"
    ),
    ("services/funding/riskpool/service.py", 379, "ReplaceComparisonOperator_Gt_NotEq"): (
        "default's `share > 0` -> `!= 0`: share is pool_share(loss, bp) = loss x bp // 10,000 with"
        " loss > 0 and bp >= 0 (the agreement schema's ge=0), so it is never negative"
    ),
    ("services/funding/disbursements/service.py", 367, "ReplaceComparisonOperator_Eq_Is"): (
        "_visible_to's `principal.kind == ClientKind.PROVIDER` -> `is`: a Principal's kind is "
        "always "
        "a ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/riskpool/service.py", 106, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "deposit_source's `kind != STOCK` -> `is not`: kind is validated against Literal['stock', "
        "'yearly'], and pydantic-core answers the Literal's own interned str object (checked: a "
        "JSON body's kind `is` STOCK), so identity and equality agree"
    ),
    (
        "services/funding/riskpool/service.py",
        224,
        "NumberReplacer: select(func.coalesce(func.sum(GuaranteedLoan.outstanding_fen), -1))",
    ): (
        "register_loan's `coalesce(sum(outstanding), 0)` -> `-1`: the fallback applies only to an "
        "enterprise's first loan with the bank, whose principal is at most the per-loan cap, "
        "checked just above, which is at most the per-enterprise cap (schema validator and CHECK "
        "enterprise_cap_at_least_loan_cap); so 0 + p and -1 + p are both within the cap"
    ),
    ("services/funding/disbursements/service.py", 367, "ReplaceComparisonOperator_Eq_GtE"): (
        "_visible_to's `kind == 'provider'` -> `>=`: it is reached by the reader route's "
        "enterprise, portal and provider (admin and department return above) and by the risk "
        "pool's bank reading its compensation; of these only 'provider' sorts at or after "
        "'provider'"
    ),
    ("services/funding/riskpool/service.py", 119, "ReplaceComparisonOperator_Eq_Is"): (
        "deposit's `source == CITY` -> `is`: deposit_source returns either the CITY constant "
        "itself (the same object) or a sub-line code built by an f-string, which never equals "
        "CITY, so identity and equality agree"
    ),
    (
        "gateway/proxy/pool.py",
        130,
        'NumberReplacer: return b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[ -1]',
    ): (
        "Response.read's `self.chunks[0]` when there is exactly one chunk -> `chunks[-1]`: with "
        "one element, index 0 and -1 are the same chunk"
    ),
    ("gateway/proxy/pool.py", 360, "ReplaceComparisonOperator_Lt_LtE"): (
        "request's `idle_since < fresh_after` -> `<=`: the two are time.monotonic() floats taken "
        "at different moments (release and reuse) less the keep-alive; equality to the last bit is"
        " not something a test can arrange, and either answer at that instant is within the "
        "invariant (reuse only within `keepalive` seconds)"
    ),
    (
        "services/funding/riskpool/service.py",
        549,
        "NumberReplacer: str(bank): (int(active or 0), int(owed or 0), int(total or 1))",
    ): (
        "summary's `int(total or 0)` -> `or 1`: a bank appears in the loans' GROUP BY only with a "
        "loan, whose principal_fen is > 0 (schema gt=0), so its sum is never 0 or NULL and the "
        "`or` never applies"
    ),
    ("gateway/proxy/pool.py", 47, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in Disconnected.__init__'s signature makes message positional-only; every "
        "caller passes the message by position and before_response by keyword, so no call changes"
    ),
    (
        "services/funding/riskpool/service.py",
        168,
        "ReplaceTrueWithFalse: pool = session.get(RiskPool, POOL_ID, with_for_update=False, "
        "populate_existing=True)",
    ): (
        "SQLite only: _locked_pool without FOR UPDATE; SQLite serialises writers, so the target's "
        "SQLite tests cannot tell. On PostgreSQL test_risk_pool_concurrency.py fails three runs in"
        " three (12 parallel registrations all answered 201, past the headroom), proven by hand"
    ),
    (
        "services/funding/riskpool/service.py",
        301,
        "ReplaceTrueWithFalse: loan = session.get(GuaranteedLoan, loan_id, with_for_update=False, "
        "populate_existing=True)",
    ): (
        "_locked_loan without FOR UPDATE: repay and default hold the pool's row lock before they "
        "read the loan, so they are already serialised; recover holds its claim's row lock (FOR "
        "UPDATE) before it changes anything, and needs a defaulted loan while repay and default "
        "need an active one, so no two writers of one loan can both pass. The loan's lock is "
        "defence in depth; the risk-pool tests, the concurrency tests included, pass with it "
        "removed on PostgreSQL too (checked by hand)"
    ),
    (
        "services/funding/riskpool/service.py",
        549,
        "NumberReplacer: str(bank): (int(active or 0), int(owed or 0), int(total or -1))",
    ): (
        "summary's `int(total or 0)` -> `or -1`: a bank appears in the loans' GROUP BY only with a"
        " loan, whose principal_fen is > 0 (schema gt=0), so its sum is never 0 or NULL and the "
        "`or` never applies"
    ),
    ("gateway/proxy/pool.py", 332, "ReplaceComparisonOperator_Lt_NotEq"): (
        "_release's `len(self._idle) < self.max_idle` -> `!=`: the idle list grows one connection "
        "at a time and only through this check, from 0, and max_idle is fixed and never negative "
        "(upstream_pool_size has ge=0, test_upstream_settings.py), so the length never passes "
        "max_idle and `!=` keeps exactly what `<` keeps"
    ),
    ("gateway/proxy/pool.py", 239, "ReplaceTrueWithFalse"): (
        "on_headers_complete's `self.closed = True` for a HEAD answer -> False: the next line "
        "closes the transport, whose connection_lost sets closed again; until then the connection "
        "is in no list a request takes from (not idle, its response gone). The only reader in "
        "between is the HEAD's own body send, and it does not resume before connection_lost: "
        "test_a_head_answer_stops_the_request_body_it_did_not_wait_for passes with the mutant on "
        "both loops (the upstream got 1 MiB of 64 either way, measured by hand)"
    ),
    ("gateway/proxy/transport.py", 88, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in Gate.__init__'s signature makes only self positional-only; limit, queue and "
        "wait stay accepted by keyword, as every caller passes them"
    ),
    ("gateway/proxy/transport.py", 277, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in AiohttpTransport.__init__'s signature: host and port become positional-only,"
        " as its one caller (transport_for) passes them; the rest are still passed by keyword"
    ),
    ("gateway/proxy/pool.py", 276, "ReplaceAndWithOr"): (
        "resume's `self.paused and self.transport is not None and not self.closed` -> `paused or "
        "(...)`: the extra calls are resume_reading on a transport that is not paused, or on one "
        "being closed (closed is set only beside close() or abort()); both loops ignore those "
        "(tried by hand on asyncio and uvloop: not paused, closing, closed, aborted), and paused is"
        " only ever set where reading was paused"
    ),
    ("gateway/proxy/pool.py", 210, "ReplaceAndWithOr"): (
        "resume_writing's `self._drain is not None and not self._drain.done()` -> `or`: both loops "
        "call resume_writing only after pause_writing (which sets a fresh future) and never after "
        "connection_lost (the only other place that resolves it), so the future is always there and"
        " pending, and both forms resolve it"
    ),
    ("gateway/proxy/pool.py", 428, "AddNot"): (
        "request's cleanup `if conn.sending or conn.response is response` -> `not conn.sending or "
        "...`: they differ only where the answer is already gone from the connection. Either the "
        "connection was already aborted or closed (early answer, bad answer, connection_lost, "
        "HEAD), where a second _abort changes nothing; or the whole answer came while the last "
        "body bytes drained and the caller was cancelled right then, where the mutant aborts a "
        "connection the original kept idle. No answer differs in either case; in the second, one "
        "connection is not reused (a race no test can time)"
    ),
    ("gateway/proxy/transport.py", 183, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in NativeTransport.__init__'s signature: pool becomes positional-only, as its "
        "one caller (transport_for) passes it; the limits are still passed by keyword"
    ),
    ("gateway/proxy/transport.py", 332, "NumberReplacer"): (
        "`raise failed[0]` -> `failed[-1]`: _watched appends the body's exception once and re-"
        "raises it, which ends the generator, so the list never holds more than one"
    ),
    ("gateway/proxy/transport.py", 236, "AddNot"): (
        "_AiohttpAnswer.abort's `if self.complete: release() else: close()` -> `if not "
        "self.complete`: aiohttp 3.14.5 decides for itself: release() of a response whose payload "
        "is unfinished closes its connection (protocol.should_close), and close() of a finished one"
        " finds the connection already released at EOF. "
        "test_consecutive_requests_share_one_kept_alive_connection (three answers on one "
        "connection, then an abandoned slow answer's connection not reused) passes with the mutant "
        "on both loops (tried by hand)"
    ),
    ("gateway/proxy/pool.py", 268, "ReplaceTrueWithFalse"): (
        "on_message_complete's `self.closed = True` before aborting a connection answered mid-"
        "request -> False: the abort that follows makes connection_lost set closed at once "
        "(call_soon on both loops); in between only the request's own body loop can look, and what "
        "it writes to an aborted transport is dropped. "
        "test_an_answer_before_the_request_body_is_sent_drops_the_connection passes with the mutant"
        " (tried by hand): the caller gets the answer and the upstream sees the drop either way"
    ),
    ("gateway/proxy/pool.py", 301, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in UpstreamPool.__init__'s signature: host and port become positional-only, as "
        "every caller passes them (transport_for, the pool tests); the rest stay keywords"
    ),
    ("gateway/proxy/pool.py", 402, "ReplaceComparisonOperator_Gt_IsNot"): (
        "request's `if len(chunk) > remaining: chunk = chunk[:remaining]` -> `is not`: the slice is"
        " then also taken when the chunk is shorter than, or as long as, what remains, and a slice "
        "that reaches past or to the end of a bytes object is the same bytes, so the same bytes are"
        " written"
    ),
    ("gateway/proxy/transport.py", 98, "ReplaceComparisonOperator_Lt_NotEq"): (
        "Gate.acquire's `self.active < self.limit` -> `!=`: active grows one at a time and only "
        "through this check, from 0 (a hand-over keeps it), and limit is fixed and at least 1 "
        "(upstream_max_connections ge=1), so active never passes limit and `!=` admits exactly what"
        " `<` admits (test_a_released_slot_is_one_slot)"
    ),
    ("gateway/proxy/transport.py", 164, "RemoveDecorator"): (
        "`@abstractmethod` removed from Transport._send: both subclasses (NativeTransport, "
        "AiohttpTransport) define _send, and nothing instantiates Transport itself (it keeps three "
        "other abstract methods, so it still cannot be)"
    ),
    ("gateway/proxy/transport.py", 262, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _mapped's signature: exc becomes positional-only, as every caller passes it;"
        " before_response is still passed by keyword"
    ),
    ("gateway/proxy/transport.py", 359, "ReplaceComparisonOperator_Eq_Is"): (
        "transport_for's `settings.upstream_transport == 'aiohttp'` -> `is`: pydantic answers a "
        "Literal field with the Literal's own str object, an interned constant like the one "
        "compared to (checked in a REPL, with the value from UPSTREAM_TRANSPORT and from a string "
        "built at run time), so identity and equality agree"
    ),
    ("gateway/proxy/transport.py", 359, "ReplaceComparisonOperator_Eq_LtE"): (
        "transport_for's `settings.upstream_transport == 'aiohttp'` -> `<=`: the setting is one of "
        "'native' (sorts after) and 'aiohttp' (equal), so the same transport is built"
    ),
    ("gateway/proxy/transport.py", 231, "ReplaceTrueWithFalse"): (
        "_AiohttpAnswer.stream's `self.complete = True` at the end of the body -> False: abort then"
        " calls close() instead of release(), and aiohttp  has already released the connection when"
        " the payload reached EOF, so close() finds none and both leave it in the pool (the "
        "transport and proxy tests pass with the mutant, tried by hand)"
    ),
    ("gateway/proxy/pool.py", 336, "ReplaceTrueWithFalse"): (
        "_release's `conn.closed = True` for a connection not kept -> False: the next line closes "
        "the transport, whose connection_lost sets closed again, and until then the connection is "
        "in no list a request takes from (not appended to the idle list, its response gone); the "
        "pool tests pass with the mutant on both loops"
    ),
    ("gateway/proxy/pool.py", 362, "ReplaceTrueWithFalse"): (
        "request's `candidate.closed = True` for an expired idle connection -> False: it was just "
        "popped from the idle list and the next line closes its transport, whose connection_lost "
        "sets closed again; nothing else holds it in between"
    ),
    ("gateway/proxy/pool.py", 402, "ReplaceComparisonOperator_Gt_NotEq"): (
        "request's `if len(chunk) > remaining: chunk = chunk[:remaining]` -> `!=`: the slice is "
        "then also taken for a shorter chunk, and a slice past the end of a bytes object is the "
        "same bytes"
    ),
    ("gateway/proxy/pool.py", 420, "ReplaceFalseWithTrue"): (
        "request's `conn.sending = False` after a body that did not finish sending -> True: this "
        "branch runs only when the body was cut short (then aborted on the next line) or the "
        "connection was closed mid-send, so the flag is left on a connection that is closed and "
        "never reused; its later readers (on_message_complete, the cleanup) then only abort it "
        "again"
    ),
    ("gateway/proxy/transport.py", 101, "ReplaceComparisonOperator_GtE_Eq"): (
        "Gate.acquire's `len(self._waiters) >= self.queue` -> `==`: the line grows one waiter at a "
        "time and only past this check, from 0, and queue is fixed and at least 0 "
        "(upstream_max_queued ge=0), so it never passes queue (test_bounds_past_256_hold_too)"
    ),
    ("gateway/proxy/transport.py", 136, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in Transport.__init__'s signature makes only self positional-only; the limits "
        "stay accepted by keyword, as both subclasses pass them"
    ),
    ("gateway/proxy/transport.py", 160, "RemoveDecorator"): (
        "`@abstractmethod` removed from Transport.start: both subclasses define start, and nothing "
        "instantiates Transport itself (it keeps three other abstract methods, so it still cannot "
        "be)"
    ),
    ("gateway/proxy/transport.py", 170, "RemoveDecorator"): (
        "`@abstractmethod` removed from Transport.in_flight: both subclasses define in_flight, and "
        "nothing instantiates Transport itself (it keeps three other abstract methods, so it still "
        "cannot be)"
    ),
    ("gateway/proxy/transport.py", 174, "RemoveDecorator"): (
        "`@abstractmethod` removed from Transport.close: both subclasses define close, and nothing "
        "instantiates Transport itself (it keeps three other abstract methods, so it still cannot "
        "be)"
    ),
    ("gateway/proxy/transport.py", 220, "ReplaceTrueWithFalse"): (
        "_AiohttpAnswer.read's `self.complete = True` -> False: abort then calls close() instead of"
        " release(), and aiohttp  has already released the connection when read() reached the "
        "payload's EOF, so close() finds none (the transport and proxy tests pass with the mutant, "
        "as for line 231)"
    ),
    ("gateway/proxy/transport.py", 228, "ExceptionReplacer"): (
        "_AiohttpAnswer.stream's `except (aiohttp.ClientError, TimeoutError)` with TimeoutError "
        "replaced: with ClientTimeout(total=None) aiohttp  reports a read timeout as "
        "ServerTimeoutError, which is a ClientError, so TimeoutError is never the member that "
        "matches (test_a_body_that_stops_half_way_fails_as_begun[stalled] passes with it removed, "
        "tried by hand; it stays for a total timeout)"
    ),
    ("gateway/proxy/pool.py", 74, "NumberReplacer"): (
        "Response.__init__'s `self.status = 0` -> -1 (or 1): a placeholder; status is read only "
        "once wait_headers has returned, which is after on_headers_complete set the real one, and a"
        " response that fails first is never read for its status"
    ),
    ("gateway/proxy/pool.py", 94, "ReplaceAndWithOr"): (
        "_fail's `self._error is None and not self.complete` -> `or`: the mutant also records a "
        "failure on a complete answer, which no reader looks at (read, stream and wait_headers "
        "return on complete first), and lets a later failure replace the first; but the first is "
        "raised by _wait as soon as it is set, and the later ones come from abort or the "
        "connection's loss after that, when no caller reads the answer again (the handler and "
        "Transport.send abort and leave). A timer and a loss landing in one loop turn could swap "
        "which error a reader sees: a race no test can time"
    ),
    ("gateway/proxy/pool.py", 359, "ReplaceContinueWithBreak"): (
        "request's `if candidate.closed: continue` -> `break`: an idle connection is marked closed "
        "only in connection_lost (which removes it from the idle list in the same call) or by a "
        "parse error's abort, until its connection_lost one loop turn later. With `break` a request"
        " that meets one in that turn opens a new connection instead of trying an older idle one: "
        "no answer differs"
    ),
    (
        "gateway/proxy/handler.py",
        204,
        "NumberReplacer: self.content_length = int(value) if value.isdigit() else -1",
    ): (
        "_Call's `int(value) if value.isdigit() else 0` -> `else -1`: for a Content-Length that is "
        "not digits, has_body is `0 > 0` or `-1 > 0`, false either way, and content_length is read "
        "only when has_body (the server refuses such a request before the gateway sees it anyway)"
    ),
    (
        "gateway/proxy/handler.py",
        204,
        "NumberReplacer: self.content_length = int(value) if value.isdigit() else 1",
    ): (
        "_Call's `... else 0` -> `else 1`: the branch never runs under the gateway's server. "
        "httptools and h11 answer 400 themselves to a Content-Length that is not digits with "
        "whitespace around them (abc, +5, -1, 0x5, an Arabic-Indic digit, empty: tried on both), "
        "and the line above strips the whitespace"
    ),
    ("gateway/proxy/pool.py", 428, "ReplaceComparisonOperator_Is_Eq"): (
        "request's cleanup `conn.response is response` -> `==`: Response defines no __eq__, so == "
        "is identity"
    ),
    ("gateway/proxy/handler.py", 174, "ReplaceFalseWithTrue"): (
        "_Call's `self.has_body = False` -> True: a request without a body then has it read: the "
        "server answers receive() with one empty message, so the body is b'', which is what "
        "_forward sends for no body (Content-Length 0 but on GET, HEAD, OPTIONS), and "
        "content_length stays None (test_a_request_without_a_body_reaches_the_service_as_one passes"
        " with the mutant, tried by hand). Only a caller gone before the request is forwarded "
        "differs: a 499 at once instead of after the exchange, the same to a caller that is not "
        "there"
    ),
    ("gateway/proxy/pool.py", 124, "NumberReplacer"): (
        "read's `self.limit = 1 << 62` (no read-ahead bound: the caller bounds the body) -> 2 << 62"
        " or 1 << 61: no answer comes near 2^61 bytes, so reading never pauses either way"
    ),
    ("gateway/proxy/pool.py", 429, "ReplaceFalseWithTrue"): (
        "request's cleanup `conn.sending = False` -> True: the next line aborts the connection in "
        "every case, so the flag is left on a closed connection that is never reused; its later "
        "readers only abort it again"
    ),
    ("gateway/proxy/pool.py", 430, "ReplaceTrueWithFalse"): (
        "request's cleanup `Disconnected('request abandoned', before_response=True)` -> False: "
        "request() re-raises its own exception (the caller's, the body's, the timeout's), and this "
        "one only marks a response that request() never returned, so no one reads it or its flag"
    ),
    ("gateway/proxy/handler.py", 185, "ReplaceComparisonOperator_Eq_GtE"): (
        "_Call's `key == b'x-request-id'` -> `>=`: only stripped names reach it (the branch is "
        "inside `key in STRIPPED or key.startswith(STRIPPED_PREFIXES)`), after authorization and "
        "x-api-key, and no stripped name or prefix sorts after x-request-id (the hop-by-hop ones, "
        "host, cookie, expect, forwarded, traceparent, x-api-key, x-client-, x-forwarded-, "
        "x-gateway-, x-internal-, x-on-behalf-of, x-principal, x-real-ip all sort before)"
    ),
    ("gateway/proxy/pool.py", 162, "NumberReplacer"): (
        "_Connection.__init__'s `self.idle_since = 0.0` -> 1.0 or -1.0: a placeholder; it is read "
        "only for a connection in the idle list, and _release sets it to time.monotonic() as it "
        "puts the connection there"
    ),
    ("gateway/proxy/pool.py", 400, "ReplaceComparisonOperator_LtE_Eq"): (
        "request's `remaining <= 0` -> `== 0`: remaining starts at content_length (ge 0: the "
        "handler passes a parsed digit string) and falls by a chunk cut to at most remaining, so it"
        " is never negative"
    ),
    ("gateway/proxy/handler.py", 180, "ReplaceComparisonOperator_Eq_LtE"): (
        "_Call's `key == b'authorization'` -> `<=`: only stripped names reach it, and none sorts "
        "before authorization (checked: sorted(STRIPPED) and the prefixes all sort after it), so "
        "only authorization matches either way"
    ),
    ("gateway/proxy/handler.py", 205, "NumberReplacer: self.has_body = self.content_length > -1"): (
        "_Call's `self.content_length > 0` -> `> -1`: a Content-Length of 0 then counts as a body, "
        "which is read as one empty message, b'', the same as no body (_forward sends b'' either "
        "way: Content-Length 0 but on GET, HEAD, OPTIONS)"
    ),
    ("gateway/proxy/handler.py", 205, "ReplaceComparisonOperator_Gt_GtE"): (
        "_Call's `self.content_length > 0` -> `>= 0`: as `> -1` on this line, a Content-Length of 0"
        " is read as b'', the same as no body"
    ),
    ("gateway/proxy/handler.py", 205, "ReplaceComparisonOperator_Gt_NotEq"): (
        "_Call's `self.content_length > 0` -> `!= 0`: the line above sets it to int(value) of "
        "ASCII digits, or 0, never negative, so `!= 0` holds exactly where `> 0` does"
    ),
    ("gateway/proxy/handler.py", 205, "ReplaceComparisonOperator_Gt_IsNot"): (
        "_Call's `self.content_length > 0` -> `is not 0`: never negative (as `!=` on this line), "
        "and CPython's int(b'0') (any run of zeros) is its one cached 0"
    ),
    ("gateway/proxy/pool.py", 402, "ReplaceComparisonOperator_Gt_GtE"): (
        "request's `if len(chunk) > remaining: chunk = chunk[:remaining]` -> `>=`: the slice is "
        "then also taken when the chunk is exactly what remains, and a slice to the end of a bytes "
        "object is the same bytes"
    ),
    ("gateway/proxy/handler.py", 199, "ReplaceComparisonOperator_Eq_LtE"): (
        "_Call's `key == b'connection'` -> `<=`: only stripped names reach it, and the only one "
        "sorting before connection is authorization, which an earlier branch takes (checked against"
        " sorted(STRIPPED) and the prefixes)"
    ),
    ("gateway/proxy/handler.py", 599, "ReplaceComparisonOperator_Lt_NotEq"): (
        "_forward's misbound retry `attempt + 1 < attempts` -> `!=`: attempt runs over "
        "range(attempts), so attempt + 1 is never above attempts, and `<` and `!=` agree on every "
        "value it takes"
    ),
    ("gateway/proxy/handler.py", 437, "ReplaceAndWithOr"): (
        "_record_filing's `assert caller is not None and call.on_behalf is not None` -> `or`: it runs"
        " only for a filing, which _delegate marks after reading both the caller and the on-behalf "
        "enterprise, so both halves hold and the assert (there for the type checker) passes either "
        "way"
    ),
    ("gateway/delegations/service.py", 44, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in to_public's: only delegation becomes positional-only; the router passes it by position and now is never passed"
    ),
    ("gateway/delegations/service.py", 71, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _check_expiry's: only expires_at becomes positional-only; grant and confirm pass it by position and now by keyword"
    ),
    ("gateway/delegations/service.py", 136, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in list_delegations': only session becomes positional-only; the router passes it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 155, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in get_delegation's: only session becomes positional-only; the router and _owned pass it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 166, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _owned's: only session becomes positional-only; revoke and confirm pass it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 178, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in revoke's: only session becomes positional-only; the router passes it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 195, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in confirm's: only session becomes positional-only; the router passes it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 231, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in record_filing's: only session becomes positional-only; the proxy's delegation cache passes it by position and the rest by keyword"
    ),
    ("gateway/delegations/service.py", 86, "ReplaceComparisonOperator_Eq_LtE"): (
        "_enterprise_of's `caller.kind == ClientKind.ADMIN` -> `<=`: no client kind sorts before "
        "'admin' (department, bank, provider, portal, enterprise, service all sort after)"
    ),
    ("gateway/delegations/service.py", 127, "ReplaceComparisonOperator_Eq_LtE"): (
        "_visible's `caller.kind == ClientKind.ENTERPRISE` -> `<=`: the routes (Party) admit only "
        "admin, enterprise and portal callers; admin returns on the line before, and portal sorts "
        "after enterprise, so `<=` holds exactly where `==` does"
    ),
    ("gateway/delegations/service.py", 129, "ReplaceComparisonOperator_Eq_LtE"): (
        "_visible's `caller.kind == ClientKind.PORTAL` -> `<=`: of the kinds the routes admit, an "
        "admin and an enterprise with an org return before it, and an enterprise client always has "
        "an org (the clients service requires one, a valid USCC), so only portals get here"
    ),
    ("services/funding/interest/rules.py", 36, "ReplaceBinaryOperator_Sub_Mod"): (
        "term_months' `matures_on.year - loan_date.year` -> `%`: a claimed loan is outstanding on "
        "a day of a quarter from 2015 (else interest_no_days first) and runs at most 30 years "
        "(InterestClaimCreate), so its loan year y1 is at least 1985 and its maturity year y2 is "
        "in [y1, y1 + 30], below 2·y1, where y2 % y1 == y2 - y1"
    ),
    ("services/vouchers/expiry/service.py", 32, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in expire_due's signature: only session becomes positional-only; the job "
        "calls step(session) and the tests pass session by position and now and limit by keyword"
    ),
    ("services/vouchers/expiry/service.py", 41, "ReplaceComparisonOperator_Eq_LtE"): (
        "the due query's `Voucher.status == ACTIVE` -> `<=`: a voucher is active, expired or void "
        "(vouchers.models), and both others sort after 'active'"
    ),
    (
        "services/vouchers/expiry/service.py",
        48,
        "ReplaceComparisonOperator_Eq_LtE: .where(col(Voucher.id) == voucher.id, "
        "col(Voucher.status) <= ACTIVE)",
    ): (
        "the expiring UPDATE's `Voucher.status == ACTIVE` -> `<=`: a voucher is active, expired or "
        "void, and both others sort after 'active'"
    ),
    ("services/vouchers/expiry/service.py", 72, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`returned.rowcount != 1` -> `< 1`: the UPDATE matches one programme by its primary key, "
        "so it changes 0 or 1 row and never more"
    ),
    (
        "services/funding/fees/service.py",
        87,
        "ReplaceTrueWithFalse: item = session.get(FeeItem, code, with_for_update=True, "
        "populate_existing=False)",
    ): (
        "update_item's `populate_existing=True` -> False: it refreshes a copy already in the "
        "session's identity map, and nothing loads the fee earlier in the request's session, so "
        "the locked SELECT's row is the first copy either way"
    ),
    ("services/funding/fees/service.py", 138, "ReplaceComparisonOperator_Eq_GtE"): (
        "claim_fee's `enterprise.status == DEREGISTERED` -> `>=`: an enterprise of funding's "
        "replica is 'active' or 'deregistered' (enterprises.models), and 'active' sorts before"
    ),
    ("services/funding/budgets/service.py", 42, "ReplaceComparisonOperator_Gt_NotEq"): (
        "_check_unique's `n > 1` -> `n != 1`: a Counter of the codes counts each at least once, "
        "so `!= 1` holds exactly where `> 1` does"
    ),
    ("services/funding/budgets/service.py", 134, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in load_budget's signature: only session becomes positional-only; the router "
        "and the demo seed pass it by position and data and principal_id by keyword"
    ),
    ("services/funding/budgets/service.py", 211, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in get_budget's signature: only session becomes positional-only; its callers "
        "pass it by position and year by keyword"
    ),
    ("services/funding/budgets/service.py", 163, "NumberReplacer"): (
        "load_budget's `enumerate(..., start=1)` -> 0 or 2: the number only tells each "
        "reconciliation's transfer key apart (`budget:<year>:reconciliation:<n>`, shown nowhere); "
        "from any start the keys are distinct, and a reload of the same document transfers nothing"
    ),
    ("services/funding/guarantees/service.py", 95, "ReplaceComparisonOperator_Eq_GtE"): (
        "register_guarantee's `enterprise.status == DEREGISTERED` -> `>=`: an enterprise of "
        "funding's replica is 'active' or 'deregistered' (enterprises.models), and 'active' "
        "sorts before"
    ),
    ("services/funding/guarantees/service.py", 208, "ReplaceComparisonOperator_LtE_Eq"): (
        "report_payout's `amount <= 0` -> `== 0`: the amount is payout_fen (above 0, "
        "GuaranteePayoutCreate) × a share _share_bp has checked to be 0–10000, floored, so it is "
        "never below 0"
    ),
    ("services/funding/guarantees/service.py", 250, "ReplaceComparisonOperator_NotEq_Lt"): (
        "report_payout's `moved.rowcount != 1` -> `< 1`: the conditional UPDATE matches one "
        "guarantee by its primary key, so it changes 0 or 1 row and never more"
    ),
    ("services/funding/interest/service.py", 104, "NumberReplacer: .limit( 2)"): (
        "_check_loan_owner's `.limit(1)` -> `.limit(2)`: the query is read with `.first()`, which "
        "takes one row of however many the limit lets through; only whether one exists matters"
    ),
    ("services/funding/interest/service.py", 119, "ReplaceComparisonOperator_Eq_GtE"): (
        "claim_interest's `enterprise.status == DEREGISTERED` -> `>=`: an enterprise of funding's "
        "replica is 'active' or 'deregistered' (enterprises.models), and 'active' sorts before"
    ),
    ("services/funding/interest/schemas.py", 57, "RemoveDecorator"): (
        "InterestClaimCreate._within_term without `@classmethod`: pydantic's field_validator "
        "makes the function a classmethod itself when it is not one, so validation is the same"
    ),
    ("services/funding/interest/rules.py", 51, "ReplaceComparisonOperator_Eq_GtE"): (
        "quarter_days' `quarter == 4` -> `>=` (either of the two): the quarter is 1 to 4 "
        "(InterestClaimCreate: ge=1, le=4), so `>= 4` holds exactly where `== 4` does"
    ),
    ("gateway/delegations/service.py", 80, "ReplaceComparisonOperator_Eq_GtE"): (
        "_enterprise_of's `caller.kind == ClientKind.ENTERPRISE` -> `>=`: only grant calls it, "
        "behind Grantor, which admits enterprise and admin callers alone, and 'admin' sorts before "
        "'enterprise', so `>=` holds exactly where `==` does"
    ),
    ("gateway/delegations/service.py", 86, "ReplaceComparisonOperator_Eq_GtE"): (
        "_enterprise_of's `caller.kind == ClientKind.ADMIN` -> `>=`: behind Grantor only "
        "enterprise and admin callers get here, and an enterprise returns on the lines before, so "
        "only admins reach it, for whom both hold"
    ),
    ("gateway/delegations/service.py", 125, "ReplaceComparisonOperator_Eq_LtE"): (
        "_visible's `caller.kind == ClientKind.ADMIN` -> `<=`: no client kind sorts before "
        "'admin' (department, bank, provider, portal, enterprise, service all sort after)"
    ),
    ("gateway/delegations/service.py", 129, "ReplaceComparisonOperator_Eq_GtE"): (
        "_visible's `caller.kind == ClientKind.PORTAL` -> `>=`: of the kinds the routes admit "
        "(Party), an admin and an enterprise (which always has an org) return before it, so only "
        "portals get here"
    ),
    ("gateway/delegations/service.py", 129, "ReplaceComparisonOperator_Eq_IsNot"): (
        "_visible's `caller.kind == ClientKind.PORTAL` -> `is not`: only portals get here (see "
        "the `>=` entry), and a portal's Caller is built from its client row, whose kind is a "
        "plain str, never the enum member (only the bootstrap admin's is), so `is not` is true "
        "exactly where `==` is"
    ),
    (
        "gateway/delegations/service.py",
        104,
        "ReplaceComparisonOperator_NotEq_Gt: if portal is None or portal.kind != "
        'ClientKind.PORTAL or portal.status > "active":',
    ): (
        "grant's `portal.status != \"active\"` -> `>`: a client's status is 'active' or "
        "'suspended' (ClientStatus), and 'suspended' sorts after 'active', so `>` is true exactly "
        "where `!=` is"
    ),
    ("gateway/delegations/service.py", 99, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in grant's signature: only session becomes positional-only, and its one caller "
        "(the router) passes session by position and the rest by keyword, which still binds"
    ),
    ("gateway/delegations/service.py", 217, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in live_grant's signature: only session becomes positional-only, and both "
        "callers (record_filing and the proxy's delegation cache) pass session by position and "
        "the rest by keyword"
    ),
    ("gateway/proxy/handler.py", 251, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in ProxyHandler.__init__'s signature: only self becomes positional-only; the one "
        "caller (the app factory) passes every other argument by keyword, which still binds"
    ),
    ("gateway/proxy/handler.py", 341, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_authenticate's `required != PUBLIC` -> `is not`: PUBLIC is the empty string, which CPython "
        "keeps as one object (every '' is that object), and every other scope is a non-empty string, "
        "so `is not` and `!=` agree"
    ),
    ("gateway/proxy/handler.py", 426, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_delegate's `required != PUBLIC` -> `is not`: as at line 337, PUBLIC is the empty string, "
        "one object in CPython, and every other scope is non-empty"
    ),
    ("gateway/proxy/handler.py", 599, "ReplaceComparisonOperator_Lt_IsNot"): (
        "_forward's misbound retry `attempt + 1 < attempts` -> `is not`: attempts is at most 4 "
        "(retry_attempts is bounded to 0..3), and CPython keeps one object for each small integer, so"
        " `is not` is `!=`, which agrees with `<` here (see `!=`)"
    ),
    ("gateway/proxy/handler.py", 84, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "RESPONSE_DROPPED = HOP_BY_HOP | {...} -> `^`: none of the added names is hop-by-hop, so the "
        "symmetric difference of the two disjoint sets is their union"
    ),
    ("gateway/proxy/handler.py", 70, "ReplaceBinaryOperator_BitOr_BitXor"): (
        "STRIPPED = HOP_BY_HOP | {...} -> `^`: none of the added names is hop-by-hop, so the "
        "symmetric difference of the two disjoint sets is their union"
    ),
    ("gateway/proxy/handler.py", 341, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_authenticate's `required != PUBLIC` -> `>`: PUBLIC is the empty string, and every string "
        "but the empty one sorts after it, so `>` and `!=` agree"
    ),
    ("gateway/proxy/handler.py", 372, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_authorize's `required != PUBLIC` -> `is not`: as at line 337, PUBLIC is the empty string, "
        "one object in CPython, and every other scope is non-empty"
    ),
    ("gateway/proxy/handler.py", 372, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_authorize's `required != PUBLIC` -> `>`: as at line 337, every string but the empty one "
        "sorts after PUBLIC (''), so `>` and `!=` agree"
    ),
    ("gateway/proxy/handler.py", 580, "ReplaceComparisonOperator_Lt_IsNot"): (
        "_forward's connection retry `attempt + 1 < attempts` -> `is not`: as at line 599, attempts "
        "is at most 4 and small integers are one object each in CPython, so `is not` is `!=`, which "
        "agrees with `<` on every value attempt + 1 takes"
    ),
    ("gateway/proxy/handler.py", 406, "ReplaceAndWithOr"): (
        "_delegate's `assert caller is not None and uscc is not None` -> `or`: __call__ calls "
        "_delegate only for a caller with an X-On-Behalf-Of (since this session; before, an anonymous"
        " one failed as a 500 either way: the assert or, mutated, caller.client_id), so both halves "
        "hold and the assert (there for the type checker) passes either way"
    ),
    ("gateway/proxy/handler.py", 426, "ReplaceComparisonOperator_NotEq_Gt"): (
        "_delegate's `required != PUBLIC` -> `>`: as at line 337, every string but the empty one "
        "sorts after PUBLIC (''), so `>` and `!=` agree"
    ),
    ("gateway/proxy/handler.py", 580, "ReplaceComparisonOperator_Lt_NotEq"): (
        "_forward's connection retry `attempt + 1 < attempts` -> `!=`: as at line 599, attempt runs "
        "over range(attempts), so attempt + 1 is never above attempts, and `<` and `!=` agree on "
        "every value it takes"
    ),
    ("gateway/proxy/handler.py", 410, "ReplaceComparisonOperator_Eq_GtE"): (
        "_delegate's `call.method == 'POST'` -> `>=`: filing is true only for a POST or for GET, HEAD"
        " or OPTIONS (within_filing), and those three sort before 'POST', so `>=` holds exactly where"
        " `==` does"
    ),
    ("gateway/proxy/handler.py", 321, "ReplaceBinaryOperator_Sub_Mod"): (
        "`time.perf_counter() - started` -> `%`: the clock reads started + elapsed, and (started + "
        "elapsed) % started is elapsed while the call lasts less than the clock's own reading at its "
        "start (on Linux, the time since boot), which no call does"
    ),
    ("gateway/proxy/handler.py", 531, "ReplaceComparisonOperator_Eq_LtE"): (
        "_forward's `message['type'] == 'http.disconnect'` -> `<=`: a receive() gives only "
        "'http.request' or 'http.disconnect' (ASGI), and 'http.request' sorts after "
        "'http.disconnect', so `<=` holds exactly where `==` does"
    ),
    (
        "gateway/proxy/handler.py",
        585,
        "NumberReplacer: retry_after = max(1, round(upstream.breaker.admit() or 0))",
    ): (
        "`admit() or 1` -> `or 0`: the fallback applies only when admit() is 0 (the breaker let the "
        "next call through), and max(1, round(0)) and max(1, round(1)) are both 1"
    ),
    ("gateway/proxy/handler.py", 728, "ReplaceComparisonOperator_Eq_LtE"): (
        "_stream's `message['type'] == 'http.disconnect'` -> `<=`: as at line 531, a receive() gives "
        "only 'http.request' or 'http.disconnect', and 'http.request' sorts after, so `<=` holds "
        "exactly where `==` does"
    ),
    (
        "gateway/proxy/handler.py",
        182,
        'NumberReplacer: credential = value[ 6:].strip().decode("latin-1")',
    ): (
        "_Call's Bearer token `value[7:]` -> `value[6:]`: the line runs only when value[:7] is "
        "'bearer ' (any case), so the extra byte is that space, and strip() drops it either way"
    ),
    (
        "services/credit/ratings/scorecard.py",
        34,
        "ReplaceTrueWithFalse: @dataclass(frozen=False, slots=True)",
    ): (
        "Outcome not frozen: no code assigns to an Outcome's fields once built (frozen only "
        "refuses it)"
    ),
    (
        "services/credit/ratings/scorecard.py",
        34,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): ("Outcome without __slots__: a __dict__ per instance (memory), the same fields and values"),
    (
        "services/credit/ratings/scorecard.py",
        117,
        "ReplaceTrueWithFalse: @dataclass(frozen=False, slots=True)",
    ): (
        "Shape not frozen: no code assigns to a Shape's fields once built (frozen only refuses it)"
    ),
    (
        "services/credit/ratings/scorecard.py",
        117,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): ("Shape without __slots__: a __dict__ per instance (memory), the same fields and values"),
    ("services/credit/ratings/scorecard.py", 155, "NumberReplacer: if len(kinds) == 0:"): (
        "_ids' one-kind shortcut `len(kinds) == 1` -> `== 0` (never taken: `_ids` runs only `if "
        "kinds`): one kind then goes through the union, sorted(set(ids)), which is its ids as "
        "given: records_by_kind lists a kind's ids once each (a record has one kind) in id "
        "order (gather sorts every enterprise's records by id, and frozen disputed ones are "
        "merged by a sort)"
    ),
    ("services/credit/ratings/scorecard.py", 155, "ReplaceComparisonOperator_Eq_Lt"): (
        "`len(kinds) == 1` -> `< 1`: as `== 0` on this line (kinds is never empty here)"
    ),
    ("services/credit/ratings/scorecard.py", 155, "ReplaceComparisonOperator_Eq_LtE"): (
        "`len(kinds) == 1` -> `<= 1`: kinds is never empty here (`_ids` runs only `if kinds`), "
        "so both mean one kind"
    ),
    (
        "services/credit/ratings/scorecard.py",
        156,
        "NumberReplacer: return tuple(ids_by_kind.get(kinds[ -1], ()))",
    ): (
        "`kinds[0]` -> `kinds[-1]` on the one-kind line: a one-item tuple's last item is its "
        "first (the `kinds[1]` variant is killed: IndexError)"
    ),
    ("services/credit/ratings/scorecard.py", 176, "AddNot"): (
        "_LAYOUTS is a cache of each distinct result-name tuple's layout (a pure function of "
        "the names, _Layout.of): clearing it on every miss instead of past 64 entries only "
        "recomputes layouts, never changes one"
    ),
    ("services/credit/ratings/scorecard.py", 176, "NumberReplacer: if len(_LAYOUTS) > 65:"): (
        "the layouts cache cleared past 65 entries, not 64: see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "NumberReplacer: if len(_LAYOUTS) > 63:"): (
        "the layouts cache cleared past 63 entries, not 64: see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "ReplaceComparisonOperator_Gt_Eq"): (
        "the layouts cache cleared at exactly 64 entries: see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "ReplaceComparisonOperator_Gt_GtE"): (
        "the layouts cache cleared at 64 entries or more: see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "ReplaceComparisonOperator_Gt_Lt"): (
        "the layouts cache cleared below 64 entries (every miss here): see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "ReplaceComparisonOperator_Gt_LtE"): (
        "the layouts cache cleared at 64 entries or fewer: see this line's AddNot"
    ),
    ("services/credit/ratings/scorecard.py", 176, "ReplaceComparisonOperator_Gt_NotEq"): (
        "the layouts cache cleared unless it holds exactly 64: see this line's AddNot"
    ),
    (
        "services/credit/ratings/scorecard.py",
        206,
        "NumberReplacer: (p > -1, -p if p > 0 else p, i) for i, (reason, p) in enumerate(factors) if reason and p",
    ): (
        "reason_order's `p > 0` -> `p > -1`: a factor with 0 points gives no reason (`if reason "
        "and p`), and for a non-zero int p, p > -1 is p > 0 (the `p > 1` variant is killed by "
        "test_every_kind_of_factor_reads_its_records_and_inputs: a gain of 1 after gains of 7 "
        "and 5)"
    ),
    (
        "services/credit/ratings/scorecard.py",
        206,
        "NumberReplacer: (p > 0, -p if p > 1 else p, i) for i, (reason, p) in enumerate(factors) if reason and p",
    ): (
        "the positives' key `-p if p > 0` -> `if p > 1`: only a gain of 1 keeps 1 instead of "
        "-1, and both sort after every other gain's -p (at most -2), ties by factor order as "
        "before"
    ),
    (
        "services/credit/ratings/scorecard.py",
        206,
        "NumberReplacer: (p > 0, -p if p > -1 else p, i) for i, (reason, p) in enumerate(factors) if reason and p",
    ): (
        "the positives' key `-p if p > 0` -> `if p > -1`: differs only at p = 0, which gives no "
        "reason"
    ),
    (
        "services/credit/ratings/scorecard.py",
        206,
        "ReplaceComparisonOperator_Gt_GtE: (p >= 0, -p if p > 0 else p, i) for i, (reason, p) in enumerate(factors) if reason and p",
    ): ("`p > 0` -> `p >= 0`: the same for every p but 0, which gives no reason"),
    (
        "services/credit/ratings/scorecard.py",
        206,
        "ReplaceComparisonOperator_Gt_GtE: (p > 0, -p if p >= 0 else p, i) for i, (reason, p) in enumerate(factors) if reason and p",
    ): ("`-p if p > 0` -> `if p >= 0`: the same for every p but 0, which gives no reason"),
    ("services/credit/ratings/scorecard.py", 206, "ReplaceUnaryOperator_USub_Invert"): (
        "the gains' key -p -> ~p (-p - 1): as strictly decreasing in p, so the same order and ties"
    ),
    ("services/credit/ratings/inputs.py", 24, "ReplaceTrueWithFalse"): (
        "EnterpriseInputs without __slots__: a __dict__ per enterprise (memory), the same fields"
    ),
    ("services/credit/ratings/inputs.py", 46, "ReplaceComparisonOperator_Lt_NotEq"): (
        "filing years' `y < day.year` -> `y != day.year`: the years come from gather's read of "
        "filings with `year <= day.year` (the same day), so no year above it is there to be "
        "counted"
    ),
    ("services/credit/ratings/inputs.py", 148, "ReplaceComparisonOperator_Eq_LtE"): (
        "`status == 'active'` -> `<=`: a replica's only other status, 'deregistered', sorts "
        "after it"
    ),
    ("services/credit/ratings/inputs.py", 181, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in gather's signature: session becomes positional-only, as its one caller "
        "(service._rate) passes it; the rest are still passed by keyword"
    ),
    ("services/credit/ratings/inputs.py", 189, "AddNot"): (
        "gather's `scope` only narrows the record and filing reads to the found enterprises' "
        "USCCs: without it (a listed run) every row is read and those of other enterprises are "
        "skipped by `found.get`; with it on a run of all (sorted(found)) the same rows are read "
        "in parts"
    ),
    ("services/credit/ratings/inputs.py", 189, "ReplaceComparisonOperator_IsNot_Is"): (
        "`usccs is not None` -> `is None`: as this line's AddNot, the scope only narrows the reads"
    ),
    ("services/credit/ratings/inputs.py", 204, "ReplaceComparisonOperator_NotEq_Lt"): (
        "`status != 'withdrawn'` -> `<`: a record's other statuses, 'active' and 'repaired', "
        "both sort before it"
    ),
    (
        "services/credit/ratings/inputs.py",
        254,
        "NumberReplacer: rank = quarter or 6  # the annual figure ranks above any quarter's",
    ): (
        "the annual figure's rank 5 -> 6: quarters are 1 to 4, so it still ranks above all of "
        "them (the `or 4` variant is killed by "
        "test_a_years_figure_is_its_annual_report_else_its_last_quarter_the_latest_filing_winning: "
        "a fourth quarter reported after the annual report)"
    ),
    (
        "services/credit/ratings/inputs.py",
        257,
        "NumberReplacer: if held is None or (rank, reported_at, report_id) > held[: 4]:",
    ): (
        "`held[:3]` -> `held[:4]` (with the employees): a 3-tuple sorts before a 4-tuple it "
        "begins only when all three are equal, and report ids are unique (the primary key); "
        "the `held[:2]` variant is killed (two reports at one instant, the higher id filed first)"
    ),
    ("services/credit/ratings/inputs.py", 257, "ReplaceComparisonOperator_Gt_GtE"): (
        "`>` -> `>=` on (rank, reported_at, report_id): equal only for the same report id, "
        "and report ids are unique (the primary key), so no read row ties with the held one"
    ),
    ("services/credit/ratings/inputs.py", 54, "ReplaceComparisonOperator_Eq_LtE"): (
        "kind_of's `polarity == 'loan'` -> `<=`: the other polarities, 'negative' and "
        "'positive', both sort after 'loan'"
    ),
    ("services/common/consumer.py", 116, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in claim_cursor's signature: session and name become positional-only, as "
        "every caller passes them; start is still passed by keyword"
    ),
    ("services/credit/ratings/inputs.py", 21, "NumberReplacer: CHUNK: Final = 501"): (
        "the part size 500 -> 501: the USCC lists are read in parts of any size, every part "
        "(test_a_run_of_1200_listed_enterprises_reads_every_500 and the batch test with parts "
        "of 2 check that no part is lost)"
    ),
    ("services/credit/ratings/inputs.py", 21, "NumberReplacer: CHUNK: Final = 499"): (
        "the part size 500 -> 499: as 501 on this line"
    ),
    ("services/credit/ratings/run.py", 71, "ReplaceComparisonOperator_NotEq_Lt"): (
        "execute_run's claim `rowcount != 1` -> `< 1`: the update names one primary key, so the "
        "count is 0 or 1"
    ),
    ("services/credit/ratings/run.py", 108, "NumberReplacer: .limit( 2)"): (
        "run_queued's `.limit(1)` -> `.limit(2)`: `.first()` reads one row either way (the "
        "oldest; `.limit(0)` is killed)"
    ),
    (
        "services/credit/ratings/run.py",
        119,
        "NumberReplacer: _rate_run(session, found[ -1], utcnow())",
    ): ("`found[0]` -> `found[-1]`: the row has one column, the run's id"),
    ("services/credit/ratings/run.py", 123, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in apply_rating_events' signature: session becomes positional-only, as "
        "every caller passes it; `at` is still passed by keyword"
    ),
    ("services/credit/ratings/run.py", 190, "ReplaceComparisonOperator_Eq_IsNot"): (
        "the anniversaries' `status == ACTIVE` -> `is not` (no filter): the enterprises it adds "
        "are not active, and a rating pass reads only active ones (inputs.gather), so no rating "
        "changes; `!=` and `>` are killed (the active enterprise's anniversary is then missed)"
    ),
    ("services/credit/ratings/service.py", 72, "ReplaceTrueWithFalse"): (
        "RateCounts' `slots=True` -> `False`: an internal value object; no attribute is set "
        "outside its fields"
    ),
    ("services/credit/ratings/service.py", 93, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _currents' signature: with_inputs is passed by keyword by its one caller"
    ),
    ("services/credit/ratings/service.py", 176, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _rate's signature: every argument after session is passed by keyword by "
        "its one caller (rate)"
    ),
    (
        "services/credit/ratings/service.py",
        198,
        "NumberReplacer: key_of = itemgetter(*declared) if len(declared) > 2 "
        "else lambda v: tuple(v[n] for n in declared)",
    ): (
        "the inputs' key: with two declared inputs the lambda builds the same tuple itemgetter "
        "does (a key of one pass's cache, never stored)"
    ),
    (
        "services/credit/ratings/service.py",
        198,
        "NumberReplacer: key_of = itemgetter(*declared) if len(declared) > 0 "
        "else lambda v: tuple(v[n] for n in declared)",
    ): (
        "the inputs' key: with one declared input itemgetter gives the value, not a 1-tuple; "
        "either is a hashable key that tells the same combinations apart (inputs are plain "
        "numbers and booleans)"
    ),
    ("services/credit/ratings/service.py", 198, "ReplaceComparisonOperator_Gt_GtE"): (
        "`len(declared) > 1` -> `>= 1`: as `> 0` on this line"
    ),
    ("services/credit/ratings/service.py", 294, "ReplaceComparisonOperator_Eq_GtE"): (
        "`dialect.name == 'sqlite'` -> `>=`: the two dialects served are 'sqlite' (equal) and "
        "'postgresql' (sorts before), so `>=` holds exactly when `==` does"
    ),
    ("services/credit/ratings/service.py", 294, "ReplaceComparisonOperator_Eq_Is"): (
        "`dialect.name == 'sqlite'` -> `is`: SQLAlchemy's dialect sets `name` from the same "
        "interned literal"
    ),
    ("services/credit/ratings/service.py", 316, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in rating_at's signature: every caller passes uscc and at by keyword"
    ),
    ("services/credit/ratings/run.py", 190, "ReplaceComparisonOperator_Eq_GtE"): (
        "the anniversaries' `status == 'active'` -> `>=`: the replica's statuses are 'active' "
        "and 'deregistered' (sorts after), so no filter: as `is not` on this line"
    ),
    (
        "services/credit/ratings/run.py",
        114,
        "NumberReplacer: .where(col(RatingRun.id) == found[ -1], col(RatingRun.status) == QUEUED)",
    ): ("`found[0]` -> `found[-1]`: the row has one column, the run's id"),
    ("services/credit/ratings/run.py", 117, "ReplaceComparisonOperator_NotEq_Lt"): (
        "run_queued's claim `rowcount != 1` -> `< 1`: the update names one primary key, so the "
        "count is 0 or 1 (`> 1` is killed: a run taken meanwhile)"
    ),
    ("services/credit/ratings/run.py", 193, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "anniversaries' `!=` -> `is not` on years in operation: the same for years up to 256 "
        "(cached small ints); past that an enterprise is rated again needlessly, and a rating "
        "that did not change writes nothing (its fingerprint)"
    ),
    ("services/credit/ratings/service.py", 45, "NumberReplacer: WRITE_CHUNK: Final = 1999"): (
        "the insert's part size 2000 -> 1999: every part is written"
    ),
    ("services/credit/ratings/service.py", 189, "AddNot"): (
        "_currents for a listed pass reads every open rating instead of the listed ones' (and "
        "a full pass only the found ones', which are every active enterprise with a rating): "
        "only found enterprises' are used"
    ),
    ("services/credit/ratings/service.py", 189, "ReplaceComparisonOperator_IsNot_Is"): (
        "as the AddNot on this line"
    ),
    ("services/credit/ratings/run.py", 163, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in rate_date_changes' signature: session becomes positional-only, as every "
        "caller passes it; `at` is still passed by keyword"
    ),
    ("services/credit/ratings/service.py", 45, "NumberReplacer: WRITE_CHUNK: Final = 2001"): (
        "the insert's part size 2000 -> 2001: as 1999 on this line"
    ),
    (
        "services/credit/ratings/service.py",
        61,
        "ReplaceTrueWithFalse: @dataclass(frozen=False, slots=True)",
    ): (
        "Current's `frozen=True` -> `False`: an internal value object, never assigned to (a "
        "disputed record's inputs make a new one)"
    ),
    (
        "services/credit/ratings/service.py",
        61,
        "ReplaceTrueWithFalse: @dataclass(frozen=True, slots=False)",
    ): ("Current's `slots=True` -> `False`: no attribute is set outside its fields"),
    ("services/credit/ratings/run.py", 190, "ReplaceComparisonOperator_Eq_LtE"): (
        "the anniversaries' `status == 'active'` -> `<=`: no status sorts before 'active' "
        "('deregistered' is the other), so `<=` holds exactly when `==` does"
    ),
    ("services/credit/ratings/run.py", 195, "ReplaceComparisonOperator_NotEq_Lt"): (
        "the new year's `after.year != today.year` -> `<`: `after` is the day before a day not "
        "yet done, so its year is never after today's"
    ),
    ("services/credit/ratings/service.py", 198, "ReplaceComparisonOperator_Gt_Eq"): (
        "the inputs' key: `len(declared) > 1` -> `== 1`: as `> 0` on this line for one input; "
        "for several the lambda builds the tuple itemgetter would"
    ),
    ("services/credit/ratings/service.py", 279, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _write's signature: its one caller passes everything after session by "
        "keyword"
    ),
    ("services/credit/ratings/service.py", 290, "ReplaceComparisonOperator_NotEq_Lt"): (
        "the closed count `!= len(chunk)` -> `<`: the update names the part's ids, so it closes "
        "at most that many"
    ),
    ("services/credit/ratings/service.py", 322, "NumberReplacer: .limit( 2)"): (
        "rating_at's `.limit(1)` -> `.limit(2)`: `.first()` reads one row either way (the "
        "latest; `.limit(0)` is killed)"
    ),
    (
        "services/credit/ratings/service.py",
        324,
        "NumberReplacer: return found[ -1] if found is not None else None",
    ): ("`found[0]` -> `found[-1]`: the row holds one entity, the rating"),
    ("services/credit/ratings/run.py", 193, "ReplaceComparisonOperator_NotEq_Lt"): (
        "anniversaries' `!=` -> `<` on full years: `after` is before today, and full years "
        "never fall as the day moves on"
    ),
    ("services/common/unitofwork.py", 164, "ReplaceComparisonOperator_IsNot_NotEq"): (
        "_answered's `kind is not Exception` -> `!=`: classes compare equal only to themselves "
        "(type's __eq__ is identity), so both skip exactly Exception"
    ),
    ("services/vouchers/providers/service.py", 120, "ReplaceComparisonOperator_Gt_NotEq"): (
        "_own_id's `len(org) > len('prv_')` -> `!=`: the line before requires org to start "
        "with 'prv_', so it is never shorter, and longer is the only way to differ"
    ),
    ("services/vouchers/providers/service.py", 121, "ReplaceComparisonOperator_LtE_Lt"): (
        "_own_id's `set(org) <= ID_CHARS` -> `<` (a proper subset): org has at most 40 "
        "characters (the line before) and ID_CHARS 64, so its set never equals ID_CHARS"
    ),
    ("services/vouchers/providers/service.py", 201, "ReplaceComparisonOperator_Eq_GtE"): (
        "_page's `len(kept) == limit` -> `>=`: kept grows by one from empty and the page "
        "returns as soon as it holds `limit` rows, so it never holds more (`is` is killed by "
        "test_a_page_of_more_than_256_stops_at_its_limit)"
    ),
    ("services/vouchers/providers/service.py", 120, "ReplaceComparisonOperator_Gt_IsNot"): (
        "_own_id's `len(org) > len('prv_')` -> `is not`: org starts with 'prv_' and has at most "
        "40 characters (the lines before), so both lengths are small ints, which CPython keeps "
        "one object each of, and `is not` is `!=`, which is `>` here (line 120's other mutant)"
    ),
    ("services/vouchers/providers/service.py", 291, "ReplaceComparisonOperator_Eq_LtE"): (
        "decide's `target == APPROVED` -> `<=`: the other targets ('refused', 'removed', "
        "'suspended') all sort after 'approved', so `<=` holds only for it"
    ),
    ("services/funding/bases/service.py", 479, "ReplaceComparisonOperator_Eq_Is"): (
        "decide's `data.decision == 'admit'` -> `is`: pydantic validates a Literal field to the "
        "Literal's own value object, the same interned constant as the one compared with"
    ),
    ("services/vouchers/programmes/service.py", 204, "ReplaceComparisonOperator_NotEq_Gt"): (
        "list_programmes' `principal.kind != ADMIN` -> `>`: 'admin' sorts before every other "
        "ClientKind value, so any other kind is greater"
    ),
    ("services/vouchers/programmes/service.py", 260, "ReplaceComparisonOperator_Eq_Is"): (
        "update_programme's `name == 'name'` -> `is`: the names come from model_fields_set, which "
        "holds the model's own field-name strings, interned identifiers like the literal"
    ),
    ("services/vouchers/providers/service.py", 231, "ReplaceComparisonOperator_Eq_Is"): (
        "list_providers' `principal.kind == PROVIDER` -> `is`: a Principal's kind is always a "
        "ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/vouchers/programmes/service.py", 183, "ReplaceComparisonOperator_NotEq_Gt"): (
        "get_programme's `principal.kind != ADMIN` -> `>`: 'admin' sorts before every other "
        "ClientKind value, so any other kind is greater"
    ),
    ("services/vouchers/programmes/service.py", 183, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "get_programme's `principal.kind != ADMIN` -> `is not`: a ClientKind member, and enum "
        "members are singletons, so identity and equality agree"
    ),
    ("services/vouchers/programmes/service.py", 238, "ReplaceComparisonOperator_Eq_GtE"): (
        "update_programme's `status == OPEN` -> `>=`: a closed programme was refused on the line "
        "before, and of 'draft' and 'open' only 'open' is >= 'open'"
    ),
    ("services/vouchers/providers/service.py", 210, "NumberReplacer"): (
        "_query's `decode_cursor(cursor, 1)[0]` -> `[-1]`: the cursor holds exactly one value "
        "(decode_cursor refuses any other arity), so the first is the last"
    ),
    ("services/vouchers/providers/service.py", 287, "ReplaceComparisonOperator_NotEq_Gt"): (
        "decide's `data.decision != 'approve'` -> `>`: the other decisions ('refuse', "
        "'remove', 'suspend') all sort after 'approve'"
    ),
    ("services/vouchers/providers/service.py", 291, "ReplaceComparisonOperator_Eq_Is"): (
        "decide's `target == APPROVED` -> `is`: target comes from the DECISIONS table, built from "
        "the very constants compared with, so identity and equality agree"
    ),
    ("services/funding/bases/service.py", 393, "ReplaceComparisonOperator_Eq_LtE"): (
        "admitted_bases' `status == 'admitted'` -> `<=`: the other statuses ('exited', 'filed', "
        "'refused') all sort after 'admitted'"
    ),
    ("services/funding/bases/service.py", 529, "ReplaceComparisonOperator_NotEq_Gt"): (
        "exit_base_for's `status != 'admitted'` -> `>`: the other statuses ('exited', 'filed', "
        "'refused') all sort after 'admitted', so `>` holds exactly where `!=` does"
    ),
    ("services/vouchers/programmes/service.py", 204, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "list_programmes' `principal.kind != ADMIN` -> `is not`: a ClientKind member, and enum "
        "members are singletons, so identity and equality agree"
    ),
    ("services/vouchers/programmes/service.py", 236, "ReplaceComparisonOperator_Eq_LtE"): (
        "update_programme's `status == 'closed'` -> `<=`: 'closed' sorts before 'draft' and "
        "'open', so only a closed programme is <= 'closed'"
    ),
    ("services/vouchers/programmes/service.py", 247, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "update_programme's `name != 'rule_set_id'` -> `is not`: the names come from "
        "model_fields_set, the model's own interned field-name strings, like the literal"
    ),
    ("services/vouchers/programmes/service.py", 258, "ReplaceComparisonOperator_Eq_Is"): (
        "update_programme's `name == 'categories'` -> `is`: model_fields_set's names are the "
        "model's own interned field-name strings, like the literal"
    ),
    ("services/vouchers/programmes/service.py", 280, "ReplaceComparisonOperator_NotEq_Lt"): (
        "update_programme's `rowcount != 1` -> `< 1`: an UPDATE by primary key matches 0 or 1 "
        "rows, so `!= 1` is `< 1`"
    ),
    ("services/vouchers/programmes/service.py", 312, "ReplaceComparisonOperator_Eq_Is"): (
        "_move's `target == OPEN` -> `is`: its callers pass the module's constants OPEN and "
        "CLOSED themselves, so identity and equality agree"
    ),
    ("services/vouchers/programmes/service.py", 322, "ReplaceComparisonOperator_Eq_GtE"): (
        "the event name's `target == OPEN` -> `>=`: the targets are 'open' and 'closed', and "
        "'closed' sorts before 'open'"
    ),
    ("services/vouchers/programmes/service.py", 322, "ReplaceComparisonOperator_Eq_Is"): (
        "the event name's `target == OPEN` -> `is`: the callers pass the module's constants "
        "themselves, so identity and equality agree"
    ),
    ("services/vouchers/providers/service.py", 287, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "decide's `data.decision != 'approve'` -> `is not`: pydantic validates a Literal field "
        "to the Literal's own value object, the same interned constant as the one compared with"
    ),
    ("services/vouchers/programmes/service.py", 203, "ReplaceComparisonOperator_Eq_GtE"): (
        "the public list's `status == 'open'` -> `>=`: 'open' sorts after 'closed' and 'draft', "
        "so only open programmes are >= 'open'"
    ),
    ("services/vouchers/programmes/service.py", 266, "ReplaceComparisonOperator_Eq_GtE"): (
        "update_programme's `version == programme.version` -> `>=`: the row has been locked since "
        "it was read (get_programme(lock=True); SQLite: BEGIN IMMEDIATE), so its version is the "
        "one read and the condition is a second guard that never decides"
    ),
    ("services/vouchers/programmes/service.py", 266, "ReplaceComparisonOperator_Eq_LtE"): (
        "update_programme's `version == programme.version` -> `<=`: the row is locked since it "
        "was read, so its version is the one read (as `>=` on this line)"
    ),
    ("services/vouchers/programmes/service.py", 266, "ReplaceComparisonOperator_Eq_IsNot"): (
        "update_programme's version condition -> `is not` (a Python True, so no condition): the "
        "row is locked since it was read, so the condition never decides (as `>=` on this line)"
    ),
    ("services/funding/bases/service.py", 479, "ReplaceComparisonOperator_Eq_LtE"): (
        "decide's `data.decision == 'admit'` -> `<=`: the other decision, 'refuse', sorts after "
        "'admit'"
    ),
    ("services/vouchers/programmes/service.py", 301, "ReplaceBinaryOperator_Mul_Div"): (
        "`*` -> `/` in _move's signature: session, principal, programme_id and precondition "
        "become positional-only, as its two callers (open_programme, close_programme) pass "
        "them, and both pass source and target by keyword, which a plain parameter also takes"
    ),
    ("services/vouchers/programmes/service.py", 312, "ReplaceComparisonOperator_Eq_GtE"): (
        "_move's `target == OPEN` -> `>=`: the targets are 'open' and 'closed', and 'closed' "
        "sorts before 'open', so `>=` holds only for 'open' (`<=` is killed by "
        "test_a_programme_closes_on_a_day_no_default_rules_are_in_force)"
    ),
    ("services/funding/bases/service.py", 279, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "_district_of's `principal.kind != DEPARTMENT` -> `is not`: a Principal's kind is always "
        "a ClientKind member (built with ClientKind(...)), and enum members are singletons"
    ),
    ("services/funding/bases/service.py", 296, "ReplaceComparisonOperator_NotEq_IsNot"): (
        "require_responsible's `principal.kind != DEPARTMENT` -> `is not`: a ClientKind member, "
        "and enum members are singletons, so identity and equality agree"
    ),
}


@dataclass(frozen=True)
class Mutant:
    """One mutation and what the tests made of it."""

    path: str
    line: int
    operator: str
    outcome: str
    change: str


def copy_tree(tree: Path = TREE) -> None:
    """The tracked files (and untracked, not ignored ones) in a scratch copy that gets mutated."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    if tree.exists():
        shutil.rmtree(tree)
    for raw in filter(None, listed):
        name = raw.decode()
        source = ROOT / name
        if source.is_file():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # Bytecode checked by the source's hash: each mutant's fork reads the unmutated modules'
    # compiled code, and compiles only the mutated file (whose hash no longer matches).
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode=checked-hash", str(tree)],
        check=True,
        capture_output=True,
    )


FORK = TREE / "tools" / "mutate_fork.py"  # the copy: editing tools/ leaves a run alone


def pytest_args(target: Target) -> list[str]:
    """Stop at the first failure: one is enough to kill a mutant."""
    return ["-x", "-q", "--no-header", "--tb=line", "-p", "no:xdist", *target.tests]


def _sources(target: Target) -> list[Path]:
    """The target's Python files in the scratch tree."""
    return [
        p
        for path in target.paths
        for p in ([TREE / path] if (TREE / path).is_file() else sorted((TREE / path).rglob("*.py")))
    ]


def selection_map(name: str, target: Target, env: dict[str, str]) -> Path | str:
    """Run the target's tests once under coverage with a context per test; write, for each
    function body and each line of the target, the tests that ran it (as indices into one list
    of tests), and a pristine copy to diff against."""
    from coverage import CoverageData

    data_file = WORK / f"{name}.coverage"
    data_file.unlink(missing_ok=True)
    sources = _sources(target)
    places = sorted({str(p.parent.relative_to(TREE)) for p in sources})
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args(target), "-p", "no:randomly"]
        + [f"--cov={place}" for place in places]
        + ["--cov-context=test", "--cov-report="],
        cwd=TREE,
        env={**env, "COVERAGE_FILE": str(data_file)},
        capture_output=True,
        text=True,
    )
    if ran.returncode != 0:
        return f"coverage run failed (exit {ran.returncode}): {ran.stdout[-400:]}"
    data = CoverageData(basename=str(data_file))
    data.read()
    order = {test: i for i, test in enumerate(target.tests)}
    pristine = WORK / f"{name}.pristine"
    if pristine.exists():
        shutil.rmtree(pristine)
    index: dict[str, int] = {}  # each test's number in the map

    def ranked(tests: set[str]) -> list[int]:
        ordered = sorted(tests, key=lambda t: (order.get(t.split("::")[0], 0), t))
        return [index.setdefault(test, len(index)) for test in ordered]

    files: dict[str, dict[str, Any]] = {}
    for source in sources:
        relative = str(source.relative_to(TREE))
        (pristine / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, pristine / relative)
        by_line = data.contexts_by_lineno(str(source))
        lines = {
            str(line): ranked({context.rsplit("|", 1)[0] for context in contexts if context})
            for line, contexts in by_line.items()
        }
        spans = []
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first, last = node.body[0].lineno, node.end_lineno or node.lineno
                tests = {
                    context.rsplit("|", 1)[0]
                    for line in range(first, last + 1)
                    for context in by_line.get(line, [])
                    if context
                }
                spans.append((first, last, ranked(tests)))
        files[relative] = {"spans": spans, "lines": lines}
    selection = WORK / f"{name}.select.json"
    selection.write_text(
        json.dumps({"pristine": str(pristine), "tests": list(index), "files": files}), "utf-8"
    )
    return selection


@contextmanager
def warm_pytest(
    name: str, target: Target, env: dict[str, str], databases: list[str], selection: Path
) -> Iterator[list[str]]:
    """A fork server with the run's third-party imports done; yields the per-mutant command."""
    listing = WORK / f"{name}.modules"
    sock = WORK / f"{name}.sock"
    server = subprocess.Popen(
        [sys.executable, str(FORK), "serve", str(sock), str(TREE)],
        cwd=TREE,
        env=env,
        stdin=listing.open("rb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"the fork server for {name} did not start")
        each = [word for database in databases for word in ("--database", database)]
        each += ["--select", str(selection)]
        yield [sys.executable, str(FORK), "run", str(sock), *each, "--", *pytest_args(target)]
    finally:
        server.kill()
        server.wait()


def line_ranges(path: Path, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """The line spans of the named definitions in one file: a top-level function or class, a
    method (`Class.method`), or a span of lines (`12-40`, for module-level statements)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    spans = [tuple(int(n) for n in name.split("-", 1)) for name in names if "-" in name]
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        members = [node] + [
            child
            for child in node.body
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for member in members:
            name = member.name if member is node else f"{node.name}.{member.name}"
            if name in names:
                first = min([member.lineno] + [d.lineno for d in member.decorator_list])
                spans.append((first, member.end_lineno or member.lineno))
    return [(a, b) for a, b in spans]


def changed_line(diff: str | None) -> str:
    """The mutated line as the diff shows it."""
    for line in (diff or "").splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            return line[1:].strip()
    return ""


@dataclass
class Timing:
    """Seconds for one test run: cold (a fresh interpreter) and warm (a fork of the server)."""

    cold: float = 0.0
    warm: float = 0.0
    per_mutant: float = 0.0


def run_target(
    name: str,
    target: Target,
    env: dict[str, str],
    timing: Timing,
    databases: list[str],
    again: bool,
) -> list[Mutant] | str:
    """Mutate one target; its mutants, or why it could not run."""
    started = time.monotonic()
    listing = WORK / f"{name}.modules"
    cold = [sys.executable, str(FORK), "modules", str(TREE), str(listing), "--"]
    baseline = subprocess.run(
        [*cold, *pytest_args(target)], cwd=TREE, env=env, capture_output=True, text=True
    )
    if baseline.returncode != 0:
        return f"baseline failed (exit {baseline.returncode}): {baseline.stdout[-400:]}"
    timing.cold = time.monotonic() - started
    selection = selection_map(name, target, env)
    if isinstance(selection, str):
        return selection
    with warm_pytest(name, target, env, databases, selection) as command:
        started = time.monotonic()
        baseline = subprocess.run(command, cwd=TREE, env=env, capture_output=True, text=True)
        if baseline.returncode != 0:
            return f"warm baseline failed (exit {baseline.returncode}): {baseline.stdout[-400:]}"
        timing.warm = time.monotonic() - started
        mutants = mutate(name, target, env, command, timing, again)
    return mutants


def _key(item: Any) -> tuple[str, str, int, tuple[int, int]]:
    spec = item.mutations[0]
    return (str(spec.module_path), spec.operator_name, spec.occurrence, tuple(spec.start_pos))


def _previous(session: Path) -> dict[tuple[str, str, int, tuple[int, int]], Any]:
    """The last session's settled results (kills and equivalents), by mutant; the others (the
    unexplained survivors, timeouts and errors) are left out and run again."""
    from cosmic_ray.work_db import WorkDB, use_db

    if not session.exists():
        return {}
    kept = {}
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            spec = item.mutations[0]
            operator = spec.operator_name.removeprefix("core/")
            mutant = Mutant(
                str(spec.module_path), spec.start_pos[0], operator, "", changed_line(result.diff)
            )
            settled = result.output != "timeout" and INFRA_MARK not in (result.output or "")
            settled &= result.test_outcome is not None and result.test_outcome.value == "killed"
            if settled or equivalent_reason(mutant):
                kept[_key(item)] = result
    return kept


def mutate(
    name: str,
    target: Target,
    env: dict[str, str],
    command: list[str],
    timing: "Timing",
    again: bool = False,
) -> list[Mutant] | str:
    """cosmic-ray's init and exec with `command` as the test command; the mutants' outcomes.

    `again`: keep the last session's kills and equivalents, run only the rest (after the tests
    changed; the mutated source must be unchanged, so that each mutant is the same code).
    """
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    config = WORK / f"{name}.toml"
    session = WORK / f"{name}.sqlite"
    previous = _previous(session) if again else {}
    paths = ", ".join(f'"{p}"' for p in target.paths)
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = [{paths}]\n"
        f"timeout = {max(60.0, 5 * timing.warm + 20):.0f}\n"  # a loaded machine is no kill
        "excluded-modules = []\n"
        f"test-command = {shlex.join(command)!r}\n"
        '\n[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )
    cosmic = [sys.executable, "-m", "cosmic_ray.cli"]
    subprocess.run(
        [*cosmic, "init", str(config), str(session), "--force"], cwd=TREE, env=env, check=True
    )
    if target.only:
        spans = {str(p.relative_to(TREE)): line_ranges(p, target.only) for p in _sources(target)}
        if not any(spans.values()):
            return f"none of {', '.join(target.only)} in {' '.join(target.paths)}"
        with use_db(str(session), WorkDB.Mode.open) as db:
            for item in list(db.pending_work_items):
                spec = item.mutations[0]
                line = spec.start_pos[0]
                inside = any(a <= line <= b for a, b in spans.get(str(spec.module_path), []))
                if not inside:
                    db.set_result(
                        item.job_id,
                        WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="outside target"),
                    )
    if previous:
        with use_db(str(session), WorkDB.Mode.open) as db:
            for item in list(db.pending_work_items):
                if _key(item) in previous:
                    db.set_result(item.job_id, previous[_key(item)])
    with use_db(str(session), WorkDB.Mode.open) as db:
        pending = db.num_work_items - db.num_results
    started = time.monotonic()
    subprocess.run([*cosmic, "exec", str(config), str(session)], cwd=TREE, env=env, check=True)
    timing.per_mutant = (time.monotonic() - started) / max(pending, 1)
    return outcomes(session)


def outcomes(session: Path) -> list[Mutant]:
    """The mutants a cosmic-ray session has run so far, with what the tests made of them."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome

    mutants = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            spec = item.mutations[0]
            if INFRA_MARK in (result.output or ""):
                outcome = "error"  # the fork server failed: not a kill
            elif result.worker_outcome == WorkerOutcome.EXCEPTION and UNBUILT in (
                result.output or ""
            ):
                outcome = "unbuilt"  # cosmic-ray could not write this mutant: no code to test
            elif result.worker_outcome != WorkerOutcome.NORMAL:
                outcome = str(result.worker_outcome.value)
            elif result.output == "timeout":
                outcome = "timeout"  # cosmic-ray counts it killed; listed so it can be checked
            else:
                outcome = str(result.test_outcome.value)
            mutants.append(
                Mutant(
                    path=str(spec.module_path),
                    line=spec.start_pos[0],
                    operator=spec.operator_name.removeprefix("core/"),
                    outcome=outcome,
                    change=changed_line(result.diff),
                )
            )
    return sorted(mutants, key=lambda m: (m.path, m.line, m.operator))


def main() -> int:
    """Run the chosen targets and print the table and the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help=f"some of: {', '.join(TARGETS)}")
    parser.add_argument("--list", action="store_true", help="print the targets and their tests")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated top-level functions or classes, Class.method, or line spans (12-40): "
        "mutate only these (a quick, partial run)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="after the tests changed: keep the last run's kills and equivalents, run the rest",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="print what the targets' last (or running) sessions have so far; run nothing",
    )
    args = parser.parse_args()
    if args.list:
        for name, target in TARGETS.items():
            part = f" ({', '.join(target.only)})" if target.only else ""
            part += " [on SQLite and PostgreSQL: MUTATE_POSTGRES_URL]" if target.postgres else ""
            print(f"{name:15} {' '.join(target.paths)}{part}\n{'':15} <- {' '.join(target.tests)}")
        return 0
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    chosen = args.targets or list(TARGETS)
    only = tuple(filter(None, args.only.split(",")))

    WORK.mkdir(parents=True, exist_ok=True)
    if not args.report:
        copy_tree()
    # A same-size mutation within the same second would otherwise run a stale .pyc.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    print(HEADER, flush=True)
    failed = False
    for name in chosen:
        target = TARGETS[name]
        if only:
            target = Target(target.paths, target.tests, only, target.postgres)
        if args.report:
            session = WORK / f"{name}.sqlite"
            print(row(name, outcomes(session), Timing()) if session.exists() else f"{name:14}-")
            continue
        # PostgreSQL targets run there too (`make mutate` passes MUTATE_POSTGRES_URL: this
        # machine's server); the others on SQLite, or where TEST_POSTGRES_URL says.
        # A PostgreSQL target's mutant is tested on SQLite, then (if it survived) on PostgreSQL.
        target_env, databases = env, []
        if target.postgres:
            url = env.get("MUTATE_POSTGRES_URL") or env.get("TEST_POSTGRES_URL")
            if not url:
                print(f"{name:14}needs MUTATE_POSTGRES_URL (its PostgreSQL-only path)")
                failed = True
                continue
            target_env, databases = {**env, "TEST_POSTGRES_URL": url}, ["", url]
        timing = Timing()
        result = run_target(name, target, target_env, timing, databases, args.again)
        if isinstance(result, str):
            print(f"{name:14}{result}", flush=True)
            failed = True
            continue
        print(row(name, result, timing), flush=True)
        failed |= any(m.outcome not in ("killed", "timeout", "survived", "unbuilt") for m in result)
        failed |= any(unexplained(m) for m in result)
    return 1 if failed else 0


HEADER = (
    f"{'target':14}{'mutants':>8}{'killed':>7}{'timeout':>8}{'equiv':>6}{'survived':>9}"
    f"{'other':>6}{'cold s':>7}{'warm s':>7}{'s/mutant':>9}"
)


def unexplained(m: Mutant) -> bool:
    """A survivor not listed as an equivalent mutant."""
    return m.outcome == "survived" and not equivalent_reason(m)


def equivalent_reason(m: Mutant) -> str | None:
    """Why `m` is equivalent, if listed: by (file, line, operator), or where two mutants of one
    operator share a line, by (file, line, "operator: the mutated line")."""
    return EQUIVALENT.get((m.path, m.line, m.operator)) or EQUIVALENT.get(
        (m.path, m.line, f"{m.operator}: {m.change}")
    )


def row(name: str, mutants: list[Mutant], timing: Timing) -> str:
    """One target's line of the table, then its survivors (equivalent ones with the reason)."""
    count = {o: sum(m.outcome == o for m in mutants) for o in ("killed", "timeout", "survived")}
    survived = [m for m in mutants if m.outcome == "survived"]
    equivalent = len(survived) - sum(map(unexplained, survived))
    lines = [
        f"{name:14}{len(mutants):8}{count['killed']:7}{count['timeout']:8}{equivalent:6}"
        f"{count['survived'] - equivalent:9}{len(mutants) - sum(count.values()):6}"
        f"{timing.cold:7.1f}{timing.warm:7.1f}{timing.per_mutant:9.1f}"
    ]
    for m in survived:
        reason = equivalent_reason(m)
        note = f"  [equivalent: {reason}]" if reason else "  SURVIVED"
        lines.append(f"    {m.path}:{m.line}  {m.operator}  {m.change}{note}")
    for m in mutants:
        if m.outcome not in ("killed", "survived"):
            lines.append(f"    {m.path}:{m.line}  {m.operator}  {m.change}  [{m.outcome}]")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
