"""Bulk import of the register: a job per upload, read back with its rejections.

Parsing is in `parse`, row rules in `validate`, batch writes in `write` and the background
job in `run`.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.identity import Principal
from services.common.ids import new_id
from services.registry.imports.errors import ImportNotFound
from services.registry.imports.models import (
    INTERRUPTED,
    QUEUED,
    RUNNING,
    ImportJob,
    ImportRejection,
)
from services.registry.imports.parse import Upload
from services.registry.imports.schemas import ImportJobPublic, ImportRejectionPublic
from services.registry.remits.schemas import RemitRecord
from services.registry.remits.service import ensure_record_in_remit

# A batch takes well under a second; a worker silent this long is gone (its process ended).
STALE_AFTER = timedelta(minutes=2)


def create_import(*, session: Session, client: Principal, upload: Upload) -> ImportJob:
    """A queued job for an upload (the caller commits, then starts it)."""
    ensure_record_in_remit(session=session, client=client, record=RemitRecord.ENTERPRISE_FILING)
    job = ImportJob(
        id=new_id("imp"),
        format=upload.format,
        status=QUEUED,
        total_rows=len(upload.records),
        sha256=upload.sha256,
        created_by=client.client_id,
    )
    session.add(job)
    session.flush()
    return job


def get_import(*, session: Session, client: Principal, job_id: str) -> ImportJobPublic:
    """A job with every rejection, for its creator or the demonstration office."""
    job = session.get(ImportJob, job_id)
    if job is None or not (client.is_admin or job.created_by == client.client_id):
        raise ImportNotFound(f"No import {job_id} that you may see.")
    rejections = session.execute(
        select(ImportRejection)
        .where(col(ImportRejection.import_id) == job_id)
        .order_by(col(ImportRejection.row_number), col(ImportRejection.seq))
    ).scalars()
    return to_public(
        job,
        [
            ImportRejectionPublic(row=r.row_number, field=r.field, code=r.code, message=r.message)
            for r in rejections
        ],
    )


def shown_status(job: ImportJob, *, now: datetime | None = None) -> str:
    """The job's status, `interrupted` when its worker has been silent too long to be alive."""
    if job.status not in (QUEUED, RUNNING):
        return job.status
    last_sign = as_utc(job.heartbeat_at or job.created_at)
    if last_sign is not None and (now or utcnow()) - last_sign > STALE_AFTER:
        return INTERRUPTED
    return job.status


def interrupt_orphans(*, session: Session, silent_for: timedelta) -> int:
    """Store `interrupted` on queued or running jobs whose worker is gone; how many there were."""
    now = utcnow()
    jobs = (
        session.execute(select(ImportJob).where(col(ImportJob.status).in_((QUEUED, RUNNING))))
        .scalars()
        .all()
    )
    orphans = 0
    for job in jobs:
        last_sign = as_utc(job.heartbeat_at or job.created_at)
        if last_sign is not None and now - last_sign < silent_for:
            continue
        job.status = INTERRUPTED
        job.finished_at = now
        job.error = "The registry stopped while this import ran; rows filed before it stay filed."
        session.add(job)
        orphans += 1
    session.flush()
    return orphans


def to_public(job: ImportJob, rejections: list[ImportRejectionPublic]) -> ImportJobPublic:
    """The API view of a job."""
    percent = 100 if job.total_rows == 0 else job.processed_rows * 100 // job.total_rows
    status = shown_status(job)
    return ImportJobPublic(
        id=job.id,
        format="jsonl" if job.format == "jsonl" else "csv",
        status=status,  # type: ignore[arg-type]
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        filed_rows=job.filed_rows,
        existing_rows=job.existing_rows,
        rejected_rows=job.rejected_rows,
        progress_percent=percent,
        sha256=job.sha256,
        error=job.error
        if status != INTERRUPTED
        else "The import stopped with its process; rows filed before stay filed. "
        "Upload the same file again to file the rest.",
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at),
        finished_at=as_utc(job.finished_at),
        rejections=rejections,
    )
