"""Problem codes of budgets."""

from services.common.errors import Conflict, NotFound, Unprocessable


class BudgetNotFound(NotFound):
    """No budget loaded for this year."""

    code = "budget_not_found"


class BudgetAlreadyLoaded(Conflict):
    """The year's budget is loaded with another document (change it by ledger transfers)."""

    code = "budget_already_loaded"


class BudgetNotReconciled(Unprocessable):
    """Totals by source and by use differ, or a line's sub-lines do not add up to the line."""

    code = "budget_not_reconciled"


class BudgetCodeRepeated(Unprocessable):
    """A source, line or sub-line code appears twice."""

    code = "budget_code_repeated"
