"""Tables of bulk imports: one job per upload, one row per rejected field."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
# Stored at start-up for jobs the last process left unfinished; shown for a silent worker.
INTERRUPTED = "interrupted"


class ImportJob(SQLModel, table=True):
    """A bulk import and its progress."""

    __tablename__ = "import_jobs"

    id: str = Field(primary_key=True, max_length=40)
    format: str = Field(max_length=10)
    status: str = Field(default=QUEUED, max_length=16)
    total_rows: int = 0
    processed_rows: int = 0
    filed_rows: int = 0
    existing_rows: int = 0
    rejected_rows: int = 0
    sha256: str = Field(max_length=64)
    error: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Last sign of life of the worker."
    )


class ImportRejection(SQLModel, table=True):
    """One rule one row of an import broke."""

    __tablename__ = "import_rejections"

    import_id: str = Field(primary_key=True, max_length=40, foreign_key="import_jobs.id")
    row_number: int = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    field: str = Field(max_length=60)
    code: str = Field(max_length=60)
    message: str = Field(max_length=500)
