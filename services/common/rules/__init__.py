"""Rules as data: versioned, effective-dated rule sets of typed parameters and CEL rules.

A service opts in with its metadata (`service_metadata(KERNEL_MODELS, RULE_MODELS, ...)`), a
migration calling `services.common.kernel_schema.create_rule_tables()`, and the routes of
`services.common.rules.router.rule_sets_router(families=..., reader=..., admin=...)`. It
evaluates with `evaluate_in_force(session, family=..., on=..., inputs=...)` (or
`rule_set_for` + `evaluate` + `mark_used`; for a batch, `compiled_rule_set(rule_set)` once and
its `evaluate` per item) and stores the evaluation's `rule_set_id` with
what it computed.
"""

from services.common.rules.engine import (
    CompiledRuleSet,
    Evaluation,
    FamilySpec,
    TraceStep,
    check_definition,
    compiled_rule_set,
    evaluate,
)
from services.common.rules.models import RULE_MODELS, RuleSet
from services.common.rules.service import (
    evaluate_in_force,
    get_rule_set,
    mark_used,
    rule_set_for,
)

__all__ = [
    "RULE_MODELS",
    "CompiledRuleSet",
    "Evaluation",
    "FamilySpec",
    "RuleSet",
    "TraceStep",
    "check_definition",
    "compiled_rule_set",
    "evaluate",
    "evaluate_in_force",
    "get_rule_set",
    "mark_used",
    "rule_set_for",
]
