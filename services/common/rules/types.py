"""The value types of rule inputs, parameters and results, and the check of values against them.

A type is written `int`, `double`, `bool`, `string`, `list<T>` or `map<string, T>` (nested
freely, e.g. `map<string, list<double>>`). Map keys are strings: JSON can carry no other.
Internally the checker also knows `null` (the literal) and `dyn` (the element type of an empty
list or map literal), which a declaration may not use.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
SCALARS = ("int", "double", "bool", "string")


@dataclass(frozen=True, slots=True)
class CelType:
    """One CEL type: a scalar name, or `list`/`map` with their argument types."""

    name: str
    args: tuple["CelType", ...] = ()

    def __str__(self) -> str:
        if self.name == "list":
            return f"list<{self.args[0]}>"
        if self.name == "map":
            return f"map<{self.args[0]}, {self.args[1]}>"
        return self.name

    @property
    def numeric(self) -> bool:
        """int or double."""
        return self.name in ("int", "double")


INT, DOUBLE, BOOL, STRING = (CelType(name) for name in SCALARS)
NULL, DYN = CelType("null"), CelType("dyn")


def list_of(element: CelType) -> CelType:
    """`list<element>`."""
    return CelType("list", (element,))


def map_of(key: CelType, value: CelType) -> CelType:
    """`map<key, value>`."""
    return CelType("map", (key, value))


_TOKEN = re.compile(r"\s*([A-Za-z]+|<|>|,)")


def parse_type(text: str) -> CelType:
    """The type `text` declares; ValueError naming what is wrong."""
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip() == "":
                break
            raise ValueError(f"unexpected {text[position:].strip()[:10]!r} in type {text!r}")
        tokens.append(match.group(1))
        position = match.end()
    result, rest = _parse_tokens(tokens, text)
    if rest:
        raise ValueError(f"unexpected {rest[0]!r} in type {text!r}")
    return result


def _parse_tokens(tokens: list[str], text: str) -> tuple[CelType, list[str]]:
    expected = "a type: int, double, bool, string, list<T> or map<string, T>"
    if not tokens:
        raise ValueError(f"{text!r} is not {expected}")
    head, rest = tokens[0], tokens[1:]
    if head in SCALARS:
        return CelType(head), rest
    if head == "list":
        if not rest or rest[0] != "<":
            raise ValueError(f"list needs its element type, e.g. list<int>, in {text!r}")
        element, rest = _parse_tokens(rest[1:], text)
        if not rest or rest[0] != ">":
            raise ValueError(f"missing '>' in type {text!r}")
        return list_of(element), rest[1:]
    if head == "map":
        if not rest or rest[0] != "<":
            raise ValueError(f"map needs its types, e.g. map<string, int>, in {text!r}")
        key, rest = _parse_tokens(rest[1:], text)
        if key != STRING:
            raise ValueError(f"map keys must be string, in {text!r}")
        if not rest or rest[0] != ",":
            raise ValueError(f"missing ',' in type {text!r}")
        value, rest = _parse_tokens(rest[1:], text)
        if not rest or rest[0] != ">":
            raise ValueError(f"missing '>' in type {text!r}")
        return map_of(key, value), rest[1:]
    raise ValueError(f"{head!r} is not {expected}")


def conform(value: Any, declared: CelType, where: str) -> Any:
    """`value` as a value of `declared` (an int for a double becomes a float); ValueError naming
    `where` (e.g. `inputs.revenue[2]`) and what is wrong."""
    name = declared.name
    if name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be an int, not {_kind(value)}")
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError(f"{where} is outside the 64-bit int range")
        return value
    if name == "double":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where} must be a double, not {_kind(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{where} must be a finite number")
        return number
    if name == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be a bool, not {_kind(value)}")
        return value
    if name == "string":
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a string, not {_kind(value)}")
        return value
    if name == "list":
        if not isinstance(value, list | tuple):
            raise ValueError(f"{where} must be a {declared}, not {_kind(value)}")
        return [conform(item, declared.args[0], f"{where}[{i}]") for i, item in enumerate(value)]
    if name == "map":
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be a {declared}, not {_kind(value)}")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} keys must be strings")
            out[key] = conform(item, declared.args[1], f"{where}.{key}")
        return out
    raise ValueError(f"{where}: type {declared} cannot be declared")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, int):
        return "an int"
    if isinstance(value, float):
        return "a double"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__
