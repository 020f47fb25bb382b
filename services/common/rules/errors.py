"""Problems of rule sets: saving (the check of each rule), lookup, evaluation."""

from services.common.errors import Conflict, NotFound, Unprocessable


class RuleSyntaxError(Unprocessable):
    """A rule's expression is not valid CEL (the message gives line and column)."""

    code = "rule_syntax_error"


class RuleUnsupportedExpression(Unprocessable):
    """A rule uses CEL the rule checker does not cover (uint, bytes, messages…), so it is refused."""

    code = "rule_unsupported_expression"


class RuleUnknownVariable(Unprocessable):
    """A rule refers to a name that is no declared input, parameter or earlier rule."""

    code = "rule_unknown_variable"


class RuleUnknownFunction(Unprocessable):
    """A rule calls a function the rule language does not have."""

    code = "rule_unknown_function"


class RuleTypeError(Unprocessable):
    """A rule applies an operator or function to types it is not defined for."""

    code = "rule_type_error"


class RuleSetInvalid(Unprocessable):
    """The rule set's declarations break a rule: a name, a type, a parameter value, the period."""

    code = "rule_set_invalid"


class RuleInputNotSupplied(Unprocessable):
    """The rule set declares an input its family's service does not supply (or with another type)."""

    code = "rule_input_not_supplied"


class RuleResultMissing(Unprocessable):
    """The family needs a result (a rule of that name and type) the rule set does not have."""

    code = "rule_result_missing"


class RuleFamilyUnknown(Unprocessable):
    """This service keeps no rule family of that name."""

    code = "rule_family_unknown"


class RuleInputInvalid(Unprocessable):
    """An input for an evaluation is missing or not of its declared type."""

    code = "rule_input_invalid"


class RuleEvaluationFailed(Unprocessable):
    """A rule failed while evaluating (division by zero, a missing map key, an overflow)."""

    code = "rule_evaluation_failed"


class RuleSetNotFound(NotFound):
    """No rule set with this id in the families this service keeps."""

    code = "rule_set_not_found"


class RuleSetInUse(Conflict):
    """The rule set version has been used by a recorded evaluation and never changes: save a new version."""

    code = "rule_set_in_use"


class RuleSetVersionTaken(Conflict):
    """Another version of the family was saved at the same moment; retry."""

    code = "rule_set_version_taken"


class NoRuleSetInForce(Conflict):
    """No version of the family is in force on that date."""

    code = "no_rule_set_in_force"
