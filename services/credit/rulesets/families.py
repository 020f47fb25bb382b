"""The credit service's rule families: what it supplies to each, and the results it reads.

Placeholders until the rating and certification domains settle their inputs: a family's
inputs may grow (a new input is harmless to saved versions); renaming or retyping one would
make saved versions unevaluable, so add instead.
"""

from services.common.rules import FamilySpec

SCORECARD = "credit.scorecard"
CERTIFICATION = "credit.certification"

FAMILIES: dict[str, FamilySpec] = {
    SCORECARD: FamilySpec(
        description="The credit rating scorecard: factor rules and a `total` score.",
        inputs={
            "years_operating": "int",
            "employees": "int",
            "is_tech_sme": "bool",
            "size_class": "string",
            "industry": "string",
            "district": "string",
            "negative_records": "int",
            "positive_records": "int",
            "overdue_loans": "int",
            "on_time_loans": "int",
            "settled_loans": "int",
            "disputed_records": "int",
            "record_types": "list<string>",
        },
        results={"total": "int"},
    ),
    CERTIFICATION: FamilySpec(
        description="The 诚信企业 (credit-worthy enterprise) criteria: `eligible`.",
        inputs={
            "score": "int",
            "grade": "string",
            "years_operating": "int",
            "negative_records": "int",
            "negative_records_3y": "int",
            "overdue_loans": "int",
            "is_tech_sme": "bool",
            "record_types": "list<string>",
            # Added for the 诚信企业 rounds: indicators filed for the year before the round's,
            # on any public list (dishonesty, abnormal operations) on the day of computing.
            "indicators_filed": "bool",
            "on_list": "bool",
        },
        results={"eligible": "bool"},
    ),
}
