"""What the import routes return."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CSV_EXAMPLE = (
    "uscc,name,district,industry,founded_on,registered_capital_fen,employees,revenue_fen,"
    "assets_fen,is_tech_sme,founder_graduated_on,legal_rep_name,legal_rep_id_number,"
    "contact_name,contact_phone,contact_email\n"
    "91140105MA0GRX0Y7C,太原市小店区晋阳软件有限公司,xiaodian,65,2014-03-18,100000000,35,"
    "420000000,300000000,true,,王建国,14010519800101002X,李丽,0351-1234567,office@example.cn\n"
)
JSONL_EXAMPLE = (
    '{"uscc": "91140105MA0GRX0Y7C", "name": "太原市小店区晋阳软件有限公司", "district": "xiaodian", '
    '"industry": "65", "founded_on": "2014-03-18", "registered_capital_fen": 100000000, '
    '"employees": 35, "revenue_fen": 420000000, "assets_fen": 300000000, "is_tech_sme": true, '
    '"legal_rep_name": "王建国", "legal_rep_id_number": "14010519800101002X"}\n'
)


class ImportRejectionPublic(BaseModel):
    """One rule one row of the file broke."""

    row: int = Field(
        description="1-based record number (the CSV header is not counted).", examples=[17]
    )
    field: str = Field(examples=["uscc"])
    code: str = Field(examples=["invalid_uscc"])
    message: str = Field(
        examples=["position 18 (check_character): check character should be 'U', got 'V'"]
    )


class ImportJobPublic(BaseModel):
    """A bulk import and its progress; `rejections` lists every rejected row's broken rules."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "imp_01JA0000000000000000000000",
                    "format": "csv",
                    "status": "succeeded",
                    "total_rows": 3,
                    "processed_rows": 3,
                    "filed_rows": 1,
                    "existing_rows": 1,
                    "rejected_rows": 1,
                    "progress_percent": 100,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "error": None,
                    "created_at": "2026-01-05T02:00:00Z",
                    "started_at": "2026-01-05T02:00:00Z",
                    "finished_at": "2026-01-05T02:00:01Z",
                    "rejections": [
                        {"row": 2, "field": "district", "code": "unknown_district", "message": "…"}
                    ],
                }
            ]
        }
    )

    id: str
    format: Literal["csv", "jsonl"]
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"] = Field(
        description="`interrupted`: the process working on it stopped; rows filed before stay "
        "filed, and uploading the same file again files the rest (nothing twice)."
    )
    total_rows: int
    processed_rows: int
    filed_rows: int = Field(description="Rows filed by this import.")
    existing_rows: int = Field(
        description="Valid rows whose enterprise had already filed: not filed again."
    )
    rejected_rows: int = Field(description="Rows rejected for breaking at least one rule.")
    progress_percent: int
    sha256: str = Field(description="SHA-256 of the uploaded file.")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rejections: list[ImportRejectionPublic] = Field(
        description="Every rule every rejected row broke."
    )
