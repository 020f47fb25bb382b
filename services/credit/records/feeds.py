"""Records other services report through their feeds: the funding service's bridge fund.

`bridge_loan.overdue` (a bridge loan not repaid by its due date) files a negative record
`bridge_loan_overdue` on the enterprise, source `bridge_fund`, referenced by the bridge loan's
id, so a redelivered or repeated event files nothing new; `bridge_loan.repaid` with
`was_overdue` ends that record's conduct on the repayment day (a corrected version).
"""

from datetime import date

from sqlmodel import Session

from services.common.consumer import FeedEvent, Handler
from services.common.identity import ClientKind, Principal
from services.credit.records import service
from services.credit.records.rules import RecordType

BRIDGE_FUND = Principal(
    client_id="funding_feed",
    kind=ClientKind.SERVICE,
    org="bridge_fund",
    scopes=frozenset(),
)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def on_bridge_overdue(session: Session, event: FeedEvent) -> None:
    """File the overdue bridge loan as a negative record (once per bridge loan)."""
    payload = event.payload
    owed = int(payload["owed_fen"])
    service.file_from_feed(
        session=session,
        feed=BRIDGE_FUND,
        uscc=str(payload["enterprise_uscc"]),
        type_=RecordType.BRIDGE_LOAN_OVERDUE,
        reference=str(payload["bridge_loan_id"]),
        occurred_on=date.fromisoformat(str(payload["overdue_since"])),
        title=f"应急周转资金逾期未还: bridge loan {payload['bridge_loan_id']}, {_yuan(owed)} yuan "
        f"due {payload['due_on']}",
    )


def on_bridge_repaid(session: Session, event: FeedEvent) -> None:
    """A late repayment ends the overdue record's conduct on the repayment day."""
    payload = event.payload
    if not payload.get("was_overdue"):
        return
    service.end_from_feed(
        session=session,
        feed=BRIDGE_FUND,
        reference=str(payload["bridge_loan_id"]),
        ended_on=date.fromisoformat(str(payload["repaid_on"])),
        reason="The bridge loan was repaid (late) on this day.",
    )


def funding_handlers() -> dict[str, Handler]:
    """The funding feed's events the credit service applies."""
    return {"bridge_loan.overdue": on_bridge_overdue, "bridge_loan.repaid": on_bridge_repaid}
