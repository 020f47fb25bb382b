"""Reward runs: a year's passed bases rewarded from a budget line by a version of its rules.

A run, in one transaction:
1. takes the version of `funding.reward.<line>` named (it must be in force on a day of the
   year) and, when committing, inserts the run row (unique year, line and version: a rerun or a
   concurrent twin is a 409, and a dry run of a committed one is refused the same way);
2. when committing, marks that version used before reading it for the figures, so a
   replacement racing the run is refused (`rule_set_in_use`) or read by it;
3. takes every base whose acceptance for the year passed, with its KPIs for the year, and its
   paying account: its district's block `block:<year>:<line>:<district>`, or the line itself
   `line:<year>:<line>` when the district has no block;
4. evaluates each base's `reward_fen` with the kernel's trace, then per account scales the
   rewards pro rata to exactly its balance where they exceed it (`shares.scale_to_cap`);
5. when committing, proposes one disbursement per non-zero award together
   (`disbursements.propose_many`: one ledger transfer moves each account's part → `payable` at
   once, and the ledger's database guard refuses an overspend by a concurrent run: the whole
   run rolls back), stores the lines with their traces and emits `reward_run.committed`.

A dry run does steps 1, 3 and 4 and stores nothing; it answers the figures a commit would.
A base is rewarded for a year it passed whatever its status now (one that exited since, too).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.db import dialect_insert
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules import RuleSet, compiled_rule_set, mark_used
from services.common.rules.schemas import RuleSetTraceStep
from services.funding.acceptance.models import PASSED, Acceptance
from services.funding.bases.models import Base, BaseKpi
from services.funding.disbursements import service as disbursements
from services.funding.disbursements.models import CANCELLED, REWARD, Disbursement
from services.funding.ledger.models import LedgerAccount
from services.funding.rewards import errors
from services.funding.rewards.models import RewardLine, RewardRun
from services.funding.rewards.rules import (
    AccountFigure,
    NegativeReward,
    RewardCandidate,
    compute_rewards,
    reward_family,
)
from services.funding.rewards.schemas import (
    RewardAccountPublic,
    RewardLinePublic,
    RewardRunCreate,
    RewardRunDetailPublic,
    RewardRunFilters,
    RewardRunPublic,
)

RUN_PREFIX, LINE_PREFIX = "rwr", "rwl"
COMMITTED_EVENT = "reward_run.committed"


def line_account(year: int, budget_line: str) -> str:
    """The budget line's account for the year."""
    return f"line:{year}:{budget_line}"


def block_account(year: int, budget_line: str, district: str) -> str:
    """A district's block of the budget line for the year."""
    return f"block:{year}:{budget_line}:{district}"


def rule_set_label(family: str, version: int) -> str:
    """How a disbursement names the rule-set version it was computed by."""
    return f"{family}@{version}"


def _rule_set(session: Session, *, family: str, version: int, year: int) -> RuleSet:
    rule_set = session.exec(
        select(RuleSet).where(col(RuleSet.family) == family, col(RuleSet.version) == version)
    ).one_or_none()  # (family, version) is unique
    if rule_set is None:
        raise errors.RewardRuleSetUnknown.for_field(
            "body.rule_set_version", f"{family} has no version {version}"
        )
    first, last = date(year, 1, 1), date(year, 12, 31)
    if rule_set.effective_from > last or (
        rule_set.effective_to is not None and rule_set.effective_to < first
    ):
        period = f"{rule_set.effective_from} to {rule_set.effective_to or 'open-ended'}"
        raise errors.RewardRuleSetNotForYear.for_field(
            "body.rule_set_version",
            f"version {version} of {family} is in force {period}, on no day of {year}",
        )
    return rule_set


def _committed(session: Session, *, year: int, budget_line: str, version: int) -> str | None:
    return session.exec(
        select(RewardRun.id).where(
            col(RewardRun.year) == year,
            col(RewardRun.budget_line) == budget_line,
            col(RewardRun.rule_set_version) == version,
        )
    ).first()


def _exists_problem(year: int, budget_line: str, version: int, run_id: str | None) -> Exception:
    which = f" ({run_id})" if run_id else ""
    return errors.RewardRunExists(
        f"{year} {budget_line} has been rewarded by rule-set version {version} already{which}; "
        "a new run needs a new version of the rules."
    )


def _claim_run(session: Session, run: dict[str, Any]) -> bool:
    # RETURNING says whether the row went in (a concurrent twin waits on the unique index on
    # PostgreSQL, then conflicts).
    claimed = session.execute(
        dialect_insert(session)(RewardRun)
        .values(**run)
        .on_conflict_do_nothing(index_elements=["year", "budget_line", "rule_set_version"])
        .returning(col(RewardRun.id))
    ).scalar_one_or_none()
    return claimed is not None


def _serialise_runs(session: Session, *, year: int, budget_line: str) -> None:
    """One committing run per year and line at a time (whatever its version), so two runs never
    both find a base not yet rewarded (SQLite's write transaction already serialises them)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(7003, hashtext(current_schema() || ':' || :key))"),
            {"key": f"reward:{year}:{budget_line}"},
        )


def _awarded(session: Session, *, year: int, budget_line: str) -> set[str]:
    """The bases with a live (not cancelled) reward of this year and line, from any run."""
    rows = session.execute(
        select(RewardLine.base_id)
        .join(RewardRun, col(RewardRun.id) == col(RewardLine.run_id))
        .join(Disbursement, col(Disbursement.id) == col(RewardLine.disbursement_id))
        .where(
            col(RewardRun.year) == year,
            col(RewardRun.budget_line) == budget_line,
            col(Disbursement.status) != CANCELLED,
        )
    ).scalars()
    return {str(base_id) for base_id in rows}


def _balances(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """The balance of each of these accounts the ledger has (as of this transaction)."""
    if not codes:
        return {}
    rows = session.exec(
        select(LedgerAccount.code, LedgerAccount.balance_fen).where(
            col(LedgerAccount.code).in_(sorted(set(codes)))
        )
    ).all()
    return {code: balance for code, balance in rows}


def _years_open(opened_on: date, year: int) -> int:
    return max(0, year - opened_on.year)  # whole years to 31 December of the year


def _candidates(session: Session, *, year: int, budget_line: str) -> list[RewardCandidate]:
    # Columns, not entities: a run reads a thousand bases and needs none of their JSON.
    rows = session.execute(
        select(  # type: ignore[call-overload]
            Base.id,
            Base.name,
            Base.operator_uscc,
            Base.district,
            Base.kind,
            Base.area_m2,
            Base.opened_on,
            Acceptance.id,
            Acceptance.score,
            BaseKpi.id,
            BaseKpi.enterprises_incubated,
            BaseKpi.jobs_created,
            BaseKpi.private_money_fen,
            BaseKpi.services_delivered,
        )
        .join(Acceptance, col(Acceptance.base_id) == col(Base.id))
        .outerjoin(BaseKpi, (col(BaseKpi.base_id) == col(Base.id)) & (col(BaseKpi.year) == year))
        .where(col(Acceptance.year) == year, col(Acceptance.result) == PASSED)
        .order_by(col(Base.id))
    ).all()
    line = line_account(year, budget_line)
    blocks = _balances(session, [block_account(year, budget_line, row[3]) for row in rows])
    candidates = []
    for (
        base_id, name, uscc, district, kind, area_m2, opened_on, acceptance_id, score,
        kpi_id, incubated, jobs, private_money, services,
    ) in rows:  # fmt: skip
        block = block_account(year, budget_line, district)
        reported = kpi_id is not None
        candidates.append(
            RewardCandidate(
                base_id=base_id,
                base_name=name,
                operator_uscc=uscc,
                district=district,
                kind=kind,
                acceptance_id=acceptance_id,
                account=block if block in blocks else line,
                inputs={
                    "year": year,
                    "kind": kind,
                    "district": district,
                    "area_m2": area_m2,
                    "years_open": _years_open(opened_on, year),
                    "kpis_reported": reported,
                    "enterprises_incubated": incubated if reported else 0,
                    "jobs_created": jobs if reported else 0,
                    "private_money_fen": private_money if reported else 0,
                    "services_delivered": services if reported else 0,
                    "acceptance_score": score,
                },
            )
        )
    return candidates


def run_rewards(
    *, session: Session, principal: Principal, data: RewardRunCreate
) -> RewardRunDetailPublic:
    """Compute (and unless a dry run, commit) a reward run; see the module's steps."""
    year, line, version = data.year, data.budget_line, data.rule_set_version
    family = reward_family(line)
    rule_set = _rule_set(session, family=family, version=version, year=year)
    existing = _committed(session, year=year, budget_line=line, version=version)
    if existing is not None:
        raise _exists_problem(year, line, version, existing)
    if not _balances(session, [line_account(year, line)]):
        raise errors.RewardBudgetLineUnknown.for_field(
            "body.budget_line", f"the ledger has no budget line {line_account(year, line)}"
        )
    if not data.dry_run:
        _serialise_runs(session, year=year, budget_line=line)
    now = utcnow()
    run_id = None if data.dry_run else new_id(RUN_PREFIX)
    if run_id is not None:
        claimed = _claim_run(
            session,
            {
                "id": run_id,
                "year": year,
                "budget_line": line,
                "rule_set_id": rule_set.id,
                "rule_set_family": family,
                "rule_set_version": version,
                "accounts": [],
                "created_by": principal.client_id,
                "created_at": now,
            },
        )
        if not claimed:
            raise _exists_problem(year, line, version, None)
        # Fixed before it is read for the figures: a replacement racing the run either lands
        # first (and the run computes with it, read again here) or finds it in use (409).
        mark_used(session, rule_set)
        rule_set = _rule_set(session, family=family, version=version, year=year)
    candidates = _candidates(session, year=year, budget_line=line)
    if not candidates:  # a commit would fix the version for nothing; a dry run says the same
        raise errors.RewardNothingPassed(
            f"No base passed its {year} acceptance: nothing to reward from {line} yet."
        )
    awarded = _awarded(session, year=year, budget_line=line)
    candidates = [c for c in candidates if c.base_id not in awarded]
    if not candidates:
        raise errors.RewardAlreadyAwarded(
            f"Every base that passed its {year} acceptance has a live {line} reward of {year} "
            f"already ({len(awarded)}); cancel a reward's disbursement to reward it again."
        )
    balances = _balances(session, [c.account for c in candidates])
    try:
        pots = compute_rewards(compiled_rule_set(rule_set), candidates, balances)
    except NegativeReward as negative:
        raise errors.RewardNegative(
            f"Version {version} of {family} gives base {negative.base_id} a negative reward "
            f"({negative.value} fen); correct the rules in a new version."
        ) from None
    label = rule_set_label(family, version)
    disbursed: dict[str, str] = {}
    if run_id is not None:
        disbursed = _commit(
            session, principal=principal, run_id=run_id, data=data, label=label, pots=pots
        )
    public = _public(
        run_id=run_id,
        data=data,
        rule_set=rule_set,
        pots=pots,
        disbursed=disbursed,
        created_by=principal.client_id,
        created_at=now,
    )
    if run_id is not None:
        _store(session, public)
        emit(
            session,
            COMMITTED_EVENT,
            {
                "id": run_id,
                "year": year,
                "budget_line": line,
                "rule_set_version": label,
                "bases": public.bases,
                "awarded_fen": public.awarded_fen,
                "disbursements": public.disbursements,
            },
        )
    return public


def _commit(
    session: Session,
    *,
    principal: Principal,
    run_id: str,
    data: RewardRunCreate,
    label: str,
    pots: Sequence[AccountFigure],
) -> dict[str, str]:
    """One disbursement per non-zero award, proposed together: base id → disbursement id."""
    proposals = [
        disbursements.Proposal(
            key=f"reward:{data.year}:{data.budget_line}:{data.rule_set_version}:{base.base_id}",
            payee_uscc=base.operator_uscc,
            payee_name=base.base_name,
            amount_fen=figure.awarded_fen,
            account=pot.account,
            purpose=REWARD,
            source_ref=run_id,
            year=data.year,
            budget_line=data.budget_line,
            district=base.district,
            rule_set_version=label,
            acceptance_ref=base.acceptance_id,
        )
        for pot in pots
        for figure in pot.figures
        if figure.awarded_fen > 0
        for base in (figure.candidate,)
    ]
    proposed = disbursements.propose_many(
        session,
        proposals=proposals,
        memo=f"Reward run {run_id}: {data.year} {data.budget_line} by {label}, "
        f"{len(proposals)} disbursements",
        reference=run_id,
        principal_id=principal.client_id,
    )
    return {
        proposal.key.rsplit(":", 1)[1]: disbursement_id
        for proposal, disbursement_id in zip(proposals, proposed, strict=True)
    }


def _public(
    *,
    run_id: str | None,
    data: RewardRunCreate,
    rule_set: RuleSet,
    pots: Sequence[AccountFigure],
    disbursed: dict[str, str],
    created_by: str,
    created_at: Any,
) -> RewardRunDetailPublic:
    lines = [
        RewardLinePublic(
            base_id=figure.candidate.base_id,
            base_name=figure.candidate.base_name,
            operator_uscc=figure.candidate.operator_uscc,
            district=figure.candidate.district,
            kind=figure.candidate.kind,
            acceptance_id=figure.candidate.acceptance_id,
            account=pot.account,
            inputs={name: figure.candidate.inputs[name] for name in rule_set.definition["inputs"]},
            computed_fen=figure.computed_fen,
            awarded_fen=figure.awarded_fen,
            scaled=figure.scaled,
            # The engine's steps as they are (no revalidation of a thousand traces).
            trace=[RuleSetTraceStep.model_construct(**step) for step in figure.trace],
            disbursement_id=disbursed.get(figure.candidate.base_id),
        )
        for pot in pots
        for figure in pot.figures
    ]
    lines.sort(key=lambda line: line.base_id)
    return RewardRunDetailPublic(
        id=run_id,
        dry_run=run_id is None,
        year=data.year,
        budget_line=data.budget_line,
        rule_set_id=rule_set.id,
        rule_set_family=rule_set.family,
        rule_set_version=rule_set.version,
        rule_set_label=rule_set_label(rule_set.family, rule_set.version),
        bases=len(lines),
        computed_fen=sum(pot.computed_fen for pot in pots),
        awarded_fen=sum(pot.awarded_fen for pot in pots),
        scaled=any(pot.scaled for pot in pots),
        disbursements=len(disbursed),
        accounts=[
            RewardAccountPublic(
                account=pot.account,
                balance_fen=pot.balance_fen,
                computed_fen=pot.computed_fen,
                awarded_fen=pot.awarded_fen,
                bases=pot.bases,
                scaled=pot.scaled,
            )
            for pot in pots
        ],
        created_by=created_by,
        created_at=created_at,
        lines=lines,
    )


def _store(session: Session, public: RewardRunDetailPublic) -> None:
    assert public.id is not None
    session.execute(
        RewardRun.__table__.update()  # type: ignore[attr-defined]
        .where(RewardRun.__table__.c.id == public.id)  # type: ignore[attr-defined]
        .values(
            bases=public.bases,
            computed_fen=public.computed_fen,
            awarded_fen=public.awarded_fen,
            disbursements=public.disbursements,
            accounts=[account.model_dump() for account in public.accounts],
        )
    )
    rows = [
        {
            "id": new_id(LINE_PREFIX),
            "run_id": public.id,
            **line.model_dump(exclude={"trace"}),
            "trace": [step.model_dump() for step in line.trace],
        }
        for line in public.lines
    ]
    # Never empty: a run with no base left to reward is refused before it is stored.
    session.execute(insert(RewardLine.__table__), rows)  # type: ignore[arg-type,attr-defined]


def get_run(*, session: Session, run_id: str) -> RewardRun:
    """A committed run (404 `reward_run_not_found`)."""
    run = session.get(RewardRun, run_id)
    if run is None:
        raise errors.RewardRunNotFound(f"No reward run {run_id}.")
    return run


def run_public(run: RewardRun) -> RewardRunPublic:
    """A stored run's summary."""
    return RewardRunPublic(
        id=run.id,
        dry_run=False,
        year=run.year,
        budget_line=run.budget_line,
        rule_set_id=run.rule_set_id,
        rule_set_family=run.rule_set_family,
        rule_set_version=run.rule_set_version,
        rule_set_label=rule_set_label(run.rule_set_family, run.rule_set_version),
        bases=run.bases,
        computed_fen=run.computed_fen,
        awarded_fen=run.awarded_fen,
        scaled=any(account["scaled"] for account in run.accounts),
        disbursements=run.disbursements,
        accounts=[RewardAccountPublic(**account) for account in run.accounts],
        created_by=run.created_by,
        created_at=run.created_at,
    )


def run_detail(session: Session, run: RewardRun) -> RewardRunDetailPublic:
    """A stored run with its lines and traces (by base id)."""
    lines = session.exec(
        select(RewardLine).where(col(RewardLine.run_id) == run.id).order_by(col(RewardLine.base_id))
    ).all()
    return RewardRunDetailPublic(
        **run_public(run).model_dump(),
        lines=[RewardLinePublic.model_validate(line, from_attributes=True) for line in lines],
    )


def list_runs(
    *, session: Session, filters: RewardRunFilters, limit: int, cursor: str | None
) -> tuple[list[RewardRunPublic], str | None]:
    """Committed runs, oldest first, by year and budget line if asked."""
    query = select(RewardRun)
    if filters.year is not None:
        query = query.where(col(RewardRun.year) == filters.year)
    if filters.budget_line is not None:
        query = query.where(col(RewardRun.budget_line) == filters.budget_line)
    table = RewardRun.__table__  # type: ignore[attr-defined]
    page = paginate(query, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda run: [run.id])
    return [run_public(run) for run in kept], next_cursor
