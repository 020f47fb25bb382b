"""The credit service's rule families: what it supplies to each, and the results it reads.

A family's inputs may grow (a new input is harmless to saved versions); renaming or retyping
one would make saved versions unevaluable, so add instead. The kernel's types have no null: an
input that may be unknown comes with a bool saying whether it is known (`employment_known`).
Inputs are scalars where they can be (counts rather than lists of records): a batch then
evaluates each distinct combination once (the kernel remembers whole evaluations).
"""

from services.common.rules import FamilySpec
from services.credit.records.rules import LoanStatus, RecordType

# The kinds of counting record a scorecard reads as counts: every record type but loans
# (`<type>_records`), and loans by their status (`<status>_loans`); also the totals by polarity.
RECORD_KINDS: tuple[str, ...] = (
    *(f"{t.value}_records" for t in RecordType if t is not RecordType.LOAN),
    *(f"{status.value}_loans" for status in LoanStatus),
)
POLARITY_KINDS: tuple[str, ...] = ("negative_records", "positive_records")

SCORECARD = "credit.scorecard"
CERTIFICATION = "credit.certification"

FAMILIES: dict[str, FamilySpec] = {
    SCORECARD: FamilySpec(
        description="The credit rating scorecard (read by the ratings domain): `score` "
        "(0–1000), `grade` (AAA, AA, A, B, C or D) and `reason_codes` (factor → code); each "
        "rule `points_<factor>` is a factor (in rule order) and its points, with optional "
        "`input_<factor>` (what it read), `known_<factor>` (false: the input is unknown) and "
        "`records_<factor>` (the record counts it reads, by input name, e.g. "
        '["overdue_loans"]: the ratings domain attaches the ids of those records to the factor, '
        "and their number is the factor's input).",
        inputs={
            # The counting records (disputed ones as they counted before the dispute), by kind:
            # one count per record type (`<type>_records`) and per loan status (`<status>_loans`).
            **{name: "int" for name in RECORD_KINDS},
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
            # Counts of the counting records by polarity (every negative, every positive one).
            "negative_records": "int",
            "positive_records": "int",
            "disputed_records": "int",  # of the enterprise's records, those under dispute
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
