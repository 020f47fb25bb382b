"""Request and response bodies of the ratings domain."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{18}$"

RATING_EXAMPLE: dict[str, Any] = {
    "id": "rtg_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
    "uscc": "91140105MA0KDE119Q",
    "score": 350,
    "grade": "D",
    "factors": [
        {
            "name": "serious_dishonesty",
            "input": 1,
            "points": -250,
            "record_ids": ["crr_01JD3Z8Q6T8V4N2M5K1H0G9F8A"],
        },
        {"name": "years_in_operation", "input": 7, "points": 40, "record_ids": []},
    ],
    "reasons": [
        {
            "code": "R01_SERIOUS_DISHONESTY",
            "factor": "serious_dishonesty",
            "points": -250,
            "record_ids": ["crr_01JD3Z8Q6T8V4N2M5K1H0G9F8A"],
        }
    ],
    "rule_set": {"id": "rls_credit_scorecard_v1", "version": 1},
    "scored_on": "2026-11-30",
    "computed_at": "2026-11-30T02:00:00Z",
    "valid_from": "2026-11-30T02:00:00Z",
    "valid_to": None,
}


class RatingFactorPublic(BaseModel):
    """One factor of a rating: what it read and the points it gave."""

    name: str = Field(description="The scorecard's factor name.", examples=["serious_dishonesty"])
    input: int | None = Field(
        description="The factor's input: a number of counting records, or a soft fact "
        "(years, basis points, years filed); null when unknown."
    )
    points: int = Field(description="Points the factor added (negative: took away).")
    record_ids: list[str] = Field(description="The credit records behind the input.")


class RatingReasonPublic(BaseModel):
    """A reason code: one of the factors that moved the score most."""

    code: str = Field(description="Stable reason code.", examples=["R01_SERIOUS_DISHONESTY"])
    factor: str
    points: int
    record_ids: list[str]


class ScorecardRef(BaseModel):
    """The scorecard rule set a rating used."""

    id: str
    version: int


class CreditRatingPublic(BaseModel):
    """An enterprise's rating: kept as history, valid until the next one."""

    model_config = ConfigDict(json_schema_extra={"examples": [RATING_EXAMPLE]})

    id: str
    uscc: str
    score: int = Field(ge=0, le=1000)
    grade: str = Field(description="AAA, AA, A, B, C or D.", examples=["A"])
    factors: list[RatingFactorPublic]
    reasons: list[RatingReasonPublic] = Field(max_length=4)
    rule_set: ScorecardRef
    scored_on: date = Field(description="The business date (Asia/Shanghai) the inputs counted on.")
    computed_at: datetime
    valid_from: datetime
    valid_to: datetime | None = Field(
        description="When the next rating superseded it; null: current."
    )


class PublicGradePublic(BaseModel):
    """The grade of an enterprise, as anyone may see it (no score, no reasons)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"uscc": "91140105MA0KDE119Q", "grade": "AA", "valid_from": "2026-11-30T02:00:00Z"}
            ]
        }
    )

    uscc: str
    grade: str
    valid_from: datetime


class RatingRunCreate(BaseModel):
    """A batch rating: every active enterprise, or the ones listed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"usccs": None}, {"usccs": ["91140105MA0KDE119Q"]}]},
    )

    usccs: list[str] | None = Field(
        default=None,
        description="Enterprises to rate (at most 10,000); leave out to rate every active one.",
        min_length=1,
    )


class RatingRunPublic(BaseModel):
    """A batch rating and what it did."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "rrn_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "status": "succeeded",
                    "usccs": None,
                    "requested_by": "office",
                    "enterprises": 67699,
                    "rated": 67699,
                    "first_ratings": 0,
                    "changed": 412,
                    "unchanged": 66870,
                    "skipped": 0,
                    "error": None,
                    "created_at": "2026-11-30T02:00:00Z",
                    "started_at": "2026-11-30T02:00:00Z",
                    "finished_at": "2026-11-30T02:00:21Z",
                }
            ]
        }
    )

    id: str
    status: str = Field(description="queued, running, succeeded or failed.")
    usccs: list[str] | None
    requested_by: str
    enterprises: int = Field(description="Active enterprises found to rate.")
    rated: int = Field(description="Enterprises scored.")
    first_ratings: int = Field(description="Enterprises rated for the first time.")
    changed: int = Field(description="Ratings whose score or grade changed (rating.changed sent).")
    unchanged: int = Field(description="Ratings that said the same as before (no new rating).")
    skipped: int = Field(description="Listed enterprises not rated (unknown or deregistered).")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
