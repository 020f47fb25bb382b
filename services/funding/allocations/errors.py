"""Problem codes of block allocation and matching."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class AllocationNotFound(NotFound):
    """No allocation with this id."""

    code = "allocation_not_found"


class UnknownBudgetLine(Unprocessable):
    """The budget line (`line:<year>:<line>`) has not been loaded."""

    code = "unknown_budget_line"


class UnknownDistrict(Unprocessable):
    """Not one of the programme's districts."""

    code = "unknown_district"


class AllocationInvalid(Unprocessable):
    """The allocation's amounts or weights cannot be used (a district twice, nothing to split)."""

    code = "allocation_invalid"


class MatchingRuleInvalid(Conflict):
    """The matching or allocation rule set in force gave a value that cannot be used."""

    code = "matching_rule_invalid"


class BlockNotFound(NotFound):
    """The district has no block of this line (nothing was allocated to it)."""

    code = "block_not_found"


class MatchingOverpaid(Conflict):
    """A matching payment larger than what the district still owes for the block."""

    code = "matching_overpaid"


class NotThisDistrict(Forbidden):
    """A district reports its own matching payments (or an admin records them)."""

    code = "not_this_district"
