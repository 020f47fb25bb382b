"""Effective-dated parameters over a period: which version of a rule family is in force on each
day of a period, as consecutive runs of days (a change inside a quarter splits the quarter).

Not a domain (no router): the subsidy domains that pay per day (interest) or on a day
(guarantee compensation) use it with the kernel's rule sets.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from services.common.rules import RuleSet
from services.common.rules.errors import NoRuleSetInForce


@dataclass(frozen=True)
class Stretch:
    """Consecutive days (`first` to `last`, both included) with one version in force."""

    first: date
    last: date
    rule_set: RuleSet

    @property
    def days(self) -> int:
        """How many days the stretch has."""
        return (self.last - self.first).days + 1


def _covers(rule_set: RuleSet, day: date) -> bool:
    return rule_set.effective_from <= day and (
        rule_set.effective_to is None or day <= rule_set.effective_to
    )


def stretches(session: Session, *, family: str, first: date, last: date) -> list[Stretch]:
    """The days `first`…`last` split where the version of `family` in force changes (the
    kernel's rule: the highest version whose period covers the day). A day no version covers:
    409 `no_rule_set_in_force`."""
    versions = session.exec(
        select(RuleSet)
        .where(col(RuleSet.family) == family)
        .where(col(RuleSet.effective_from) <= last)
        .where((col(RuleSet.effective_to).is_(None)) | (col(RuleSet.effective_to) >= first))
        .order_by(col(RuleSet.version).desc())
    ).all()
    found: list[Stretch] = []
    day = first
    while day <= last:
        in_force = next((version for version in versions if _covers(version, day)), None)
        if in_force is None:
            raise NoRuleSetInForce(f"No version of the rule family {family} is in force on {day}.")
        if found and found[-1].rule_set.id == in_force.id:  # the day after found[-1].last
            found[-1] = Stretch(found[-1].first, day, in_force)
        else:
            found.append(Stretch(day, day, in_force))
        day += timedelta(days=1)
    return found
