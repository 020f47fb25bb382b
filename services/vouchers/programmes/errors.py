"""Problems of voucher programmes."""

from services.common.errors import Conflict, NotFound, Unprocessable


class ProgrammeNotFound(NotFound):
    """No such programme (or a draft the caller may not see)."""

    code = "programme_not_found"


class ProgrammeNameTaken(Conflict):
    """A programme of this kind and year already has this name."""

    code = "programme_name_taken"


class ProgrammeNotDraft(Conflict):
    """Only a draft programme's terms change; an open one changes only its budget and approval."""

    code = "programme_not_draft"


class ProgrammeClosed(Conflict):
    """A closed programme never changes."""

    code = "programme_closed"


class ProgrammeTransitionInvalid(Conflict):
    """Draft → open → closed only."""

    code = "programme_transition_invalid"


class BudgetBelowCommitted(Conflict):
    """The budget may not go below what vouchers already committed."""

    code = "budget_below_committed"


class FaceValueExceedsBudget(Unprocessable):
    """A voucher's face value is more than the whole budget."""

    code = "face_value_exceeds_budget"


class CapBelowFaceValue(Unprocessable):
    """The yearly cap per enterprise is below one voucher's face value: none could be issued."""

    code = "cap_below_face_value"


class UnknownRuleSet(Unprocessable):
    """The rule set does not exist or is not an eligibility rule set."""

    code = "unknown_rule_set"


class NothingToUpdate(Unprocessable):
    """An update naming no field."""

    code = "nothing_to_update"


class FieldNotNullable(Unprocessable):
    """An update setting to null a field every programme has."""

    code = "field_not_nullable"
