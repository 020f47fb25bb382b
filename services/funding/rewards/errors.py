"""Problem codes of reward runs."""

from services.common.errors import Conflict, NotFound, Unprocessable


class RewardRunNotFound(NotFound):
    """No committed reward run with this id."""

    code = "reward_run_not_found"


class RewardRunExists(Conflict):
    """This year, budget line and rule-set version has a committed run already."""

    code = "reward_run_exists"


class RewardRuleSetUnknown(Unprocessable):
    """The budget line's reward family has no such version."""

    code = "reward_rule_set_unknown"


class RewardRuleSetNotForYear(Unprocessable):
    """The rule-set version is not in force on any day of the year rewarded."""

    code = "reward_rule_set_not_for_year"


class RewardBudgetLineUnknown(Unprocessable):
    """The ledger has no such budget line for the year."""

    code = "reward_budget_line_unknown"


class RewardNegative(Unprocessable):
    """The rule set computed a negative reward for a base (a rule set to correct)."""

    code = "reward_negative"


class RewardNothingPassed(Conflict):
    """No base passed its acceptance for the year: nothing to reward (record the results first)."""

    code = "reward_nothing_passed"


class RewardAlreadyAwarded(Conflict):
    """Every base that passed has a live reward of the year and line already (a new version of
    the rules is no second reward: cancel the first one's disbursements to replace it)."""

    code = "reward_already_awarded"
