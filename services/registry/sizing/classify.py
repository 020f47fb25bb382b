"""Classify an enterprise as large, medium, small or micro, and explain the result."""

from dataclasses import dataclass

from services.registry.sizing.errors import InvalidIndicatorError, MissingIndicatorError
from services.registry.sizing.industry_map import size_row_for
from services.registry.sizing.size_class import SIZE_ORDER, SizeClass
from services.registry.sizing.standard import Bounds, Indicator, SizeRow


@dataclass(frozen=True, slots=True)
class IndicatorAssessment:
    """One indicator's value, its bounds, and the largest class that value alone reaches."""

    bounds: Bounds
    value: int
    reaches: SizeClass


@dataclass(frozen=True, slots=True)
class SizeExplanation:
    """The row used, each indicator's assessment, and the class they decide together."""

    industry_code: str
    row: SizeRow
    assessments: tuple[IndicatorAssessment, ...]
    size_class: SizeClass

    @property
    def deciding(self) -> tuple[IndicatorAssessment, ...]:
        """The indicators that held the enterprise down to its class."""
        return tuple(a for a in self.assessments if a.reaches == self.size_class)

    def describe(self) -> str:
        """A one-line human-readable account of the decision."""
        parts = "; ".join(
            f"{a.bounds.indicator.value}={a.value} reaches {a.reaches.value} "
            f"(large≥{a.bounds.large}, medium≥{a.bounds.medium}, small≥{a.bounds.small})"
            for a in self.assessments
        )
        return f"{self.row.name_zh} ({self.row.code}): {parts} → {self.size_class.value}"


def _rank(bounds: Bounds, value: int) -> int:
    """Index in SIZE_ORDER of the largest class whose lower bound this single value meets."""
    if value >= bounds.large:
        return 0
    if value >= bounds.medium:
        return 1
    return 2 if value >= bounds.small else 3


def _value(row: SizeRow, bounds: Bounds, values: dict[Indicator, int | None]) -> int:
    value = values[bounds.indicator]
    if value is None:
        raise MissingIndicatorError(
            f"the {row.name_zh} row needs {bounds.indicator.value}", field=bounds.indicator.value
        )
    return value


def _indicator_values(
    employees: int, revenue_fen: int, assets_fen: int | None
) -> dict[Indicator, int | None]:
    """Map each indicator to its value, refusing negative ones whether or not the row uses them."""
    values: dict[Indicator, int | None] = {
        Indicator.EMPLOYEES: employees,
        Indicator.REVENUE: revenue_fen,
        Indicator.ASSETS: assets_fen,
    }
    for indicator, value in values.items():
        if value is not None and value < 0:
            raise InvalidIndicatorError(
                f"{indicator.value} must not be negative, got {value}", field=indicator.value
            )
    return values


def explain(
    industry_division: str, employees: int, revenue_fen: int, assets_fen: int | None
) -> SizeExplanation:
    """Classify and return which row, bounds and indicators decided the size class."""
    row = size_row_for(industry_division)
    values = _indicator_values(employees, revenue_fen, assets_fen)
    assessments = []
    for bounds in row.bounds:
        value = _value(row, bounds, values)
        assessments.append(IndicatorAssessment(bounds, value, SIZE_ORDER[_rank(bounds, value)]))
    # All indicators must reach a class's lower bounds, so the smallest class reached decides.
    size_class = max((a.reaches for a in assessments), key=SIZE_ORDER.index)
    return SizeExplanation(industry_division, row, tuple(assessments), size_class)


def classify(
    industry_division: str, employees: int, revenue_fen: int, assets_fen: int | None
) -> SizeClass:
    """Return the size class of an enterprise under the 2017 statistical standard."""
    # The same decision as `explain`, without building the explanation (bulk import hot path).
    row = size_row_for(industry_division)
    values = _indicator_values(employees, revenue_fen, assets_fen)
    return SIZE_ORDER[max(_rank(bounds, _value(row, bounds, values)) for bounds in row.bounds)]
