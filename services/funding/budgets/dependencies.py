"""Who may call the budget routes."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.funding.scopes import ADMIN, READ

# The city demonstration office (in the finance bureau) loads a year's budget.
BudgetAdmin = Annotated[Principal, Depends(authorize(scopes=[ADMIN], kinds=[ClientKind.ADMIN]))]
BudgetReader = Annotated[Principal, Depends(authorize(scopes=[READ]))]
