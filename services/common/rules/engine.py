"""Rule sets without a database: the check of a definition when saved, and evaluation.

`check_definition` turns a submitted definition into its stored form (or raises a 422 naming
every broken declaration and rule); `evaluate` runs a stored definition on inputs and returns
every rule's value with a trace.
"""

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, ClassVar, Protocol

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
from services.common.rules.types import DYN, INT_MAX, INT_MIN, CelType, conform, parse_type

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
# Names CEL gives to types, functions and macros: a declaration may not take them.
BUILTIN_NAMES = frozenset(
    [
        "int",
        "uint",
        "double",
        "bool",
        "string",
        "bytes",
        "list",
        "map",
        "type",
        "dyn",
        "null_type",
        "has",
        "size",
        "matches",
        "contains",
        "startsWith",
        "endsWith",
        "all",
        "exists",
        "exists_one",
        "filter",
        "timestamp",
        "duration",
    ]
)
_MISSING: Any = object()
IDENTIFIER_CHARS = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass(frozen=True)
class FamilySpec:
    """What a service supplies to, and reads from, the rule sets of one family.

    `inputs`: name → type of every input the service passes when it evaluates; a rule set of
    the family may declare only these (same type), so any saved version can be evaluated.
    `results`: name → type of the rules the service reads; every version must have them. A
    name ending in `*` (`points_*`) is a naming convention instead: such rules are optional,
    but every rule whose name starts with the part before `*` must have that type.
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

    def add(
        self, cls: type[DomainError], where: str, message: str, code: str | None = None
    ) -> None:
        self.found.append((cls, FieldError(field=where, code=code or cls.code, message=message)))

    def raise_any(self, detail: str) -> None:
        if self.found:
            cls = self.found[0][0]
            raise cls(f"{detail}: {self.found[0][1].message}", errors=[e for _, e in self.found])


def _name_problem(name: str) -> str | None:
    if not name or name[0].isdigit() or not set(name) <= IDENTIFIER_CHARS or len(name) > 64:
        return f"'{name}' is not a name (letters, digits and _, not starting with a digit)"
    if name in RESERVED or name in BUILTIN_NAMES or name == NAMESPACE:
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
        index_of = {rule.name: index for index, rule in enumerate(data.rules)}
        for name, text in spec.results.items():
            wanted = parse_type(text)
            if name.endswith("*"):  # a naming convention: every rule so named has this type
                for rule in rules:
                    if rule["name"].startswith(name[:-1]) and rule["type"] != str(wanted):
                        problems.add(
                            errors.RuleResultMissing,
                            f"{prefix}.rules[{index_of[rule['name']]}].expression",
                            f"rule '{rule['name']}' gives {rule['type']}; the family needs "
                            f"{wanted} from every rule named {name}",
                        )
                continue
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
                    f"{prefix}.rules[{index_of[name]}].expression",
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


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for a rule value (lists and maps become tuples)."""
    if type(value) in _SCALAR_TYPES:
        return value  # type: ignore[no-any-return]
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value  # type: ignore[no-any-return]


_SCALAR_TYPES = frozenset({int, bool, str, float})
# Python types of the kernel's scalar types: a value of exactly this type conforms (ints also
# within 64 bits), without the general `conform`.
_EXACT: dict[str, type] = {"int": int, "bool": bool, "string": str, "double": float}


@dataclass(slots=True)
class _Rule:
    """One compiled rule: its program, its references and the memo of its trace steps."""

    index: int
    name: str
    expression: str
    type: str
    declared: CelType | None  # None: the rule's type involves dyn (not conformed)
    program: Any  # cel.Program
    references: tuple[str, ...]
    keyed: tuple[str, ...]  # the references that are not parameters (constants)
    key_of: Any  # the memo key (the keyed values as a tuple) from the values' hashable forms
    memo: dict[tuple[Hashable, ...], TraceStep] | None = field(default_factory=dict)
    referenced: bool = False  # a later rule reads its value
    judging: bool = True  # counting lookups and hits until the memo is judged
    lookups: int = 0
    hits: int = 0


def _in_range(value: Any) -> bool:
    return INT_MIN <= value <= INT_MAX


def _keyed(rule: Mapping[str, Any], parameters: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(ref for ref in rule["references"] if ref not in parameters)


def _key_getter(keyed: tuple[str, ...]) -> Any:
    # For two names or more, itemgetter gives the tuple of their values (in C).
    return itemgetter(*keyed) if len(keyed) > 1 else None


class CompiledRuleSet:
    """A stored rule set ready to evaluate many times: each rule compiled once, its parameters
    converted once, and each rule's trace step remembered by the values of the names it uses.

    A rule is a pure function of its references, so evaluating a batch (one rule set, many
    inputs) computes each rule once per distinct combination of the inputs and earlier rules it
    reads; a rule whose combinations rarely repeat (it reads a list of record ids) stops being
    remembered after `MEMO_PROBE` lookups. Inputs that are all scalars (int, double, bool,
    string: counts rather than lists of records) are cheapest: their values are the memo keys
    as they are, and a caller may remember whole evaluations by the tuple of the declared
    inputs' values (`inputs`). Results and trace steps may be shared between evaluations:
    treat them as read-only. Safe to use from several threads.
    """

    MEMO_LIMIT: ClassVar[int] = 8192  # steps remembered per rule
    MEMO_PROBE: ClassVar[int] = 512  # lookups before a rule's hit rate is judged
    MEMO_MIN_HITS: ClassVar[float] = 0.2  # below this share of hits, stop remembering

    def __init__(self, rule_set: StoredRuleSet) -> None:
        definition = rule_set.definition
        self.rule_set_id, self.family, self.version = rule_set.id, rule_set.family, rule_set.version
        self.label = f"{rule_set.family} version {rule_set.version}"
        self.inputs = {name: parse_type(text) for name, text in definition["inputs"].items()}
        self.parameters = {
            name: conform(parameter["value"], parse_type(parameter["type"]), name)
            for name, parameter in definition["parameters"].items()
        }
        self.uses_math = any(uses_math(rule["expression"]) for rule in definition["rules"])
        self.rules = [
            _Rule(
                index=index,
                name=rule["name"],
                expression=rule["expression"],
                type=rule["type"],
                declared=None if DYN.name in rule["type"] else parse_type(rule["type"]),
                program=cel.compile(rule["expression"]),
                references=tuple(rule["references"]),
                keyed=_keyed(rule, self.parameters),
                key_of=_key_getter(_keyed(rule, self.parameters)),
            )
            for index, rule in enumerate(definition["rules"])
        ]
        self._exact = tuple(
            (name, _EXACT.get(declared.name), declared) for name, declared in self.inputs.items()
        )
        # All inputs scalars: their values are their own memo keys (nothing to freeze).
        self._scalar_inputs = all(exact is not None for _n, exact, _d in self._exact)
        # Rules some later rule reads (their values take part in memo keys).
        referenced = {ref for rule in self.rules for ref in rule.keyed}
        for rule in self.rules:
            rule.referenced = rule.name in referenced
        self._local = threading.local()

    def _context(self) -> Any:
        # One context per thread, holding the parameters (converted once); an evaluation sets
        # the inputs and rule values each program reads before it runs.
        context = getattr(self._local, "context", None)
        if context is None:
            context = cel.Context(variables=dict(self.parameters))
            if self.uses_math:
                add_stdlib_to_context(context, [NAMESPACE])
            self._local.context = context
        return context

    def check_inputs(self, inputs: Mapping[str, Any], field_prefix: str) -> dict[str, Any]:
        """The declared inputs conformed to their types (422 `rule_input_invalid` naming each)."""
        values: dict[str, Any] = {}
        for name, exact, _declared in self._exact:
            value: Any = inputs.get(name, _MISSING)
            if type(value) is not exact or (exact is int and not _in_range(value)):
                break  # missing, or not plainly of its type: the full check says what is wrong
            values[name] = value
        else:
            return values
        problems = _Problems()
        values = {}
        for name, declared in self.inputs.items():
            where = f"{field_prefix}.{name}"
            if name not in inputs:
                problems.add(
                    errors.RuleInputInvalid, where, f"input '{name}' ({declared}) is missing"
                )
                continue
            try:
                values[name] = conform(inputs[name], declared, f"input '{name}'")
            except ValueError as error:
                problems.add(errors.RuleInputInvalid, where, str(error))
        problems.raise_any("The inputs are invalid")
        return values

    def evaluate(self, inputs: Mapping[str, Any], *, field_prefix: str = "inputs") -> Evaluation:
        """Every rule on `inputs`, in order, with a trace (as `evaluate`)."""
        return self._evaluate(self.check_inputs(inputs, field_prefix))

    def _judge(self, rule: _Rule, hit: bool) -> None:
        rule.lookups += 1
        rule.hits += hit
        if rule.lookups >= self.MEMO_PROBE:
            rule.judging = False
            if rule.hits < self.MEMO_MIN_HITS * rule.lookups:
                rule.memo = None  # its inputs rarely repeat: stop remembering

    def _evaluate(self, values: dict[str, Any]) -> Evaluation:
        # `keys`: each value's hashable form (the memo keys); the values themselves while
        # they are all scalars, which is the common case.
        keys: dict[str, Any] = values
        if not self._scalar_inputs:
            keys = {name: _frozen(value) for name, value in values.items()}
        context: Any = None
        in_context: set[str] = set()
        results: dict[str, Any] = {}
        trace: list[TraceStep] = []
        for rule in self.rules:
            key: tuple[Hashable, ...] | None = None
            step: TraceStep | None = None
            memo = rule.memo
            if memo is not None:
                keyed = rule.keyed
                key = rule.key_of(keys) if len(keyed) > 1 else (keys[keyed[0]],) if keyed else ()
                step = memo.get(key)
                if rule.judging:
                    self._judge(rule, step is not None)
            if step is not None:
                value = step.value
            else:
                if context is None:
                    context = self._context()
                for ref in rule.keyed:
                    if ref not in in_context:
                        context.add_variable(ref, values[ref])
                        in_context.add(ref)
                value = self._run(rule, context)
                step = TraceStep(
                    rule=rule.name,
                    expression=rule.expression,
                    type=rule.type,
                    value=value,
                    inputs_used={ref: self._value(ref, values) for ref in rule.references},
                )
                if memo is not None and key is not None and len(memo) < self.MEMO_LIMIT:
                    memo[key] = step
            trace.append(step)
            results[rule.name] = values[rule.name] = value
            if rule.referenced:
                if keys is not values:
                    keys[rule.name] = _frozen(value)
                elif type(value) not in _SCALAR_TYPES:
                    keys = dict(values)  # from here on, hashable forms of their own
                    keys[rule.name] = _frozen(value)
        return Evaluation(
            rule_set_id=self.rule_set_id,
            family=self.family,
            version=self.version,
            results=results,
            trace=trace,
        )

    def _value(self, name: str, values: Mapping[str, Any]) -> Any:
        return self.parameters[name] if name in self.parameters else values[name]

    def _run(self, rule: _Rule, context: Any) -> Any:
        where = f"the result of '{rule.name}'"
        try:
            value = _plain(rule.program.execute(context), where)
            if rule.declared is not None:
                value = conform(value, rule.declared, where)
        except Exception as error:
            message = str(error).split(". ")[0]
            raise errors.RuleEvaluationFailed.for_field(
                f"rules[{rule.index}].expression",
                f"rule '{rule.name}': {message}",
                detail=f"Rule '{rule.name}' of {self.label} failed: {message}",
            ) from None
        return value


_COMPILED: "OrderedDict[tuple[str, str, int, str], CompiledRuleSet]" = OrderedDict()
_COMPILED_LOCK = threading.Lock()
COMPILED_CACHE_SIZE = 32


def compiled_rule_set(rule_set: StoredRuleSet) -> CompiledRuleSet:
    """The rule set compiled, from a small per-process cache keyed by its id and content (an
    unused draft replaced in place compiles anew). Hold the result to evaluate a batch."""
    digest = hashlib.sha256(
        json.dumps(rule_set.definition, sort_keys=True, default=str).encode()
    ).hexdigest()
    key = (rule_set.id, rule_set.family, rule_set.version, digest)
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    compiled = CompiledRuleSet(rule_set)
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        while len(_COMPILED) > COMPILED_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def evaluate(
    rule_set: StoredRuleSet, inputs: Mapping[str, Any], *, field_prefix: str = "inputs"
) -> Evaluation:
    """Every rule of `rule_set` on `inputs`, in order, with a trace (nothing is recorded).

    Each declared input must be given with a value of its type (an int is accepted for a
    double); inputs the set does not declare are ignored. 422 `rule_input_invalid` names each
    bad input (`inputs.<name>`); a rule failing at run time is 422 `rule_evaluation_failed`.
    The rule set is compiled once per process (`compiled_rule_set`); for many evaluations hold
    `compiled_rule_set(rule_set)` and call its `evaluate`.
    """
    return compiled_rule_set(rule_set).evaluate(inputs, field_prefix=field_prefix)
