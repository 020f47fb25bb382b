"""The public ledger's work: append a paid disbursement to the chain, read it, sign its head.

Appends are serialised on the one head row (`public_ledger_head`): PostgreSQL locks it
`FOR UPDATE`, SQLite's write transaction (BEGIN IMMEDIATE) already excludes other writers. The
record and the head's new sequence and hash commit together with the payment, or not at all,
so sequence numbers have no gaps and the chain never forks.
"""

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database, dialect_insert
from services.common.ids import new_id
from services.common.jobs import claim_due
from services.common.pagination import page_of, paginate
from services.funding.public.chain import GENESIS, record_hash, sign_checkpoint
from services.funding.public.errors import (
    CorrectedRecordNotFound,
    DisbursementAlreadyPublished,
    PublicRecordNotFound,
    RecordAlreadyCorrected,
)
from services.funding.public.keys import LedgerKey
from services.funding.public.models import (
    DAILY,
    HEAD_ID,
    ON_DEMAND,
    PublicCheckpoint,
    PublicLedgerHead,
    PublicRecord,
)
from services.funding.public.schemas import (
    LedgerChainHeadPublic,
    LedgerCheckpointPublic,
    LedgerRecordPublic,
)

# The figures a record states; a second publish of the same disbursement must repeat them.
_STATED = (
    "disbursement_id",
    "paid_on",
    "payer",
    "payee_name",
    "payee_uscc",
    "amount_fen",
    "programme",
    "budget_line",
    "district",
    "rule_set_version",
    "acceptance_ref",
    "corrects",
)
EXPORT_CHUNK = 2000


def _lock_head(session: Session) -> PublicLedgerHead:
    """The head row, locked for this transaction (created at genesis if missing)."""
    statement = select(PublicLedgerHead).where(col(PublicLedgerHead.id) == HEAD_ID)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    head = session.exec(statement).first()
    if head is None:
        insert = dialect_insert(session)
        session.execute(
            insert(PublicLedgerHead)
            .values(id=HEAD_ID, sequence=0, head_hash=GENESIS)
            .on_conflict_do_nothing()
        )
        head = session.exec(statement).one()
    return head


def _same_figures(record: PublicRecord, stated: dict[str, Any]) -> bool:
    return all(getattr(record, name) == stated[name] for name in _STATED)


def publish(
    session: Session,
    *,
    disbursement_id: str,
    paid_on: date,
    payer: str,
    payee_name: str,
    payee_uscc: str,
    amount_fen: int,
    programme: str,
    budget_line: str,
    district: str | None,
    rule_set_version: str | None,
    acceptance_ref: str | None,
    corrects: int | None = None,
) -> PublicRecord:
    """Append a paid disbursement (or a correction of an earlier record) to the public chain."""
    stated: dict[str, Any] = {
        "disbursement_id": disbursement_id,
        # the day, as stored (a moment would be hashed as a moment, then read back as a day)
        "paid_on": paid_on.date() if isinstance(paid_on, datetime) else paid_on,
        "payer": payer,
        "payee_name": payee_name,
        "payee_uscc": payee_uscc,
        "amount_fen": amount_fen,
        "programme": programme,
        "budget_line": budget_line,
        "district": district,
        "rule_set_version": rule_set_version,
        "acceptance_ref": acceptance_ref,
        "corrects": corrects,
    }
    head = _lock_head(session)  # from here on, no other append runs
    if corrects is None:
        earlier = session.exec(
            select(PublicRecord)
            .where(col(PublicRecord.disbursement_id) == disbursement_id)
            .where(col(PublicRecord.corrects).is_(None))
        ).first()
        if earlier is not None:
            if _same_figures(earlier, stated):
                return earlier  # paid once, published once
            raise DisbursementAlreadyPublished(
                f"Disbursement {disbursement_id} is public as record {earlier.sequence} with "
                "other figures; publish a correction of that record instead."
            )
    else:
        if session.get(PublicRecord, corrects) is None:
            raise CorrectedRecordNotFound(f"No public ledger record {corrects} to correct.")
        correction = session.exec(
            select(PublicRecord).where(col(PublicRecord.corrects) == corrects)
        ).first()
        if correction is not None:
            if _same_figures(correction, stated):
                return correction
            raise RecordAlreadyCorrected(
                f"Record {corrects} was corrected by record {correction.sequence}; "
                "correct that one instead."
            )
    record = PublicRecord(
        sequence=head.sequence + 1,
        published_at=utcnow().replace(microsecond=0),
        previous_hash=head.head_hash,
        hash="",
        **stated,
    )
    record.hash = record_hash(record.model_dump())
    head.sequence, head.head_hash = record.sequence, record.hash
    session.add(record)
    session.add(head)
    session.flush()
    return record


def to_public(record: PublicRecord) -> LedgerRecordPublic:
    """The published form of a record."""
    return LedgerRecordPublic.model_validate(record, from_attributes=True)


def list_records(
    *, session: Session, limit: int, cursor: str | None
) -> tuple[list[LedgerRecordPublic], str | None]:
    """Records in sequence order, a page at a time (read as rows: no ORM objects to build)."""
    table = PublicRecord.__table__  # type: ignore[attr-defined]
    statement = paginate(select(table), keys=[table.c.sequence], limit=limit, cursor=cursor)
    rows = session.execute(statement).mappings().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda r: [r["sequence"]])
    return [LedgerRecordPublic.model_validate(dict(row)) for row in kept], next_cursor


def get_record(*, session: Session, sequence: int) -> LedgerRecordPublic:
    """One record by its sequence number."""
    record = session.get(PublicRecord, sequence)
    if record is None:
        raise PublicRecordNotFound(f"No public ledger record {sequence}.")
    return to_public(record)


def chain_head(*, session: Session) -> LedgerChainHeadPublic:
    """The last sequence number and its hash (0 and the genesis hash while empty)."""
    head = session.get(PublicLedgerHead, HEAD_ID)
    if head is None:
        return LedgerChainHeadPublic(sequence=0, head_hash=GENESIS)
    return LedgerChainHeadPublic(sequence=head.sequence, head_hash=head.head_hash)


def _checkpoint(
    session: Session,
    *,
    head: PublicLedgerHead,
    key: LedgerKey,
    kind: str,
    issued_by: str,
    now: datetime,
    daily_on: date | None = None,
) -> PublicCheckpoint:
    issued_at = now.replace(microsecond=0)
    checkpoint = PublicCheckpoint(
        id=new_id("lcp"),
        sequence=head.sequence,
        head_hash=head.head_hash,
        issued_at=issued_at,
        key_id=key.kid,
        signature=sign_checkpoint(
            key.private, sequence=head.sequence, head_hash=head.head_hash, issued_at=issued_at
        ),
        kind=kind,
        daily_on=daily_on,
        issued_by=issued_by,
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def issue_checkpoint(
    *, session: Session, key: LedgerKey, issued_by: str, now: datetime | None = None
) -> LedgerCheckpointPublic:
    """Sign the chain's current head now (on demand)."""
    head = _lock_head(session)
    checkpoint = _checkpoint(
        session,
        head=head,
        key=key,
        kind=ON_DEMAND,
        issued_by=issued_by,
        now=now or utcnow(),
    )
    return checkpoint_public(checkpoint)


def issue_daily_checkpoint(session: Session, *, key: LedgerKey, now: datetime | None = None) -> int:
    """The day's checkpoint (Asia/Shanghai), once: 1 if this round issued it, else 0."""
    now = now or utcnow()
    today = shanghai_date(now)
    due = select(PublicLedgerHead).where(col(PublicLedgerHead.id) == HEAD_ID)
    claimed = claim_due(session, due, limit=1)
    if claimed:
        head = claimed[0]
    elif session.get(PublicLedgerHead, HEAD_ID) is None:
        head = _lock_head(session)  # a database without its genesis row: make it
    else:
        return 0  # another replica (or an append) holds the head: next round
    issued = session.exec(
        select(PublicCheckpoint.id).where(col(PublicCheckpoint.daily_on) == today)
    ).first()
    if issued is not None:
        return 0
    _checkpoint(session, head=head, key=key, kind=DAILY, issued_by="daily", now=now, daily_on=today)
    return 1


def checkpoint_public(checkpoint: PublicCheckpoint) -> LedgerCheckpointPublic:
    """The published form of a checkpoint."""
    return LedgerCheckpointPublic.model_validate(checkpoint, from_attributes=True)


def list_checkpoints(
    *, session: Session, limit: int, cursor: str | None
) -> tuple[list[LedgerCheckpointPublic], str | None]:
    """Checkpoints, oldest first, a page at a time."""
    table = PublicCheckpoint.__table__  # type: ignore[attr-defined]
    statement = paginate(select(PublicCheckpoint), keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda r: [r.id])
    return [checkpoint_public(row) for row in kept], next_cursor


# 360Giving downloads ---------------------------------------------------------------------------

CSV_COLUMNS = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Title",
    "Ledger Sequence",
    "Ledger Hash",
)


def yuan_text(amount_fen: int) -> str:
    """Fen as yuan with two decimals, exactly (`1234567` → `12345.67`), never through a float."""
    sign = "-" if amount_fen < 0 else ""
    whole, fen = divmod(abs(amount_fen), 100)
    return f"{sign}{whole}.{fen:02d}"


def _in_force(session: Session, after: int) -> list[PublicRecord]:
    """The next chunk of records that no later record corrects, by sequence."""
    corrected = select(PublicRecord.corrects).where(col(PublicRecord.corrects).is_not(None))
    statement = (
        select(PublicRecord)
        .where(col(PublicRecord.sequence) > after)
        .where(col(PublicRecord.sequence).not_in(corrected))
        .order_by(col(PublicRecord.sequence))
        .limit(EXPORT_CHUNK)
    )
    return list(session.exec(statement).all())


def _records_in_force(database: Database) -> Iterator[PublicRecord]:
    after = 0
    while True:
        with database.session(write=False) as session:
            chunk = _in_force(session, after)
        if not chunk:
            return
        yield from chunk
        after = chunk[-1].sequence


def _grant(record: PublicRecord, *, prefix: str, funder_id: str) -> dict[str, Any]:
    title = f"{record.programme}: {record.payee_name}"
    details = [f"{record.programme}, budget line {record.budget_line}"]
    if record.district:
        details.append(f"district {record.district}")
    if record.rule_set_version:
        details.append(f"rule set {record.rule_set_version}")
    if record.acceptance_ref:
        details.append(f"acceptance {record.acceptance_ref}")
    details.append(f"disbursement {record.disbursement_id}")
    if record.corrects is not None:
        details.append(f"corrects {prefix}-{record.corrects}")
    return {
        "id": f"{prefix}-{record.sequence}",
        "title": title if len(title) <= 140 else title[:139] + "…",
        "description": "; ".join(details) + ".",
        "currency": "CNY",
        "amountAwarded": yuan_text(record.amount_fen),
        "awardDate": record.paid_on.isoformat(),
        "recipientOrganization": [
            {"id": f"CN-USCC-{record.payee_uscc}", "name": record.payee_name}
        ],
        "fundingOrganization": [{"id": funder_id, "name": record.payer}],
        "grantProgramme": [{"title": record.programme}],
        "ledgerSequence": record.sequence,
        "ledgerHash": record.hash,
    }


def grants_csv(*, database: Database, prefix: str, funder_id: str) -> Iterator[str]:
    """The records in force as a 360Giving spreadsheet (CSV, UTF-8), one grant a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for count, record in enumerate(_records_in_force(database), start=1):
        grant = _grant(record, prefix=prefix, funder_id=funder_id)
        writer.writerow(
            (
                grant["id"],
                grant["title"],
                grant["description"],
                grant["currency"],
                grant["amountAwarded"],
                grant["awardDate"],
                grant["recipientOrganization"][0]["id"],
                grant["recipientOrganization"][0]["name"],
                grant["fundingOrganization"][0]["id"],
                grant["fundingOrganization"][0]["name"],
                record.programme,
                record.sequence,
                record.hash,
            )
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def grants_json(*, database: Database, prefix: str, funder_id: str) -> Iterator[str]:
    """The records in force as a 360Giving data package (`{"grants": [...]}`).

    `amountAwarded` is a JSON number written from the fen exactly, with two decimals.
    """
    yield '{"grants":['
    for index, record in enumerate(_records_in_force(database)):
        grant = _grant(record, prefix=prefix, funder_id=funder_id)
        amount = grant.pop("amountAwarded")
        text = json.dumps(grant, ensure_ascii=False, separators=(",", ":"))
        # The amount goes in as a number literal (JSON has no decimal type; no float in between).
        yield ("," if index else "") + '{"amountAwarded":' + amount + "," + text[1:]
    yield "]}"
