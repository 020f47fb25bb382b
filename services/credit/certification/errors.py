"""Problems of the 诚信企业 rounds."""

from services.common.errors import Conflict, NotFound, Unprocessable


class RoundNotFound(NotFound):
    """No certification round with this id."""

    code = "certification_round_not_found"


class RoundYearTaken(Conflict):
    """A round for this year exists already."""

    code = "certification_round_year_taken"


class WrongRuleFamily(Unprocessable):
    """The criteria must be a rule set of the `credit.certification` family."""

    code = "certification_rule_family"


class RoundStageConflict(Conflict):
    """The round is not at the stage this step needs."""

    code = "certification_round_stage"


class NoticePeriodRunning(Conflict):
    """The public notice has not ended: the round cannot be finalised yet."""

    code = "notice_period_running"


class NoticeClosed(Conflict):
    """Objections are taken only during the public notice."""

    code = "certification_notice_closed"


class NotACandidate(Unprocessable):
    """The enterprise is not a candidate of this round."""

    code = "not_a_certification_candidate"


class CertificationObjectionNotFound(NotFound):
    """No objection with this id in this round."""

    code = "certification_objection_not_found"


class ObjectionAlreadyDecided(Conflict):
    """The office has decided this objection already."""

    code = "certification_objection_decided"
