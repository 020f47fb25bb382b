"""The four enterprise size classes, largest first."""

from enum import StrEnum


class SizeClass(StrEnum):
    """大/中/小/微 enterprise size class."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"

    @property
    def name_zh(self) -> str:
        """The class as the standard names it."""
        return _NAMES_ZH[self]

    @property
    def is_small_or_micro(self) -> bool:
        """Whether an enterprise of this class may file with the SME platform."""
        return self in (SizeClass.SMALL, SizeClass.MICRO)


_NAMES_ZH = {
    SizeClass.LARGE: "大型",
    SizeClass.MEDIUM: "中型",
    SizeClass.SMALL: "小型",
    SizeClass.MICRO: "微型",
}

# Classes from largest to smallest, the order in which the standard tests them.
SIZE_ORDER: tuple[SizeClass, ...] = (
    SizeClass.LARGE,
    SizeClass.MEDIUM,
    SizeClass.SMALL,
    SizeClass.MICRO,
)
