"""The import job runner: the one place an import's transactions commit (a batch at a time)."""

import logging
import threading
from datetime import timedelta
from typing import Any

from services.common.clock import utcnow
from services.common.db import Database
from services.common.settings import ServiceSettings
from services.registry.enterprises.rules import today
from services.registry.imports import service, write
from services.registry.imports.models import FAILED, RUNNING, SUCCEEDED
from services.registry.imports.parse import Upload
from services.registry.imports.validate import validate_batch

log = logging.getLogger("services.registry.imports")

BATCH_SIZE = 5_000


def _set_status(database: Database, job_id: str, **values: Any) -> None:
    with database.transaction() as session:
        write.set_status(session=session, job_id=job_id, **values)


def interrupt_orphans(database: Database, settings: ServiceSettings) -> None:
    """At start-up: jobs a stopped process left queued or running are marked interrupted."""
    grace = timedelta(seconds=getattr(settings, "import_orphan_grace_seconds", 0))
    with database.transaction() as session:
        orphans = service.interrupt_orphans(session=session, silent_for=grace)
    if orphans:
        log.warning("marked %d unfinished import(s) interrupted at start-up", orphans)


def start_import(
    *, database: Database, job_id: str, upload: Upload, id_key: bytes, actor: str
) -> threading.Thread:
    """Run an import in a background thread; its progress is in the job row."""
    thread = threading.Thread(
        target=run_import,
        kwargs={
            "database": database,
            "job_id": job_id,
            "upload": upload,
            "id_key": id_key,
            "actor": actor,
        },
        name=f"import-{job_id}",
        daemon=True,
    )
    thread.start()
    return thread


def run_import(
    *, database: Database, job_id: str, upload: Upload, id_key: bytes, actor: str
) -> None:
    """Validate and file every record in batches, each batch in one transaction.

    Batches run one after the other in this thread: measured, a writer thread overlapping
    the next batch's validation made the import slower (the two contend for the GIL).
    """
    try:
        now = utcnow()
        _set_status(database, job_id, status=RUNNING, started_at=now, heartbeat_at=now)
        seen: set[str] = set()
        on = today().isoformat()
        for start in range(0, len(upload.records), BATCH_SIZE):
            batch = validate_batch(
                job_id=job_id,
                upload=upload,
                start=start,
                seen=seen,
                id_key=id_key,
                actor=actor,
                today=on,
                size=BATCH_SIZE,
            )
            with database.transaction() as session:  # one batch, one commit
                write.write_batch(session=session, job_id=job_id, batch=batch)
        _set_status(database, job_id, status=SUCCEEDED, finished_at=utcnow())
    except Exception:
        log.exception("import %s failed", job_id)
        _set_status(
            database,
            job_id,
            status=FAILED,
            finished_at=utcnow(),
            error="The import stopped on an internal error; rows filed before it stay filed.",
        )
