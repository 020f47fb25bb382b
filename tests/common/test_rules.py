"""The kernel's rules as data: the check on save, evaluation with a trace, the effective date."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from services.common.errors import DomainError
from services.common.identity import ClientKind, Principal
from services.common.models import KERNEL_MODELS, service_metadata
from services.common.rules import (
    RULE_MODELS,
    FamilySpec,
    RuleSet,
    check_definition,
    compiled_rule_set,
    evaluate,
    evaluate_in_force,
    mark_used,
    rule_set_for,
)
from services.common.rules import errors as rule_errors
from services.common.rules.checker import CheckFailure, check_expression
from services.common.rules.schemas import RuleSetCreate
from services.common.rules.service import create_rule_set
from services.common.rules.types import (
    BOOL,
    DOUBLE,
    INT,
    STRING,
    conform,
    list_of,
    map_of,
    parse_type,
)

ENV = {
    "score": INT,
    "ratio": DOUBLE,
    "name": STRING,
    "flag": BOOL,
    "tags": list_of(STRING),
    "amounts": map_of(STRING, DOUBLE),
}
FAMILY = "test.scorecard"
SPEC = FamilySpec(
    description="test",
    inputs={"records": "int", "years": "int", "ratio": "double", "tags": "list<string>"},
    results={"total": "int"},
)
ADMIN = Principal(client_id="cli_admin", kind=ClientKind.ADMIN, org=None, scopes=frozenset())


def definition(**overrides: Any) -> RuleSetCreate:
    body: dict[str, Any] = {
        "family": FAMILY,
        "effective_from": "2027-01-01",
        "inputs": {"records": "int", "years": "int", "ratio": "double"},
        "parameters": {"max_score": {"type": "int", "value": 1000}, "penalty": {"type": "int", "value": 120}},
        "rules": [
            {"name": "base", "expression": "600 + math.least(years, 10) * 20"},
            {"name": "repayment", "expression": "int(ratio * 200.0)"},
            {"name": "negatives", "expression": "records * penalty"},
            {"name": "total", "expression": "math.least(max_score, base + repayment - negatives)"},
        ],
    }  # fmt: skip
    body.update(overrides)
    return RuleSetCreate.model_validate(body)


def failure(expression: str) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        check_expression(expression, ENV)
    return caught.value


# ---------------------------------------------------------------- the check of one expression


@pytest.mark.parametrize(
    ("expression", "code", "message", "where"),
    [
        ("1 + fooo", "rule_unknown_variable", "undeclared reference to 'fooo'", (1, 5)),
        ("score +\n  missing * 2", "rule_unknown_variable", "undeclared reference to 'missing'", (2, 3)),
        ("tags.all(t, u)", "rule_unknown_variable", "undeclared reference to 'u'", (1, 13)),
        ('"a" + 1', "rule_type_error", "no matching overload for '+' applied to (string, int)", (1, 5)),
        ('score > "x"', "rule_type_error", "no matching overload for '>' applied to (int, string)", (1, 7)),
        ("ratio * 2", "rule_type_error", "no matching overload for '*' applied to (double, int)", (1, 7)),
        ("flag ? 1 : 2.0", "rule_type_error", "both branches must have one type: int and double", (1, 6)),
        ("[1, 2.0]", "rule_type_error", "list elements must have one type: int and double", (1, 5)),
        ("score && flag", "rule_type_error", "no matching overload for '&&' applied to (int, bool)", (1, 7)),
        ("name.size() + ratio", "rule_type_error", "no matching overload for '+' applied to (int, double)", (1, 13)),
        ("amounts.x + 1", "rule_type_error", "no matching overload for '+' applied to (double, int)", (1, 11)),
        ("score.x", "rule_type_error", "type int has no field 'x'", (1, 6)),
        ("string(flag)", "rule_type_error", "no matching overload for 'string' applied to (bool)", (1, 1)),
        ("nope(1)", "rule_unknown_function", "undeclared reference to function 'nope'", (1, 1)),
        ("math.pow(2, 3)", "rule_unknown_function", "undeclared reference to function 'math.pow'", (1, 6)),
        ("1u + 2u", "rule_unsupported_expression", "uint literals are not supported", (1, 1)),
        ("score +", "rule_syntax_error", "syntax error: mismatched input '<EOF>'", (1, 8)),
        ("(score", "rule_syntax_error", "syntax error:", (1, 7)),
    ],
)  # fmt: skip
def test_the_check_names_the_problem_and_its_position(
    expression: str, code: str, message: str, where: tuple[int, int]
) -> None:
    found = failure(expression)
    assert found.code == code
    assert found.message.startswith(message), found.message
    assert (found.line, found.column) == where


@pytest.mark.parametrize(
    ("expression", "type_"),
    [
        ("score + 1", "int"),
        ("score > 1.5", "bool"),  # CEL compares int with double
        ("double(score) / 3.0", "double"),
        ('tags.exists(t, t == "x")', "bool"),
        ("tags.map(t, size(t))", "list<int>"),
        ('tags.filter(t, t.startsWith("a"))', "list<string>"),
        ("amounts.revenue * 2.0", "double"),
        ('has(amounts.revenue) ? amounts["revenue"] : 0.0', "double"),
        ('"a" in amounts && name in tags', "bool"),
        ("math.greatest(0, math.least(score, 100))", "int"),
        ("math.floor(ratio)", "double"),
        ('{"a": score}', "map<string, int>"),
        ("[]", "list<dyn>"),
        ("-score % 7", "int"),
    ],
)
def test_well_typed_expressions_have_their_type(expression: str, type_: str) -> None:
    assert str(check_expression(expression, ENV)) == type_


def test_a_deeply_nested_expression_is_refused_not_a_crash() -> None:
    found = failure("!" * 3000 + "flag")
    assert (found.code, found.message) == (
        "rule_unsupported_expression",
        "the expression is nested too deeply",
    )
    assert str(check_expression("score" + " + score" * 200, ENV)) == "int"


VALUES = {"score": 7, "ratio": 2.5, "name": "abc", "flag": True, "tags": ["a", "x"],
          "amounts": {"revenue": 3.0}}  # fmt: skip


@pytest.mark.parametrize(
    "expression",
    [
        "has(amounts.revenue)", '"a" in amounts', 'amounts.all(k, k != "")', "amounts.map(k, k)",
        "math.least([3, 1, 2])", "math.greatest(score, 9)", "int(ratio)", "string(1.5)",
        'double("1.5")', "size(tags)", "name.size()", "score == 7.0", "score in [7.0, 2.0]",
        "score % 3", 'name.matches("^a")', "[] + tags", "math.abs(-score)", "math.sign(ratio)",
        "math.sqrt(score)", "math.round(ratio)", "math.trunc(ratio)", "flag < true",
        '{"a": score}.a', 'amounts["revenue"]', 'tags.exists_one(t, t == "x")', "score > ratio",
        "string(score)", 'int("12")', "[score].map(n, n * 2)", "-ratio", "flag ? score : 0",
        'tags + ["z"]', "0x10 + score", "1e3 * ratio", "score / 2",
        'tags.filter(t, t.startsWith("a") || t.endsWith("x") || t.contains("q")).size()',
    ],
)  # fmt: skip
def test_what_the_checker_accepts_evaluates_to_its_type(expression: str) -> None:
    """The checker agrees with the library: no accepted expression fails on types at run time."""
    data = definition(
        inputs={},
        parameters={
            name: {"type": str(ENV[name]), "value": value} for name, value in VALUES.items()
        },
        rules=[{"name": "result", "expression": expression}],
    )
    stored = Stored(data, spec=None)
    [step] = evaluate(stored, {}).trace
    declared = parse_type(step.type)
    assert conform(step.value, declared, "result") == step.value
    assert type(step.value) is {"int": int, "double": float, "bool": bool, "string": str}.get(
        step.type, type(step.value)
    )


def test_types_parse_and_print() -> None:
    assert str(parse_type("map<string,  list<double>>")) == "map<string, list<double>>"
    for wrong, rule in (
        ("float", "'float' is not a type"),
        ("list", "list needs its element type"),
        ("map<int, string>", "map keys must be string"),
        ("list<int", "missing '>'"),
        ("int>", "unexpected '>'"),
    ):
        with pytest.raises(ValueError, match=rule):
            parse_type(wrong)


# ---------------------------------------------------------------- the check of a definition


def raised(data: RuleSetCreate, spec: FamilySpec | None = SPEC) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check_definition(data, spec=spec)
    return caught.value


def test_a_definition_is_stored_with_each_rules_type_and_references() -> None:
    stored = check_definition(definition(), spec=SPEC)
    assert stored["inputs"] == {"records": "int", "years": "int", "ratio": "double"}
    assert stored["parameters"]["max_score"] == {"type": "int", "value": 1000}
    assert [(r["name"], r["type"], r["references"]) for r in stored["rules"]] == [
        ("base", "int", ["years"]),
        ("repayment", "int", ["ratio"]),
        ("negatives", "int", ["penalty", "records"]),
        ("total", "int", ["base", "max_score", "negatives", "repayment"]),
    ]


def test_every_broken_rule_is_named_with_its_field_and_position() -> None:
    data = definition(
        rules=[
            {"name": "base", "expression": "years * 2"},
            {"name": "odd", "expression": '"a" + 1'},
            {"name": "total", "expression": "base + fooo"},
        ]
    )
    error = raised(data)
    assert isinstance(error, rule_errors.RuleTypeError) and error.status == 422
    assert [(e.field, e.code, e.message) for e in error.errors] == [
        (
            "body.rules[1].expression",
            "rule_type_error",
            "rule 'odd': no matching overload for '+' applied to (string, int) at 1:5",
        ),
        (
            "body.rules[2].expression",
            "rule_unknown_variable",
            "rule 'total': undeclared reference to 'fooo' at 1:8",
        ),
    ]


def test_a_rule_may_not_use_a_later_rule() -> None:
    data = definition(
        rules=[
            {"name": "total", "expression": "base"},
            {"name": "base", "expression": "years"},
        ]
    )
    error = raised(data)
    assert error.code == "rule_unknown_variable"
    assert error.errors[0].message == "rule 'total': undeclared reference to 'base' at 1:1"


def test_declarations_are_checked() -> None:
    data = definition(
        effective_to="2026-12-31",
        inputs={"records": "int", "turnover": "double", "years": "integer"},
        parameters={"records": {"type": "int", "value": 1}, "cap": {"type": "int", "value": 1.5}},
    )
    error = raised(data)
    assert [(e.field, e.code) for e in error.errors] == [
        ("body.effective_to", "rule_set_invalid"),
        ("body.inputs.turnover", "rule_input_not_supplied"),
        ("body.inputs.years", "rule_set_invalid"),
        ("body.parameters.records", "rule_set_invalid"),
        ("body.parameters.cap.value", "rule_set_invalid"),
    ]
    assert "declared twice" in error.errors[3].message
    assert error.errors[4].message == "parameter 'cap' must be an int, not a double"


@pytest.mark.parametrize("name", ["int", "size", "math", "in", "true", "9lives"])
def test_a_name_may_not_be_a_cel_word(name: str) -> None:
    data = definition(
        inputs={}, parameters={name: {"type": "int", "value": 1}},
        rules=[{"name": "total", "expression": "1"}],
    )  # fmt: skip
    error = raised(data, spec=None)
    assert error.code == "rule_set_invalid"
    assert error.errors[0].field == f"body.parameters.{name}"


def test_the_family_needs_its_results() -> None:
    data = definition(rules=[{"name": "total", "expression": "years > 3"}])
    error = raised(data)
    assert error.code == "rule_result_missing"
    assert error.errors[0].message == "rule 'total' gives bool; the family needs int"
    assert raised(definition(rules=[{"name": "x", "expression": "1"}])).errors[0].message == (
        "the family needs a rule 'total' giving int"
    )


# ---------------------------------------------------------------- evaluation


class Stored:
    def __init__(self, data: RuleSetCreate, spec: FamilySpec | None = SPEC) -> None:
        self.id, self.family, self.version = "rls_test", FAMILY, 1
        self.definition = check_definition(data, spec=spec)


def test_evaluation_traces_every_value() -> None:
    evaluation = evaluate(Stored(definition()), {"records": 2, "years": 12, "ratio": 0.955})
    assert evaluation.results == {"base": 800, "repayment": 191, "negatives": 240, "total": 751}
    assert [(s.rule, s.value, s.inputs_used) for s in evaluation.trace] == [
        ("base", 800, {"years": 12}),
        ("repayment", 191, {"ratio": 0.955}),
        ("negatives", 240, {"penalty": 120, "records": 2}),
        ("total", 751, {"base": 800, "max_score": 1000, "negatives": 240, "repayment": 191}),
    ]
    assert evaluation.trace[3].expression == "math.least(max_score, base + repayment - negatives)"
    assert (evaluation.rule_set_id, evaluation.version) == ("rls_test", 1)


def test_an_int_is_accepted_for_a_double_input() -> None:
    evaluation = evaluate(Stored(definition()), {"records": 0, "years": 1, "ratio": 1})
    assert evaluation.results["repayment"] == 200
    assert evaluation.trace[1].inputs_used == {"ratio": 1.0}


def test_inputs_are_checked_against_their_types() -> None:
    with pytest.raises(rule_errors.RuleInputInvalid) as caught:
        evaluate(Stored(definition()), {"records": "2", "ratio": True, "extra": 1})
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("inputs.records", "input 'records' must be an int, not a string"),
        ("inputs.years", "input 'years' (int) is missing"),
        ("inputs.ratio", "input 'ratio' must be a double, not a bool"),
    ]


def test_a_list_input_is_checked_item_by_item() -> None:
    data = definition(
        inputs={"tags": "list<string>"},
        parameters={},
        rules=[{"name": "total", "expression": 'tags.exists(t, t == "x") ? 1 : 0'}],
    )
    assert evaluate(Stored(data), {"tags": ["a", "x"]}).results == {"total": 1}
    with pytest.raises(rule_errors.RuleInputInvalid) as caught:
        evaluate(Stored(data), {"tags": ["a", 3]})
    assert caught.value.errors[0].message == "input 'tags'[1] must be a string, not an int"


def test_a_batch_over_plain_inputs_gives_what_each_evaluation_alone_gives() -> None:
    # Many cases through one compiled set: the memo keys are the plain input values, a list
    # value read by a later rule is keyed by its contents, and an out-of-range int is refused.
    data = definition(
        inputs={"records": "int", "years": "int"},
        parameters={"penalty": {"type": "int", "value": 120}},
        rules=[
            {"name": "pair", "expression": "[records, years]"},
            {"name": "negatives", "expression": "size(pair) * records * penalty"},
            {"name": "base", "expression": "600 + math.least(years, 10) * 20"},
            {"name": "total", "expression": "base - negatives"},
        ],
    )
    compiled = compiled_rule_set(Stored(data))
    for case in range(1500):
        records, years = case % 4, (case * 7919) % 997
        evaluation = compiled.evaluate({"records": records, "years": years})
        expected = 600 + min(years, 10) * 20 - 2 * records * 120
        assert evaluation.results["pair"] == [records, years]
        assert evaluation.results["total"] == expected
        assert [step.value for step in evaluation.trace] == list(evaluation.results.values())
        assert evaluation.trace[-1].inputs_used == {
            "base": 600 + min(years, 10) * 20,
            "negatives": 2 * records * 120,
        }
    with pytest.raises(rule_errors.RuleInputInvalid) as caught:
        compiled.evaluate({"records": 2**63, "years": 1})
    assert caught.value.errors[0].message == "input 'records' is outside the 64-bit int range"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("records / (years - years)", "rule 'total': division by zero in CEL expression"),
        (
            "9223372036854775807 + records",
            "rule 'total': Arithmetic overflow in 'add' on 9223372036854775807 and 1.",
        ),
        # The library's message is two sentences: the first says what failed.
        ("int(double(records) / 0.0)", "rule 'total': Function 'int' error: integer overflow"),
    ],
)
def test_a_failing_rule_is_a_problem_naming_it(expression: str, message: str) -> None:
    data = definition(rules=[{"name": "total", "expression": expression}])
    with pytest.raises(rule_errors.RuleEvaluationFailed) as caught:
        evaluate(Stored(data), {"records": 1, "years": 2, "ratio": 0.5})
    assert caught.value.status == 422
    assert caught.value.errors[0].field == "rules[0].expression"
    assert caught.value.errors[0].message == message
    failed = message.removeprefix("rule 'total': ")
    assert caught.value.detail == f"Rule 'total' of {FAMILY} version 1 failed: {failed}"


def test_a_non_finite_double_result_is_a_problem() -> None:
    data = definition(
        rules=[{"name": "share", "expression": "ratio / 0.0"}], inputs={"ratio": "double"}
    )
    with pytest.raises(rule_errors.RuleEvaluationFailed) as caught:
        evaluate(Stored(data, spec=None), {"ratio": 1.0})
    assert "not a finite number" in caught.value.errors[0].message


# ---------------------------------------------------------------- stored: effective dates, use


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 'rules.db'}")
    service_metadata(KERNEL_MODELS, RULE_MODELS).create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def save(session: Session, start: str, end: str | None = None, penalty: int = 120) -> RuleSet:
    data = definition(
        effective_from=start,
        effective_to=end,
        parameters={"max_score": {"type": "int", "value": 1000}, "penalty": {"type": "int", "value": penalty}},
    )  # fmt: skip
    return create_rule_set(session=session, principal=ADMIN, families={FAMILY: SPEC}, data=data)


def test_the_version_in_force_is_the_latest_covering_the_day(session: Session) -> None:
    first = save(session, "2026-01-01", "2026-12-31")
    second = save(session, "2027-01-01")
    third = save(session, "2027-07-01", "2027-09-30")
    assert (first.version, second.version, third.version) == (1, 2, 3)
    assert rule_set_for(session, family=FAMILY, on=date(2026, 1, 1)).id == first.id
    assert rule_set_for(session, family=FAMILY, on=date(2026, 12, 31)).id == first.id
    assert rule_set_for(session, family=FAMILY, on=date(2027, 1, 1)).id == second.id
    assert rule_set_for(session, family=FAMILY, on=date(2027, 6, 30)).id == second.id
    assert rule_set_for(session, family=FAMILY, on=date(2027, 7, 1)).id == third.id
    assert rule_set_for(session, family=FAMILY, on=date(2027, 9, 30)).id == third.id
    assert rule_set_for(session, family=FAMILY, on=date(2027, 10, 1)).id == second.id
    with pytest.raises(rule_errors.NoRuleSetInForce) as caught:
        rule_set_for(session, family=FAMILY, on=date(2025, 12, 31))
    assert caught.value.status == 409
    with pytest.raises(rule_errors.NoRuleSetInForce):
        rule_set_for(session, family="test.other", on=date(2027, 1, 1))


def test_evaluating_in_force_records_the_use(session: Session) -> None:
    old = save(session, "2026-01-01", "2026-12-31", penalty=100)
    new = save(session, "2027-01-01")
    inputs = {"records": 1, "years": 1, "ratio": 0.5}
    dry = evaluate_in_force(
        session, family=FAMILY, on=date(2027, 3, 1), inputs=inputs, record=False
    )
    assert (dry.rule_set_id, dry.results["negatives"]) == (new.id, 120)
    assert new.used_at is None
    used = evaluate_in_force(session, family=FAMILY, on=date(2026, 3, 1), inputs=inputs)
    assert (used.rule_set_id, used.version, used.results["negatives"]) == (old.id, 1, 100)
    session.refresh(old)
    assert old.used_at is not None
    stamped = old.used_at
    mark_used(session, old)  # once used, the first use stays
    session.refresh(old)
    assert old.used_at == stamped
