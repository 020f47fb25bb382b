"""Enterprise size classes (大/中/小/微) under 统计上大中小微型企业划分办法(2017)."""

from services.registry.sizing.classify import (
    IndicatorAssessment,
    SizeExplanation,
    classify,
    explain,
)
from services.registry.sizing.errors import (
    IndustryNeedsGroupError,
    IndustryNotCoveredError,
    InvalidIndicatorError,
    MissingIndicatorError,
    SizingError,
    UnknownIndustryError,
)
from services.registry.sizing.industry_map import size_row_for
from services.registry.sizing.size_class import SizeClass
from services.registry.sizing.standard import SIZE_ROWS, Bounds, Indicator, SizeRow

__all__ = [
    "SIZE_ROWS",
    "Bounds",
    "Indicator",
    "IndicatorAssessment",
    "IndustryNeedsGroupError",
    "IndustryNotCoveredError",
    "InvalidIndicatorError",
    "MissingIndicatorError",
    "SizeClass",
    "SizeExplanation",
    "SizeRow",
    "SizingError",
    "UnknownIndustryError",
    "classify",
    "explain",
    "size_row_for",
]
