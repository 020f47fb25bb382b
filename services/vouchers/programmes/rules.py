"""The vouchers service's rule families and the service categories vouchers pay for.

Eligibility is the kernel's rules (CEL, versioned, traced). A programme names its own rule set
(`rule_set_id`, any version of these families) or uses its kind's default: the version of
`vouchers.eligibility.startup` / `vouchers.eligibility.innovation` in force on the day. The kind
defaults are separate families because the kernel puts one version of a family in force at a
time; `vouchers.eligibility` holds programme-specific sets, only ever used by id.
"""

from enum import StrEnum

from services.common.rules import FamilySpec


class Category(StrEnum):
    """What a voucher may pay for (a programme covers some; a provider offers some)."""

    TRAINING = "training"
    CONSULTING = "consulting"
    TESTING = "testing"
    INSPECTION = "inspection"
    SOFTWARE = "software"
    RND = "rnd"
    DESIGN = "design"
    CERTIFICATION = "certification"
    IP = "ip"


ELIGIBILITY = "vouchers.eligibility"
KIND_DEFAULTS = {
    "startup": "vouchers.eligibility.startup",
    "innovation": "vouchers.eligibility.innovation",
}

ELIGIBILITY_INPUTS = {
    "years_since_founding": "int",  # whole years completed on the day
    "days_since_founding": "int",
    "is_tech_sme": "bool",
    "size_class": "string",  # micro / small / medium / large
    "district": "string",
    "status": "string",  # active / deregistered
    "on_dishonesty_list": "bool",
    "programme_kind": "string",
    "programme_year": "int",
}

FAMILIES: dict[str, FamilySpec] = {
    ELIGIBILITY: FamilySpec(
        description="A programme's own eligibility rules, used by id: `eligible`; an optional "
        "`reasons` (list<string>) replaces the failed checks as the reasons.",
        inputs=ELIGIBILITY_INPUTS,
        results={"eligible": "bool"},
    ),
    KIND_DEFAULTS["startup"]: FamilySpec(
        description="创业券 default eligibility (programmes without their own rule set).",
        inputs=ELIGIBILITY_INPUTS,
        results={"eligible": "bool"},
    ),
    KIND_DEFAULTS["innovation"]: FamilySpec(
        description="创新券 default eligibility (programmes without their own rule set).",
        inputs=ELIGIBILITY_INPUTS,
        results={"eligible": "bool"},
    ),
}
