"""The rules checker's and type parser's less travelled paths: each refusal names its code and
position, each accepted expression has its type (and, evaluated, its value)."""

from typing import Any

import cel as cel_module
import pytest

from services.common.errors import DomainError
from services.common.rules import check_definition, evaluate
from services.common.rules import errors as rule_errors
from services.common.rules.checker import CheckFailure, check_expression, parse
from services.common.rules.types import (
    BOOL,
    DOUBLE,
    INT,
    NULL,
    STRING,
    CelType,
    conform,
    list_of,
    map_of,
    parse_type,
)
from tests.common.test_rules import Stored, definition

ENV = {
    "score": INT,
    "ratio": DOUBLE,
    "name": STRING,
    "flag": BOOL,
    "tags": list_of(STRING),
    "amounts": map_of(STRING, DOUBLE),
}


def failure(expression: str) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        check_expression(expression, ENV)
    return caught.value


# ---------------------------------------------------------------- refusals, with their position


@pytest.mark.parametrize(
    ("expression", "code", "message", "where"),
    [
        ('r"abc" == name', "rule_unsupported_expression", "raw and bytes strings are not supported", (1, 1)),
        ("'''abc''' == name", "rule_unsupported_expression", "triple-quoted strings are not supported", (1, 1)),
        (".score", "rule_unsupported_expression", "expected an expression, found '.'", (1, 1)),
        ("Foo{a: 1}", "rule_unsupported_expression", "message construction is not supported, found '{'", (1, 4)),
        ("score.Foo{}", "rule_unsupported_expression", "expected end of expression, found '{'", (1, 10)),
        ("amounts.while", "rule_unsupported_expression", "expected a field or method name, found 'while'", (1, 9)),
        ('[[1], ["a"]]', "rule_type_error", "list elements must have one type: list<int> and list<string>", (1, 7)),
        ("score[0]", "rule_type_error", "no matching overload for '[]' applied to (int, int)", (1, 6)),
        ("{1: 2}", "rule_type_error", "map keys must be strings, not int", (1, 2)),
        ('{"a": 1, "b": "x"}', "rule_type_error", "map values must have one type: int and string", (1, 15)),
        ("!score", "rule_type_error", "no matching overload for '!' applied to (int)", (1, 1)),
        ('score == "x"', "rule_type_error", "no matching overload for '==' applied to (int, string)", (1, 7)),
        ("score == null", "rule_type_error", "no matching overload for '==' applied to (int, null)", (1, 7)),
        ("1 in tags", "rule_type_error", "no matching overload for 'in' applied to (int, list<string>)", (1, 3)),
        ("1 in amounts", "rule_type_error", "no matching overload for 'in' applied to (int, map<string, double>)", (1, 3)),
        ("1 in score", "rule_type_error", "no matching overload for 'in' applied to (int, int)", (1, 3)),
        ("score ? 1 : 2", "rule_type_error", "the condition must be a bool, not int", (1, 1)),
        ("has(amounts.a, 1)", "rule_type_error", "has() takes one field selection, e.g. has(m.key)", (1, 1)),
        ("size(score)", "rule_type_error", "no matching overload for 'size' applied to (int)", (1, 1)),
        ("double(flag)", "rule_type_error", "no matching overload for 'double' applied to (bool)", (1, 1)),
        ("name.contains(1)", "rule_type_error", "no matching overload for 'contains' applied to (string, int)", (1, 6)),
        ("name.startsWith()", "rule_unknown_function", "undeclared reference to function 'startsWith'", (1, 6)),
        ('math.least("a", "b")', "rule_type_error", "no matching overload for 'math.least' applied to (string, string)", (1, 6)),
        ("math.least(tags)", "rule_type_error", "no matching overload for 'math.least' applied to (list<string>)", (1, 6)),
        ("math.sign(name)", "rule_type_error", "no matching overload for 'math.sign' applied to (string)", (1, 6)),
        ("math.floor(score)", "rule_type_error", "no matching overload for 'math.floor' applied to (int)", (1, 6)),
        ("tags.all(t)", "rule_type_error", "all() takes a variable name and an expression", (1, 6)),
        ("tags.map(t, t == name, size(t))", "rule_type_error", "map() takes a variable name and an expression", (1, 6)),
        ("score.all(x, true)", "rule_type_error", "all() needs a list or map, not int", (1, 7)),
        ("tags.all(t, 1)", "rule_type_error", "the all() predicate must be a bool, not int", (1, 13)),
        ("amounts.x.y", "rule_type_error", "type double has no field 'y'", (1, 10)),
        ("tags.all(t, t == name) && t == name", "rule_unknown_variable", "undeclared reference to 't'", (1, 27)),
    ],
)  # fmt: skip
def test_each_refusal_names_its_code_and_position(
    expression: str, code: str, message: str, where: tuple[int, int]
) -> None:
    found = failure(expression)
    assert (found.code, found.message) == (code, message)
    assert (found.line, found.column) == where
    assert str(found) == f"{message} at {where[0]}:{where[1]}"


@pytest.mark.parametrize(
    ("expression", "message", "where"),
    [
        ("score # 1", "unexpected '#'", (1, 7)),
        ("while", "reserved word, found 'while'", (1, 1)),
        ('{"a" 1}', "expected ':', found '1'", (1, 6)),
    ],
)
def test_the_parser_refuses_what_is_outside_its_subset(
    expression: str, message: str, where: tuple[int, int]
) -> None:
    """The library's syntax check refuses these first; the parser alone still refuses them."""
    with pytest.raises(CheckFailure) as caught:
        parse(expression)
    found = caught.value
    assert (found.code, found.message) == ("rule_unsupported_expression", message)
    assert (found.line, found.column) == where


def test_a_broken_rule_in_a_definition_is_named_with_its_position() -> None:
    data = definition(rules=[{"name": "total", "expression": "records +\n  {1: 2}"}])
    with pytest.raises(DomainError) as caught:
        check_definition(data, spec=None)
    error = caught.value
    assert isinstance(error, rule_errors.RuleTypeError)
    assert [(e.field, e.code, e.message) for e in error.errors] == [
        (
            "body.rules[0].expression",
            "rule_type_error",
            "rule 'total': map keys must be strings, not int at 2:4",
        )
    ]


# ---------------------------------------------------------------- accepted, with their type


@pytest.mark.parametrize(
    ("expression", "type_"),
    [
        ("null", "null"),
        ("{}", "map<string, dyn>"),
        ('{"a": 1,}', "map<string, int>"),
        ("[[1], []]", "list<list<int>>"),
        ("[[], [1]]", "list<list<int>>"),
        ("tags[0]", "string"),
        ("[][0].x", "dyn"),
        ("[][0][1]", "dyn"),
        ('"a" in [][0]', "bool"),
        ("[][0].all(x, true)", "bool"),
        ("!flag", "bool"),
        ("score in [1.5]", "bool"),
        ("math.least([1, 2])", "int"),
        ("math.abs(ratio)", "double"),
    ],
)
def test_accepted_expressions_have_their_type(expression: str, type_: str) -> None:
    assert str(check_expression(expression, ENV)) == type_


VALUES = {"score": 7, "name": "x", "flag": True, "tags": ["a", "x"]}


@pytest.mark.parametrize(
    ("expression", "type_", "value"),
    [
        ('{"a": score,}', "map<string, int>", {"a": 7}),
        ("[[score], []]", "list<list<int>>", [[7], []]),
        ("tags[1]", "string", "x"),
        ("!flag", "bool", False),
        ("score in [7.0]", "bool", True),
        ("math.least([score, 2])", "int", 2),
        ("tags.exists_one(t, t == name)", "bool", True),
    ],
)
def test_accepted_expressions_evaluate_to_a_value_of_their_type(
    expression: str, type_: str, value: Any
) -> None:
    data = definition(
        inputs={},
        parameters={
            name: {"type": str(ENV[name]), "value": given} for name, given in VALUES.items()
        },
        rules=[{"name": "result", "expression": expression}],
    )
    [step] = evaluate(Stored(data, spec=None), {}).trace
    assert (step.type, step.value) == (type_, value)


# ---------------------------------------------------------------- the type parser and conform


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("int$", "unexpected '$' in type 'int$'"),
        ("int int", "unexpected 'int' in type 'int int'"),
        ("", "'' is not a type: int, double, bool, string, list<T> or map<string, T>"),
        ("list<", "'list<' is not a type: int, double, bool, string, list<T> or map<string, T>"),
        ("list int", "list needs its element type, e.g. list<int>, in 'list int'"),
        ("map", "map needs its types, e.g. map<string, int>, in 'map'"),
        ("map<string int>", "missing ',' in type 'map<string int>'"),
        ("map<string, int", "missing '>' in type 'map<string, int'"),
    ],
)
def test_a_wrong_type_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_type(text)
    assert str(caught.value) == message


def test_trailing_space_after_a_type_is_ignored() -> None:
    assert parse_type("list<int>  ") == list_of(INT)


@pytest.mark.parametrize(
    ("value", "declared", "message"),
    [
        (float("inf"), DOUBLE, "inputs.x must be a finite number"),
        (1, BOOL, "inputs.x must be a bool, not an int"),
        ("x", list_of(INT), "inputs.x must be a list<int>, not a string"),
        ([1], map_of(STRING, INT), "inputs.x must be a map<string, int>, not a list"),
        ({1: 2}, map_of(STRING, INT), "inputs.x keys must be strings"),
        (None, NULL, "inputs.x: type null cannot be declared"),
        (None, INT, "inputs.x must be an int, not null"),
        ([1], INT, "inputs.x must be an int, not a list"),
        ({}, INT, "inputs.x must be an int, not a map"),
        (1.5, INT, "inputs.x must be an int, not a double"),
        (object(), INT, "inputs.x must be an int, not object"),
        (1, CelType("dyn"), "inputs.x: type dyn cannot be declared"),
    ],
)
def test_a_value_of_the_wrong_type_is_named(value: Any, declared: CelType, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        conform(value, declared, "inputs.x")
    assert str(caught.value) == message


# ---------------------------------------------------------------- guards against the library


def test_a_library_error_without_a_position_is_a_syntax_problem_at_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def compile_(text: str) -> None:
        raise ValueError("parser gave up")

    monkeypatch.setattr(cel_module, "compile", compile_)
    found = failure("score + 1")
    assert (found.code, found.message) == ("rule_syntax_error", "syntax error: parser gave up")
    assert (found.line, found.column) == (1, 1)


class _Program:
    def __init__(self, names: list[str]) -> None:
        self.names = names

    def variables(self) -> list[str]:
        return self.names


@pytest.mark.parametrize(
    ("expression", "where"),
    [("score // hidden", (1, 10)), ("score + 1", (1, 1))],
)
def test_a_variable_only_the_library_sees_must_still_be_declared(
    monkeypatch: pytest.MonkeyPatch, expression: str, where: tuple[int, int]
) -> None:
    """The last guard: were the library to find a free name the checker's parse missed, it is
    refused, placed where the name appears in the text (or at the start)."""
    monkeypatch.setattr(cel_module, "compile", lambda text: _Program(["score", "tags", "hidden"]))
    found = failure(expression)
    assert (found.code, found.message) == (
        "rule_unknown_variable",
        "undeclared reference to 'hidden'",
    )
    assert (found.line, found.column) == where
