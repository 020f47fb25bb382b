"""The credit service's rule families: what it supplies to each, and the results it reads.

A family's inputs may grow (a new input is harmless to saved versions); renaming or retyping
one would make saved versions unevaluable, so add instead. The kernel's types have no null: an
input that may be unknown comes with a bool saying whether it is known (`employment_known`).
"""

from services.common.rules import FamilySpec

SCORECARD = "credit.scorecard"
CERTIFICATION = "credit.certification"

FAMILIES: dict[str, FamilySpec] = {
    SCORECARD: FamilySpec(
        description="The credit rating scorecard (read by the ratings domain): `score` "
        "(0–1000), `grade` (AAA, AA, A, B, C or D) and `reason_codes` (factor → code); each "
        "rule `points_<factor>` is a factor (in rule order) and its points, with optional "
        "`input_<factor>` (what it read), `known_<factor>` (false: the input is unknown) and "
        "`records_<factor>` (the ids of the records behind it).",
        inputs={
            # The records that count on the rating's day (disputed ones as they counted before
            # the dispute), by id: {id, type, polarity, loan_status ("" unless a loan),
            # source_kind}.
            "records": "list<map<string, string>>",
            "years_operating": "int",  # full years since founding on the rating's day
            # Employee growth from the year before the latest reported year to it, in basis
            # points (rounded down); 0 with `employment_known` false when there are no figures
            # for two consecutive years or none employed the year before.
            "employment_growth_bp": "int",
            "employment_known": "bool",
            "filing_years": "int",  # of the last three completed years, those with indicators
            "employees": "int",  # as the register last said
            "is_tech_sme": "bool",
            "size_class": "string",
            "industry": "string",
            "district": "string",
            # Counts of the counting records (negative_records: every negative one).
            "negative_records": "int",
            "positive_records": "int",
            "overdue_loans": "int",
            "on_time_loans": "int",
            "settled_loans": "int",
            "disputed_records": "int",  # of the enterprise's records, those under dispute
            "record_types": "list<string>",  # distinct types of the counting records, sorted
        },
        results={
            "score": "int",
            "grade": "string",
            "reason_codes": "map<string, string>",
            "points_*": "int",
            "input_*": "int",
            "known_*": "bool",
            "records_*": "list<string>",
        },
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
