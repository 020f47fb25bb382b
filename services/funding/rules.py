"""The funding service's rule families (the kernel's rules as data), mounted once by app.py
with `rule_sets_router`: each domain that keeps rules adds its families to `FAMILIES`."""

from typing import Annotated

from fastapi import Depends

from services.common.identity import ClientKind, Principal, authorize
from services.common.rules import FamilySpec
from services.funding import scopes
from services.funding.allocations.rules import ALLOCATION_FAMILIES
from services.funding.bridge.rules import BRIDGE_FAMILIES
from services.funding.guarantees.rules import GUARANTEE_FAMILIES
from services.funding.interest.rules import INTEREST_FAMILIES
from services.funding.rewards.rules import REWARD_FAMILIES

FAMILIES: dict[str, FamilySpec] = {
    **ALLOCATION_FAMILIES,
    **REWARD_FAMILIES,
    **INTEREST_FAMILIES,
    **GUARANTEE_FAMILIES,
    **BRIDGE_FAMILIES,
}

# Admins and departments read the rules; only an admin saves or dry-runs them.
RuleReader = Annotated[
    Principal,
    Depends(authorize(scopes=[scopes.READ], kinds=[ClientKind.ADMIN, ClientKind.DEPARTMENT])),
]
RuleAdmin = Annotated[
    Principal, Depends(authorize(scopes=[scopes.ADMIN], kinds=[ClientKind.ADMIN]))
]
