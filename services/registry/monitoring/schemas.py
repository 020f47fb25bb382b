"""Request and response bodies of targets and monitoring."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from services.common.clock import UtcDateTime

_TARGET_EXAMPLE: JsonDict = {
    "revenue_fen": 60_900_000_000_000,
    "new_jobs": 15_400,
    "tech_contract_turnover_fen": 200_000_000_00,
    "patents_held": 509,
}


class ReportFormat(StrEnum):
    """How the progress report is delivered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class TargetPut(BaseModel):
    """A unit's targets for a year; leave a figure null where no target is set."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_TARGET_EXAMPLE]})

    revenue_fen: int | None = Field(default=None, ge=0, le=10**18, description="SME revenue, fen.")
    new_jobs: int | None = Field(default=None, ge=0, le=10**8, description="Net new SME jobs.")
    tech_contract_turnover_fen: int | None = Field(
        default=None, ge=0, le=10**18, description="Technology-contract turnover, fen."
    )
    patents_held: int | None = Field(
        default=None, ge=0, le=10**8, description="Granted patents held at year end."
    )


class TargetPublic(BaseModel):
    """A unit's targets for a year."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "unit": "xiaodian",
                    **_TARGET_EXAMPLE,
                    "source": "plan",
                    "version": 1,
                    "updated_at": "2026-11-27T08:00:00Z",
                }
            ]
        },
    )

    year: int
    unit: str = Field(description="`city` or a district code.")
    revenue_fen: int | None
    new_jobs: int | None
    tech_contract_turnover_fen: int | None
    patents_held: int | None
    source: str = Field(description="`plan` (the implementation plan, loaded as data) or `admin`.")
    version: int
    updated_at: UtcDateTime


class Metric(BaseModel):
    """Baseline, target, actual and completion of one indicator for one unit."""

    baseline: int | None = Field(
        description="End of the previous year (for new jobs: employees then), from the "
        "enterprises' reports; for the city in 2015, the plan's end-2014 figure "
        "(`plan_baseline`). Null without data."
    )
    target: int | None
    actual: int | None = Field(
        description="The year's sum over the reporting enterprises; null when none reported. "
        "For new jobs (net): the change in employees from the end of the previous year to the "
        "end of this one, summed over the enterprises that reported employees in both years "
        "(so newcomers and enterprises that stopped reporting do not count)."
    )
    completion_percent: str | None = Field(
        description="actual / target × 100, exact decimal rounded half-up to 2 places.",
        examples=["104.25"],
    )
    completion_bp: int | None = Field(
        description="The same in basis points (10000 = 100 %), rounded half-up."
    )
    reporting_enterprises: int = Field(
        description="Enterprises whose figures count here (new jobs: those reporting employees "
        "in both years)."
    )


class CohortSurvival(BaseModel):
    """Enterprises that filed in one year and how many were still filed at the report year's end."""

    cohort_year: int
    filed: int
    surviving: int
    survival_percent: str | None = Field(examples=["96.50"])


class EnterpriseYearCounts(BaseModel):
    """Filings and deregistrations in the year, those active at its end, survival by cohort."""

    filed: int = Field(description="Filed during the year (Asia/Shanghai).")
    deregistered: int = Field(description="Deregistered during the year.")
    active_at_year_end: int
    cohorts: list[CohortSurvival]


class UnitProgress(BaseModel):
    """Progress of one district or of the city."""

    unit: str = Field(examples=["xiaodian"])
    name_zh: str = Field(examples=["小店区"])
    name_en: str = Field(examples=["Xiaodian District"])
    revenue_fen: Metric
    new_jobs: Metric
    tech_contract_turnover_fen: Metric
    patents_held: Metric
    enterprises: EnterpriseYearCounts


class PlanBaseline(BaseModel):
    """The city's small and micro enterprises at the end of 2014, as the plan reports them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2014,
                    "enterprises": 67_699,
                    "employees": 595_000,
                    "revenue_fen": 33_470_000_000_000,
                    "taxes_fen": 2_330_000_000_000,
                    "patents_held": 2_187,
                    "tech_contracts": 363,
                    "tech_contract_turnover_fen": 130_000_000_000,
                    "source": "implementation plan, baseline (end of 2014)",
                }
            ]
        }
    )

    year: int
    enterprises: int = Field(description="Small and micro enterprises.")
    employees: int
    revenue_fen: int
    taxes_fen: int
    patents_held: int = Field(description="Granted patents.")
    tech_contracts: int = Field(description="Technology contracts signed.")
    tech_contract_turnover_fen: int
    source: str


class BaselineComparison(BaseModel):
    """One city figure at the end of the report year against the plan's end-2014 figure."""

    baseline: int
    actual: int | None = Field(description="Null when no enterprise reported.")
    change: int | None = Field(description="actual − baseline.")
    change_percent: str | None = Field(
        description="change / baseline × 100, exact decimal rounded half-up to 2 places.",
        examples=["11.60"],
    )


class SincePlanBaseline(BaseModel):
    """The city in the report year compared with the plan's end-2014 baseline."""

    enterprises: BaselineComparison = Field(description="Filed enterprises active at year end.")
    revenue_fen: BaselineComparison
    tech_contract_turnover_fen: BaselineComparison
    patents_held: BaselineComparison


class ProgressReport(BaseModel):
    """Progress of every district and the city (last) in one year."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "generated_at": "2026-11-27T08:00:00Z",
                    "units": [
                        {
                            "unit": "city",
                            "name_zh": "太原市",
                            "name_en": "Taiyuan City",
                            "revenue_fen": {
                                "baseline": 334_700_000_000_000,
                                "target": 373_500_000_000_000,
                                "actual": 380_000_000_000_000,
                                "completion_percent": "101.74",
                                "completion_bp": 10174,
                                "reporting_enterprises": 67_000,
                            },
                        }
                    ],
                }
            ]
        }
    )

    year: int
    generated_at: UtcDateTime
    units: list[UnitProgress]
    plan_baseline: PlanBaseline | None = Field(
        default=None, description="The plan's end-2014 baseline the monitoring compares with."
    )
    since_plan_baseline: SincePlanBaseline | None = Field(
        default=None, description="The city's figures this year against `plan_baseline`."
    )


class PublicMetric(BaseModel):
    """Target, actual and completion; the actual is withheld where too few enterprises report."""

    target: int | None
    actual: int | None
    completion_percent: str | None
    suppressed: bool = Field(
        description="True when fewer enterprises than the disclosure minimum report, so the "
        "figure could reveal one enterprise's data; also for the smallest other district(s) "
        "(or the city) when that is needed so no withheld figure can be worked out as the "
        "city's minus the districts shown."
    )


class PublicUnitSummary(BaseModel):
    """Aggregate progress of one unit, without enterprise-level or personal data."""

    unit: str
    name_zh: str
    name_en: str
    revenue_fen: PublicMetric
    new_jobs: PublicMetric
    tech_contract_turnover_fen: PublicMetric
    patents_held: PublicMetric
    enterprises_filed: int
    enterprises_active_at_year_end: int


class PublicProgressSummary(BaseModel):
    """The public summary of the demonstration's progress in one year."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "generated_at": "2026-11-27T08:00:00Z",
                    "disclosure_minimum": 3,
                    "units": [],
                }
            ]
        }
    )

    year: int
    generated_at: UtcDateTime
    disclosure_minimum: int = Field(
        description="Fewest reporting enterprises for an actual to show."
    )
    units: list[PublicUnitSummary]
