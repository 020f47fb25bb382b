"""Request and response bodies of the indicator routes."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.clock import UtcDateTime


class IndicatorSource(StrEnum):
    """Who vouches for a figure: the enterprise itself or a department."""

    ENTERPRISE = "enterprise"
    STATISTICS = "statistics"
    TAX = "tax"
    SCIENCE = "science"
    HR = "hr"


class IndicatorName(StrEnum):
    """The four monitored indicators."""

    REVENUE_FEN = "revenue_fen"
    EMPLOYEES = "employees"
    TECH_CONTRACT_TURNOVER_FEN = "tech_contract_turnover_fen"
    GRANTED_PATENTS = "granted_patents"


class IndicatorReportCreate(BaseModel):
    """Figures one source reports for one enterprise and period; send at least one figure."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2015,
                    "quarter": None,
                    "source": "tax",
                    "revenue_fen": 1_250_000_000,
                    "employees": 42,
                    "tech_contract_turnover_fen": 30_000_000,
                    "granted_patents": 3,
                }
            ]
        },
    )

    year: int = Field(ge=2000, le=2100, description="Calendar year of the figures.")
    quarter: int | None = Field(
        default=None, ge=1, le=4, description="1–4 for a quarter's figures; omit for the year."
    )
    source: IndicatorSource
    revenue_fen: int | None = Field(
        default=None, ge=0, le=10**16, description="Operating revenue of the period, in fen."
    )
    employees: int | None = Field(
        default=None, ge=0, le=10_000_000, description="Employees at the end of the period."
    )
    tech_contract_turnover_fen: int | None = Field(
        default=None,
        ge=0,
        le=10**16,
        description="Technology-contract turnover of the period, fen.",
    )
    granted_patents: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Granted patents held at the end of the period.",
    )


class IndicatorReportPublic(BaseModel):
    """One stored report, as sent."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(examples=["ind_01JA2B3C4D5E6F7G8H9J0KMNPQ"])
    uscc: str = Field(examples=["91140100MA0GRDLQ3T"])
    year: int
    quarter: int | None
    source: IndicatorSource
    revenue_fen: int | None
    employees: int | None
    tech_contract_turnover_fen: int | None
    granted_patents: int | None
    reported_by: str = Field(description="The client that sent the report.")
    reported_at: UtcDateTime


class EffectiveFigure(BaseModel):
    """The figure that counts for one indicator and period, and the report it comes from."""

    value: int
    source: IndicatorSource
    report_id: str


class EffectiveIndicators(BaseModel):
    """The effective figure of each indicator for one period (null where nobody reported)."""

    revenue_fen: EffectiveFigure | None = None
    employees: EffectiveFigure | None = None
    tech_contract_turnover_fen: EffectiveFigure | None = None
    granted_patents: EffectiveFigure | None = None


class IndicatorReportReceipt(IndicatorReportPublic):
    """The stored report and the period's effective figures after it."""

    effective: EffectiveIndicators
    size_class: str | None = Field(
        default=None, description="The enterprise's size class after this report."
    )


class PeriodIndicators(BaseModel):
    """One period of one enterprise: effective figures and every report from every source."""

    year: int
    quarter: int | None
    effective: EffectiveIndicators
    reports: list[IndicatorReportPublic]


class EnterpriseIndicators(BaseModel):
    """An enterprise's indicators, period by period (newest first), with the precedence used."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uscc": "91140100MA0GRDLQ3T",
                    "precedence": {
                        "revenue_fen": ["statistics", "tax", "science", "hr", "enterprise"]
                    },
                    "periods": [],
                }
            ]
        }
    )

    uscc: str
    precedence: dict[IndicatorName, list[IndicatorSource]] = Field(
        description="Per indicator, sources from most to least trusted; within one source the "
        "latest report wins."
    )
    periods: list[PeriodIndicators]


class PrecedencePublic(BaseModel):
    """The declared precedence of sources, per indicator."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "precedence": {
                        "revenue_fen": ["statistics", "tax", "science", "hr", "enterprise"],
                        "employees": ["hr", "statistics", "tax", "science", "enterprise"],
                    },
                    "department_sources": {"tax": "tax", "state_tax": "tax", "hr": "hr"},
                }
            ]
        }
    )

    precedence: dict[IndicatorName, list[IndicatorSource]]
    department_sources: dict[str, IndicatorSource] = Field(
        description="Which source a department client (by its token's `org`) reports as."
    )
