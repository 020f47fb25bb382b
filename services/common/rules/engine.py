"""Rule sets without a database: the check of a definition when saved, and evaluation.

`check_definition` turns a submitted definition into its stored form (or raises a 422 naming
every broken declaration and rule); `evaluate` runs a stored definition on inputs and returns
every rule's value with a trace.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import cel
from cel.stdlib import add_stdlib_to_context

from services.common.errors import DomainError, FieldError
from services.common.rules import errors
from services.common.rules.checker import (
    NAMESPACE,
    RESERVED,
    CheckFailure,
    check_expression,
    uses_math,
)
from services.common.rules.types import DYN, CelType, conform, parse_type

CHECK_ERRORS: dict[str, type[DomainError]] = {
    cls.code: cls
    for cls in (
        errors.RuleSyntaxError,
        errors.RuleUnsupportedExpression,
        errors.RuleUnknownVariable,
        errors.RuleUnknownFunction,
        errors.RuleTypeError,
    )
}
IDENTIFIER_CHARS = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass(frozen=True)
class FamilySpec:
    """What a service supplies to, and reads from, the rule sets of one family.

    `inputs`: name → type of every input the service passes when it evaluates; a rule set of
    the family may declare only these (same type), so any saved version can be evaluated.
    `results`: name → type of the rules the service reads; every version must have them.
    """

    description: str
    inputs: Mapping[str, str]
    results: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TraceStep:
    """One rule's evaluation: its value and the value of each name it refers to."""

    rule: str
    expression: str
    type: str
    value: Any
    inputs_used: dict[str, Any]


@dataclass(frozen=True)
class Evaluation:
    """A rule set's results for some inputs (rule name → value, in rule order) and its trace."""

    rule_set_id: str
    family: str
    version: int
    results: dict[str, Any]
    trace: list[TraceStep]


class Definition(Protocol):
    """A submitted rule set's content (`RuleSetCreate`/`RuleSetUpdate`)."""

    effective_from: date
    effective_to: date | None
    description: str | None
    inputs: dict[str, str]

    @property
    def parameters(self) -> Mapping[str, Any]: ...  # name → {type, value}

    @property
    def rules(self) -> Sequence[Any]: ...  # each with name, expression, description


class StoredRuleSet(Protocol):
    """What evaluation needs of a stored rule set (the `RuleSet` row)."""

    id: str
    family: str
    version: int
    definition: dict[str, Any]


class _Problems:
    def __init__(self) -> None:
        self.found: list[tuple[type[DomainError], FieldError]] = []

    def add(self, cls: type[DomainError], where: str, message: str, code: str | None = None) -> None:
        self.found.append((cls, FieldError(field=where, code=code or cls.code, message=message)))

    def raise_any(self, detail: str) -> None:
        if self.found:
            cls = self.found[0][0]
            raise cls(f"{detail}: {self.found[0][1].message}", errors=[e for _, e in self.found])


def _name_problem(name: str) -> str | None:
    if not name or name[0].isdigit() or not set(name) <= IDENTIFIER_CHARS or len(name) > 64:
        return f"'{name}' is not a name (letters, digits and _, not starting with a digit)"
    if name in RESERVED or name == NAMESPACE:
        return f"'{name}' is a reserved word"
    return None


def check_definition(
    data: Definition, *, spec: FamilySpec | None, prefix: str = "body"
) -> dict[str, Any]:
    """The stored form of a submitted definition, after checking it all.

    Raises the first problem's class (422) with one `errors[]` entry per broken declaration
    or rule: the field (`body.rules[2].expression`) and `rule 'total': … at line:column`.
    """
    problems = _Problems()
    invalid = errors.RuleSetInvalid
    seen: set[str] = set()
    env: dict[str, CelType] = {}

    def declare(name: str, where: str) -> bool:
        problem = _name_problem(name)
        if problem is None and name in seen:
            problem = f"'{name}' is declared twice (inputs, parameters and rules share names)"
        seen.add(name)
        if problem is not None:
            problems.add(invalid, where, problem)
        return problem is None

    if data.effective_to is not None and data.effective_to < data.effective_from:
        problems.add(invalid, f"{prefix}.effective_to", "effective_to is before effective_from")
    inputs: dict[str, str] = {}
    for name, text in data.inputs.items():
        where = f"{prefix}.inputs.{name}"
        if not declare(name, where):
            continue
        try:
            declared = parse_type(text)
        except ValueError as error:
            problems.add(invalid, where, f"input '{name}': {error}")
            continue
        if spec is not None:
            supplied = spec.inputs.get(name)
            if supplied is None:
                problems.add(
                    errors.RuleInputNotSupplied,
                    where,
                    f"input '{name}' is not supplied by the service; it supplies "
                    + ", ".join(f"{k} ({v})" for k, v in spec.inputs.items()),
                )
                continue
            if parse_type(supplied) != declared:
                problems.add(
                    errors.RuleInputNotSupplied,
                    where,
                    f"input '{name}' is supplied as {supplied}, not {declared}",
                )
                continue
        env[name] = declared
        inputs[name] = str(declared)
    parameters: dict[str, dict[str, Any]] = {}
    for name, parameter in data.parameters.items():
        where = f"{prefix}.parameters.{name}"
        if not declare(name, where):
            continue
        try:
            declared = parse_type(parameter.type)
        except ValueError as error:
            problems.add(invalid, f"{where}.type", f"parameter '{name}': {error}")
            continue
        try:
            value = conform(parameter.value, declared, f"parameter '{name}'")
        except ValueError as error:
            problems.add(invalid, f"{where}.value", str(error))
            continue
        env[name] = declared
        parameters[name] = {"type": str(declared), "value": value}
    problems.raise_any("The rule set's declarations are invalid")
    rules: list[dict[str, Any]] = []
    for index, rule in enumerate(data.rules):
        where = f"{prefix}.rules[{index}]"
        if not declare(rule.name, f"{where}.name"):
            continue
        try:
            result = check_expression(rule.expression, env)
        except CheckFailure as failure:
            problems.add(
                CHECK_ERRORS[failure.code],
                f"{where}.expression",
                f"rule '{rule.name}': {failure.message} at {failure.line}:{failure.column}",
            )
            env[rule.name] = DYN  # later rules may use it without a cascade of errors
            continue
        env[rule.name] = result
        program_refs = sorted(
            name for name in cel.compile(rule.expression).variables() if name in env
        )
        rules.append(
            {
                "name": rule.name,
                "expression": rule.expression,
                "description": rule.description,
                "type": str(result),
                "references": program_refs,
            }
        )
    problems.raise_any("A rule is invalid")
    if spec is not None:
        by_name = {rule["name"]: rule for rule in rules}
        for name, text in spec.results.items():
            wanted = parse_type(text)
            rule = by_name.get(name)
            if rule is None:
                problems.add(
                    errors.RuleResultMissing,
                    f"{prefix}.rules",
                    f"the family needs a rule '{name}' giving {wanted}",
                )
            elif rule["type"] != str(wanted):
                problems.add(
                    errors.RuleResultMissing,
                    f"{prefix}.rules[{data.rules.index(next(r for r in data.rules if r.name == name))}].expression",
                    f"rule '{name}' gives {rule['type']}; the family needs {wanted}",
                )
        problems.raise_any("The rule set lacks a result its service reads")
    return {
        "description": data.description,
        "inputs": inputs,
        "parameters": parameters,
        "rules": rules,
    }


def _plain(value: Any, where: str) -> Any:
    """A CEL result as JSON: finite numbers, strings, bools, lists and string-keyed maps."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}, not a finite number")
        return value
    if isinstance(value, list | tuple):
        return [_plain(item, where) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item, where) for key, item in value.items()}
    raise ValueError(f"{where} is a {type(value).__name__}, which has no JSON form")


def evaluate(
    rule_set: StoredRuleSet, inputs: Mapping[str, Any], *, field_prefix: str = "inputs"
) -> Evaluation:
    """Every rule of `rule_set` on `inputs`, in order, with a trace (nothing is recorded).

    Each declared input must be given with a value of its type (an int is accepted for a
    double); inputs the set does not declare are ignored. 422 `rule_input_invalid` names each
    bad input (`inputs.<name>`); a rule failing at run time is 422 `rule_evaluation_failed`.
    """
    definition = rule_set.definition
    problems = _Problems()
    values: dict[str, Any] = {}
    for name, text in definition["inputs"].items():
        where = f"{field_prefix}.{name}"
        if name not in inputs:
            problems.add(errors.RuleInputInvalid, where, f"input '{name}' ({text}) is missing")
            continue
        try:
            values[name] = conform(inputs[name], parse_type(text), f"input '{name}'")
        except ValueError as error:
            problems.add(errors.RuleInputInvalid, where, str(error))
    problems.raise_any("The inputs are invalid")
    for name, parameter in definition["parameters"].items():
        values[name] = conform(parameter["value"], parse_type(parameter["type"]), name)
    context = cel.Context(variables=dict(values))
    if any(uses_math(rule["expression"]) for rule in definition["rules"]):
        add_stdlib_to_context(context, [NAMESPACE])
    results: dict[str, Any] = {}
    trace: list[TraceStep] = []
    label = f"{rule_set.family} version {rule_set.version}"
    for index, rule in enumerate(definition["rules"]):
        name = rule["name"]
        try:
            value = _plain(cel.evaluate(rule["expression"], context), f"the result of '{name}'")
            declared = parse_type(rule["type"])
            if DYN.name not in rule["type"]:
                value = conform(value, declared, f"the result of '{name}'")
        except Exception as error:  # noqa: BLE001 — any failure of a rule is the rule's problem
            message = str(error).split(". ")[0]
            raise errors.RuleEvaluationFailed.for_field(
                f"rules[{index}].expression",
                f"rule '{name}': {message}",
                detail=f"Rule '{name}' of {label} failed: {message}",
            ) from None
        trace.append(
            TraceStep(
                rule=name,
                expression=rule["expression"],
                type=rule["type"],
                value=value,
                inputs_used={ref: values[ref] for ref in rule["references"]},
            )
        )
        results[name] = value
        values[name] = value
        context.add_variable(name, value)
    return Evaluation(
        rule_set_id=rule_set.id,
        family=rule_set.family,
        version=rule_set.version,
        results=results,
        trace=trace,
    )
