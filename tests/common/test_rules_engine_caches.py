"""The rule engine's shortcuts: the plain-input fast path, each rule's memo and the compiled-set
cache give what the full path gives, and stay within their bounds."""

import math
from itertools import count
from typing import Any

import pytest

from services.common.rules import compiled_rule_set, evaluate
from services.common.rules import errors as rule_errors
from services.common.rules.engine import COMPILED_CACHE_SIZE, CompiledRuleSet
from tests.common.test_rules import Stored, definition

INT_MAX = 2**63 - 1  # written from CEL's int: a signed 64-bit integer
INT_MIN = -(2**63)
NAMES = count()


def one_input_set(input_type: str, expression: str, **extra: Any) -> Stored:
    """A rule set of one input `x` and one rule `y`; a fresh id, so nothing is cached yet."""
    stored = Stored(
        definition(inputs={"x": input_type}, parameters={}, rules=[{"name": "y", "expression": expression}]),
        spec=None,
    )  # fmt: skip
    stored.id = f"rls_cache_{next(NAMES)}"
    for name, value in extra.items():
        setattr(stored, name, value)
    return stored


@pytest.mark.parametrize("value", [INT_MIN, -1, 0, INT_MAX])
def test_an_int_input_at_the_ends_of_the_64_bit_range_is_accepted(value: int) -> None:
    assert evaluate(one_input_set("int", "x"), {"x": value}).results == {"y": value}


@pytest.mark.parametrize("value", [INT_MIN - 1, INT_MAX + 1, 2**70, -(2**70)])
def test_an_int_input_outside_the_64_bit_range_is_refused(value: int) -> None:
    """The only input, so no other input sends the check down its full path."""
    with pytest.raises(rule_errors.RuleInputInvalid) as caught:
        evaluate(one_input_set("int", "x"), {"x": value})
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("inputs.x", "input 'x' is outside the 64-bit int range")
    ]


@pytest.mark.parametrize(
    ("input_type", "value", "expression", "result"),
    [
        ("string", "abc", "x + x", "abcabc"),
        ("bool", True, "!x", False),
        ("double", 2.5, "x * 2.0", 5.0),
        ("double", 1e300, "x / 1e300", 1.0),
    ],
)
def test_plain_inputs_of_each_type_evaluate(
    input_type: str, value: Any, expression: str, result: Any
) -> None:
    assert evaluate(one_input_set(input_type, expression), {"x": value}).results == {"y": result}


def test_a_rule_of_a_dynamic_type_keeps_its_value() -> None:
    """`[]` is a list<dyn>: nothing to conform it to, and nothing fails for it."""
    evaluation = evaluate(one_input_set("int", "x > 0 ? [] : []"), {"x": 1})
    assert (evaluation.results, evaluation.trace[0].type) == ({"y": []}, "list<dyn>")


def test_a_list_value_read_by_a_later_rule_is_traced_as_the_list() -> None:
    """The memo keys a list by a frozen copy; the trace and the later rule see the list."""
    stored = Stored(
        definition(
            inputs={"x": "int"},
            parameters={},
            rules=[
                {"name": "pair", "expression": "[x, x + 1]"},
                {"name": "y", "expression": "size(pair) + pair[1]"},
            ],
        ),
        spec=None,
    )
    for x in (1, 2, 1):
        evaluation = evaluate(stored, {"x": x})
        assert evaluation.results == {"pair": [x, x + 1], "y": 2 + x + 1}
        assert evaluation.trace[1].inputs_used == {"pair": [x, x + 1]}
        assert type(evaluation.trace[1].inputs_used["pair"]) is list


def memo_of(compiled: CompiledRuleSet) -> Any:
    return compiled.rules[0].memo


def probe(hits: int) -> CompiledRuleSet:
    """A rule looked up exactly MEMO_PROBE times, `hits` of them found in its memo."""
    compiled = compiled_rule_set(one_input_set("int", "x * 2"))
    values = [0] * (hits + 1) + list(range(1, CompiledRuleSet.MEMO_PROBE - hits))
    assert len(values) == CompiledRuleSet.MEMO_PROBE
    for value in values:
        assert compiled.evaluate({"x": value}).results == {"y": value * 2}
    return compiled


def test_a_rule_whose_inputs_never_repeat_is_remembered_until_the_probe_ends() -> None:
    compiled = compiled_rule_set(one_input_set("int", "x * 2"))
    for value in range(CompiledRuleSet.MEMO_PROBE - 1):
        compiled.evaluate({"x": value})
    assert len(memo_of(compiled)) == CompiledRuleSet.MEMO_PROBE - 1
    compiled.evaluate({"x": -1})  # the probe's last lookup: no hit in all of them
    assert memo_of(compiled) is None
    assert compiled.evaluate({"x": 5}).results == {"y": 10}  # and it still evaluates


def test_the_memo_stays_when_enough_lookups_hit_and_goes_when_one_fewer_does() -> None:
    enough = math.ceil(CompiledRuleSet.MEMO_MIN_HITS * CompiledRuleSet.MEMO_PROBE)
    kept = probe(hits=enough)
    assert memo_of(kept) is not None
    assert kept.rules[0].judging is False  # judged once: no more counting
    assert memo_of(probe(hits=enough - 1)) is None


def test_a_remembered_rule_keeps_at_most_memo_limit_steps() -> None:
    compiled = probe(hits=CompiledRuleSet.MEMO_PROBE - 1)  # judged worth remembering
    for value in range(CompiledRuleSet.MEMO_LIMIT + 10):
        assert compiled.evaluate({"x": value}).results == {"y": value * 2}
    assert len(memo_of(compiled)) == CompiledRuleSet.MEMO_LIMIT
    assert compiled.evaluate({"x": CompiledRuleSet.MEMO_LIMIT + 5}).results == {
        "y": 2 * (CompiledRuleSet.MEMO_LIMIT + 5)
    }
    # Two threads may both pass the bound's check before either stores (the set is shared
    # between threads): one step over the bound, and still nothing more is stored.
    memo_of(compiled)[(-1,)] = memo_of(compiled)[(0,)]
    compiled.evaluate({"x": -2})
    assert len(memo_of(compiled)) == CompiledRuleSet.MEMO_LIMIT + 1


def test_the_compiled_cache_is_keyed_by_content_not_by_the_order_it_was_written_in() -> None:
    first = one_input_set("int", "x * 2")
    again = one_input_set("int", "x * 2", id=first.id)
    again.definition = dict(reversed(list(first.definition.items())))
    assert list(again.definition) != list(first.definition)
    assert compiled_rule_set(again) is compiled_rule_set(first)
    changed = one_input_set("int", "x * 3", id=first.id)
    assert compiled_rule_set(changed) is not compiled_rule_set(first)


def test_the_compiled_cache_keeps_the_most_recently_used_sets() -> None:
    sets = [one_input_set("int", "x") for _ in range(COMPILED_CACHE_SIZE + 1)]
    compiled = [compiled_rule_set(stored) for stored in sets]
    # The newest COMPILED_CACHE_SIZE are kept: the second oldest is found as it was ...
    assert compiled_rule_set(sets[1]) is compiled[1]
    assert compiled_rule_set(sets[-1]) is compiled[-1]
    # ... and the oldest was evicted: it compiles anew (evicting the least recently used).
    assert compiled_rule_set(sets[0]) is not compiled[0]
    assert compiled_rule_set(sets[1]) is compiled[1]
    assert compiled_rule_set(sets[2]) is not compiled[2]
