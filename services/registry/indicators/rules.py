"""The declared source precedence and how periods add up: data both the service and migrations use.

A change to `PRECEDENCE` or `FLOWS` changes stored effective figures: ship it with a migration
that calls `services.registry.indicators.effective.rebuild`.
"""

from collections.abc import Mapping
from typing import Final

from services.registry.indicators.schemas import IndicatorName, IndicatorSource

S = IndicatorSource
INDICATORS: Final = tuple(IndicatorName)

# Departments over self-reports; among departments, the one responsible for the figure first.
PRECEDENCE: Final[Mapping[IndicatorName, tuple[IndicatorSource, ...]]] = {
    IndicatorName.REVENUE_FEN: (S.STATISTICS, S.TAX, S.SCIENCE, S.HR, S.ENTERPRISE),
    IndicatorName.EMPLOYEES: (S.HR, S.STATISTICS, S.TAX, S.SCIENCE, S.ENTERPRISE),
    IndicatorName.TECH_CONTRACT_TURNOVER_FEN: (S.SCIENCE, S.STATISTICS, S.TAX, S.HR, S.ENTERPRISE),
    IndicatorName.GRANTED_PATENTS: (S.SCIENCE, S.STATISTICS, S.TAX, S.HR, S.ENTERPRISE),
}

# A department client's token `org` → the source it reports as.
DEPARTMENT_SOURCES: Final[Mapping[str, IndicatorSource]] = {
    "statistics": S.STATISTICS,
    "tax": S.TAX,
    "state_tax": S.TAX,
    "local_tax": S.TAX,
    "science": S.SCIENCE,
    "hr": S.HR,
}

# Flows add up over quarters; stocks are read at the end of the last reported quarter.
FLOWS: Final = frozenset({IndicatorName.REVENUE_FEN, IndicatorName.TECH_CONTRACT_TURNOVER_FEN})
