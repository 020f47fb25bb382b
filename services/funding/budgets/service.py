"""Budgets: a year's sources, lines and sub-lines loaded into the ledger, reconciled explicitly.

Loading is three kinds of balanced transfer, each with a key derived from the year, so loading
the same document again records nothing new:
1. `budget:<year>:receipt`: every source (−) to every line at its stated figure (+); one
   transfer, so totals by source equal totals by use or nothing is recorded;
2. `budget:<year>:reconciliation:<n>`: a stated amount from one line to another, with its reason;
3. `budget:<year>:sub-lines:<line>`: a line's funded amount to its sub-lines.
"""

from collections import Counter

from sqlmodel import Session

from services.common.outbox import emit
from services.funding.budgets import errors
from services.funding.budgets.models import Budget
from services.funding.budgets.schemas import (
    BudgetCreate,
    BudgetLinePublic,
    BudgetPublic,
    BudgetSourcePublic,
    BudgetSubLinePublic,
)
from services.funding.ledger import service as ledger
from services.funding.ledger.models import LINE, SOURCE

BUDGET = "budget"


def source_account(code: str) -> str:
    """The ledger account of a source: `source:central`, `source:district:<code>`, …."""
    return f"source:{code}"


def line_account(year: int, line: str, sub: str | None = None) -> str:
    """The ledger account of a budget line or sub-line."""
    return f"line:{year}:{line}" + (f":{sub}" if sub else "")


def _check_unique(codes: list[str], field: str) -> None:
    repeated = [code for code, n in Counter(codes).items() if n > 1]
    if repeated:
        raise errors.BudgetCodeRepeated.for_field(field, f"{repeated[0]!r} appears twice")


def reconciled(data: BudgetCreate) -> dict[str, int]:
    """Each line's funded amount: stated, plus reconciliations in, less reconciliations out."""
    funded = {line.code: line.amount_fen for line in data.lines}
    for move in data.reconciliations:
        funded[move.from_line] -= move.amount_fen
        funded[move.to_line] += move.amount_fen
    return funded


def check_budget(data: BudgetCreate) -> dict[str, int]:
    """422 unless the document reconciles; returns each line's funded amount."""
    _check_unique([s.code for s in data.sources], "body.sources")
    _check_unique([line.code for line in data.lines], "body.lines")
    for index, line in enumerate(data.lines):
        _check_unique([s.code for s in line.sub_lines], f"body.lines.{index}.sub_lines")
    by_source = sum(s.amount_fen for s in data.sources)
    by_use = sum(line.amount_fen for line in data.lines)
    if by_source != by_use:
        raise errors.BudgetNotReconciled.for_field(
            "body.lines",
            f"the lines total {by_use} fen but the sources {by_source} fen "
            f"(difference {by_use - by_source} fen)",
        )
    codes = {line.code for line in data.lines}
    for index, move in enumerate(data.reconciliations):
        for end in ("from_line", "to_line"):
            if getattr(move, end) not in codes:
                raise errors.BudgetNotReconciled.for_field(
                    f"body.reconciliations.{index}.{end}",
                    f"{getattr(move, end)!r} is not a line of this budget",
                )
        if move.from_line == move.to_line:
            raise errors.BudgetNotReconciled.for_field(
                f"body.reconciliations.{index}.to_line", "a reconciliation moves between two lines"
            )
    funded = reconciled(data)
    for index, line in enumerate(data.lines):
        if funded[line.code] < 0:
            raise errors.BudgetNotReconciled.for_field(
                f"body.lines.{index}.amount_fen",
                f"reconciliations take {line.amount_fen - funded[line.code]} fen out of a "
                f"{line.amount_fen} fen line",
            )
        subs = sum(s.amount_fen for s in line.sub_lines)
        if line.sub_lines and subs != funded[line.code]:
            raise errors.BudgetNotReconciled.for_field(
                f"body.lines.{index}.sub_lines",
                f"the sub-lines of {line.code!r} total {subs} fen but the line is funded with "
                f"{funded[line.code]} fen (difference {subs - funded[line.code]} fen): state "
                "a reconciliation that moves the difference between lines",
            )
    return funded


def _open_accounts(session: Session, data: BudgetCreate) -> None:
    for source in data.sources:
        district = (
            source.code.removeprefix("district:") if source.code.startswith("district:") else None
        )
        ledger.open_account(
            session,
            code=source_account(source.code),
            name=source.name,
            kind=SOURCE,
            non_negative=False,
            district=district,
        )
    for line in data.lines:
        ledger.open_account(
            session,
            code=line_account(data.year, line.code),
            name=f"{data.year} {line.name}",
            kind=LINE,
            non_negative=True,
            year=data.year,
        )
        for sub in line.sub_lines:
            ledger.open_account(
                session,
                code=line_account(data.year, line.code, sub.code),
                name=f"{data.year} {line.name} · {sub.name}",
                kind=LINE,
                non_negative=True,
                year=data.year,
            )


def load_budget(session: Session, *, data: BudgetCreate, principal_id: str) -> tuple[Budget, bool]:
    """Load a year's budget into the ledger; (budget, whether loaded now).

    The same document again answers the loaded budget; another one for a loaded year is 409
    `budget_already_loaded` (the ledger changes by transfers and reversals, not by reloading).
    """
    funded = check_budget(data)
    document = data.model_dump(mode="json")
    existing = session.get(Budget, data.year)
    if existing is not None:
        if existing.document != document:
            raise errors.BudgetAlreadyLoaded(
                f"The {data.year} budget is loaded with another document."
            )
        return existing, False
    _open_accounts(session, data)
    year = data.year
    transfers = [
        ledger.transfer(
            session,
            key=f"budget:{year}:receipt",
            legs=[(source_account(s.code), -s.amount_fen) for s in data.sources]
            + [(line_account(year, line.code), line.amount_fen) for line in data.lines],
            kind=BUDGET,
            memo=f"{data.title}: sources to lines",
            principal_id=principal_id,
            reference=f"budget:{year}",
        )
    ]
    for number, move in enumerate(data.reconciliations, start=1):
        transfers.append(
            ledger.transfer(
                session,
                key=f"budget:{year}:reconciliation:{number}",
                legs=[
                    (line_account(year, move.from_line), -move.amount_fen),
                    (line_account(year, move.to_line), move.amount_fen),
                ],
                kind="budget_reconciliation",
                memo=move.reason,
                principal_id=principal_id,
                reference=f"budget:{year}",
            )
        )
    for line in data.lines:
        if not line.sub_lines:
            continue
        transfers.append(
            ledger.transfer(
                session,
                key=f"budget:{year}:sub-lines:{line.code}",
                legs=[(line_account(year, line.code), -funded[line.code])]
                + [(line_account(year, line.code, s.code), s.amount_fen) for s in line.sub_lines],
                kind=BUDGET,
                memo=f"{data.title}: {line.name} to its sub-lines",
                principal_id=principal_id,
                reference=f"budget:{year}",
            )
        )
    budget = Budget(
        year=year,
        title=data.title,
        total_fen=sum(s.amount_fen for s in data.sources),
        document=document,
        transfer_ids=[t.id for t in transfers],
        loaded_by=principal_id,
    )
    session.add(budget)
    session.flush()
    emit(
        session,
        "budget.loaded",
        {"year": year, "total_fen": budget.total_fen, "transfer_ids": budget.transfer_ids},
    )
    return budget, True


def get_budget(session: Session, *, year: int) -> Budget:
    """The year's loaded budget (404 `budget_not_found`)."""
    budget = session.get(Budget, year)
    if budget is None:
        raise errors.BudgetNotFound(f"No budget loaded for {year}.")
    return budget


def to_public(session: Session, budget: Budget) -> BudgetPublic:
    """The loaded budget with each line's stated, reconciled and funded figures and balances."""
    data = BudgetCreate.model_validate(budget.document)
    funded = reconciled(data)
    year = data.year
    return BudgetPublic(
        year=year,
        title=data.title,
        total_fen=budget.total_fen,
        by_source_fen=sum(s.amount_fen for s in data.sources),
        by_use_fen=sum(funded.values()),
        sources=[
            BudgetSourcePublic(
                code=s.code, account=source_account(s.code), name=s.name, amount_fen=s.amount_fen
            )
            for s in data.sources
        ],
        lines=[
            BudgetLinePublic(
                code=line.code,
                account=line_account(year, line.code),
                name=line.name,
                stated_fen=line.amount_fen,
                reconciled_fen=funded[line.code] - line.amount_fen,
                funded_fen=funded[line.code],
                balance_fen=ledger.balance_of(session, code=line_account(year, line.code)),
                sub_lines=[
                    BudgetSubLinePublic(
                        code=s.code,
                        account=line_account(year, line.code, s.code),
                        name=s.name,
                        amount_fen=s.amount_fen,
                        balance_fen=ledger.balance_of(
                            session, code=line_account(year, line.code, s.code)
                        ),
                    )
                    for s in line.sub_lines
                ],
            )
            for line in data.lines
        ],
        reconciliations=list(data.reconciliations),
        transfer_ids=budget.transfer_ids,
        loaded_by=budget.loaded_by,
        loaded_at=budget.loaded_at,
    )
