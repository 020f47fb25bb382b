"""The static check of a rule's CEL expression against the names it may use.

The `common-expression-language` package (the Rust `cel` crate) parses and evaluates but has
no type checker: `cel.compile` only reports syntax errors. So an expression is checked in
three steps, and accepted only if all three pass:

1. **Syntax**: `cel.compile` must accept it (its error carries the line and column).
2. **Our parse**: a recursive-descent parser of the CEL grammar subset below builds an AST with
   the offset of every node. CEL the library accepts but this subset does not (uint and bytes
   literals, raw or triple-quoted strings, message construction, `.name` roots) is refused as
   `rule_unsupported_expression`, never passed unchecked.
3. **Types**: every identifier must be declared (an input, a parameter, an earlier rule, or a
   comprehension variable in its scope), every function known, and every operator applied to
   operand types it has an overload for — CEL never converts between int and double, so
   `1 + 2.0` and `score > "x"` are errors, as are mixed-type list literals and ternaries whose
   branches differ. As a last guard, every variable the library itself finds must be declared.

The subset: literals (int incl. hex, double, string, bool, null); lists `[..]` of one element
type, maps `{"k": v}` with string keys; `! -` ; `* / %` ; `+ -` ; `< <= > >= == != in` ; `&&` ;
`||` ; `c ? a : b` ; field selection on maps (`m.key`), indexing (`list[int]`, `map[string]`);
`has(m.key)`; the macros `all`, `exists`, `exists_one`, `map`, `filter` on lists and maps;
`size`, `int`, `double`, `string`; the string methods `contains`, `startsWith`, `endsWith`,
`matches`; and from the package's extended library `math.least`, `math.greatest`, `math.abs`,
`math.sign`, `math.floor`, `math.ceil`, `math.round`, `math.trunc`, `math.sqrt`.
Equality and ordering accept int against double (CEL's heterogeneous numeric comparison).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import cel

from services.common.rules.errors import (
    RuleSyntaxError,
    RuleTypeError,
    RuleUnknownFunction,
    RuleUnknownVariable,
    RuleUnsupportedExpression,
)
from services.common.rules.types import (
    BOOL,
    DOUBLE,
    DYN,
    INT,
    NULL,
    STRING,
    CelType,
    list_of,
    map_of,
)

SYNTAX_ERROR = RuleSyntaxError.code
UNSUPPORTED = RuleUnsupportedExpression.code
UNKNOWN_VARIABLE = RuleUnknownVariable.code
UNKNOWN_FUNCTION = RuleUnknownFunction.code
TYPE_ERROR = RuleTypeError.code

NAMESPACE = "math"
RESERVED = frozenset(
    "as break const continue else false for function if import in let loop package namespace "
    "null return true var void while".split()
)
IDENTIFIER = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")


@dataclass(frozen=True)
class CheckFailure(Exception):
    """Why an expression was refused: a problem code, a message, and where (0-based offset)."""

    code: str
    message: str
    offset: int
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.message} at {self.line}:{self.column}"


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a 0-based offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _fail(text: str, code: str, message: str, offset: int) -> CheckFailure:
    line, column = position(text, offset)
    return CheckFailure(code, message, offset, line, column)


# ----------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<double>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
  | (?P<uint>(?:0[xX][0-9a-fA-F]+|\d+)[uU])
  | (?P<int>0[xX][0-9a-fA-F]+|\d+)
  | (?P<prefixed>[rRbB]+["'])
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<ident>[_A-Za-z][_A-Za-z0-9]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    offset: int


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`; CheckFailure (unsupported) on anything outside the subset."""
    tokens = []
    offset = 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise _fail(text, UNSUPPORTED, f"unexpected {text[offset]!r}", offset)
        kind = match.lastgroup or ""
        if kind == "uint":
            raise _fail(text, UNSUPPORTED, "uint literals are not supported", offset)
        if kind == "prefixed":
            raise _fail(text, UNSUPPORTED, "raw and bytes strings are not supported", offset)
        if kind == "string" and text.startswith(("'''", '"""'), offset):
            raise _fail(text, UNSUPPORTED, "triple-quoted strings are not supported", offset)
        if kind != "space":
            tokens.append(Token(kind, match.group(), offset))
        offset = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


# ----------------------------------------------------------------------------- syntax tree


@dataclass(slots=True)
class Node:
    """One node: `kind` is lit, ident, select, call, index, list, map, unary, binary or cond."""

    kind: str
    offset: int
    name: str = ""
    args: tuple["Node", ...] = ()
    target: "Node | None" = None
    type: CelType | None = None  # of a literal


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, *ops: str) -> Token | None:
        if self.token.kind == "op" and self.token.text in ops:
            return self.take()
        if self.token.kind == "ident" and self.token.text == "in" and "in" in ops:
            return self.take()
        return None

    def expect(self, op: str) -> Token:
        token = self.accept(op)
        if token is None:
            raise self.error(f"expected {op!r}")
        return token

    def error(self, message: str) -> CheckFailure:
        found = self.token.text or "end of expression"
        return _fail(self.text, UNSUPPORTED, f"{message}, found {found!r}", self.token.offset)

    def parse(self) -> Node:
        node = self.expr()
        if self.token.kind != "eof":
            raise self.error("expected end of expression")
        return node

    def expr(self) -> Node:
        node = self.binary_level(0)
        question = self.accept("?")
        if question is None:
            return node
        then = self.binary_level(0)
        self.expect(":")
        otherwise = self.expr()
        return Node("cond", question.offset, args=(node, then, otherwise))

    LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("<", "<=", ">", ">=", "==", "!=", "in"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary_level(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary_level(level + 1)
        while (op := self.accept(*self.LEVELS[level])) is not None:
            right = self.binary_level(level + 1)
            node = Node("binary", op.offset, name=op.text, args=(node, right))
        return node

    def unary(self) -> Node:
        op = self.accept("!", "-")
        if op is not None:
            return Node("unary", op.offset, name=op.text, args=(self.unary(),))
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if (dot := self.accept(".")) is not None:
                name = self.take()
                if name.kind != "ident" or name.text in RESERVED:
                    self.at -= 1
                    raise self.error("expected a field or method name")
                if self.accept("(") is not None:
                    node = Node("call", name.offset, name=name.text, target=node, args=self.call_args())
                else:
                    node = Node("select", dot.offset, name=name.text, target=node)
            elif (bracket := self.accept("[")) is not None:
                index = self.expr()
                self.expect("]")
                node = Node("index", bracket.offset, args=(node, index))
            else:
                return node

    def call_args(self) -> tuple[Node, ...]:
        args: list[Node] = []
        if self.accept(")") is not None:
            return ()
        while True:
            args.append(self.expr())
            if self.accept(")") is not None:
                return tuple(args)
            self.expect(",")

    def primary(self) -> Node:
        token = self.token
        if token.kind == "int":
            self.take()
            return Node("lit", token.offset, type=INT)
        if token.kind == "double":
            self.take()
            return Node("lit", token.offset, type=DOUBLE)
        if token.kind == "string":
            self.take()
            return Node("lit", token.offset, type=STRING)
        if token.kind == "ident":
            self.take()
            if token.text in ("true", "false"):
                return Node("lit", token.offset, type=BOOL)
            if token.text == "null":
                return Node("lit", token.offset, type=NULL)
            if token.text in RESERVED:
                self.at -= 1
                raise self.error("reserved word")
            if self.accept("(") is not None:
                return Node("call", token.offset, name=token.text, args=self.call_args())
            if self.token.kind == "op" and self.token.text == "{":
                raise self.error("message construction is not supported")
            return Node("ident", token.offset, name=token.text)
        if self.accept("(") is not None:
            node = self.expr()
            self.expect(")")
            return node
        if (bracket := self.accept("[")) is not None:
            items = self.sequence("]")
            return Node("list", bracket.offset, args=tuple(items))
        if (brace := self.accept("{")) is not None:
            entries: list[Node] = []
            while self.accept("}") is None:
                entries.append(self.expr())
                self.expect(":")
                entries.append(self.expr())
                if self.accept(",") is None:
                    self.expect("}")
                    break
            return Node("map", brace.offset, args=tuple(entries))
        raise self.error("expected an expression")

    def sequence(self, close: str) -> list[Node]:
        items: list[Node] = []
        while self.accept(close) is None:
            items.append(self.expr())
            if self.accept(",") is None:
                self.expect(close)
                break
        return items


def parse(text: str) -> Node:
    """The syntax tree of `text` (CheckFailure `rule_unsupported_expression` outside the subset)."""
    return _Parser(text).parse()


# ----------------------------------------------------------------------------- types


def unify(a: CelType, b: CelType) -> CelType | None:
    """The one type both are, `dyn` standing for any; None if none."""
    if a == b:
        return a
    if a == DYN:
        return b
    if b == DYN:
        return a
    if a.name == b.name and a.name in ("list", "map"):
        args = [unify(x, y) for x, y in zip(a.args, b.args, strict=True)]
        if any(arg is None for arg in args):
            return None
        return CelType(a.name, tuple(arg for arg in args if arg is not None))
    return None


def _is(t: CelType, *names: str) -> bool:
    return t == DYN or t.name in names


MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
STRING_METHODS = frozenset({"contains", "startsWith", "endsWith", "matches"})
MATH_SAME = frozenset({"abs", "sign"})
MATH_DOUBLE = frozenset({"floor", "ceil", "round", "trunc"})
CONVERSIONS = {
    "int": (INT, ("int", "double", "string")),
    "double": (DOUBLE, ("int", "double", "string")),
    "string": (STRING, ("int", "double", "string", "bool")),
}


@dataclass
class _Checker:
    text: str
    bound: set[str] = field(default_factory=set)  # every comprehension variable seen

    def fail(self, code: str, message: str, node: Node) -> CheckFailure:
        return _fail(self.text, code, message, node.offset)

    def overload(self, node: Node, op: str, *types: CelType) -> CheckFailure:
        shown = ", ".join(str(t) for t in types)
        return self.fail(
            TYPE_ERROR, f"no matching overload for '{op}' applied to ({shown})", node
        )

    def check(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        method = getattr(self, f"_{node.kind}")
        result: CelType = method(node, scope)
        return result

    def _lit(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        assert node.type is not None
        return node.type

    def _ident(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        if node.name not in scope:
            raise self.fail(UNKNOWN_VARIABLE, f"undeclared reference to '{node.name}'", node)
        return scope[node.name]

    def _select(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        assert node.target is not None
        target = self.check(node.target, scope)
        if target == DYN:
            return DYN
        if target.name != "map":
            raise self.fail(TYPE_ERROR, f"type {target} has no field '{node.name}'", node)
        return target.args[1]

    def _index(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        operand, index = (self.check(arg, scope) for arg in node.args)
        if operand.name == "list" and _is(index, "int"):
            return operand.args[0]
        if operand.name == "map" and _is(index, "string"):
            return operand.args[1]
        if operand == DYN and _is(index, "int", "string"):
            return DYN
        raise self.overload(node, "[]", operand, index)

    def _list(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        element = DYN
        for item in node.args:
            found = self.check(item, scope)
            joined = unify(element, found)
            if joined is None:
                raise self.fail(
                    TYPE_ERROR, f"list elements must have one type: {element} and {found}", item
                )
            element = joined
        return list_of(element)

    def _map(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        value_type = DYN
        for key, value in zip(node.args[::2], node.args[1::2], strict=True):
            key_type = self.check(key, scope)
            if not _is(key_type, "string"):
                raise self.fail(TYPE_ERROR, f"map keys must be strings, not {key_type}", key)
            found = self.check(value, scope)
            joined = unify(value_type, found)
            if joined is None:
                raise self.fail(
                    TYPE_ERROR, f"map values must have one type: {value_type} and {found}", value
                )
            value_type = joined
        return map_of(STRING, value_type)

    def _unary(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        operand = self.check(node.args[0], scope)
        if node.name == "!" and _is(operand, "bool"):
            return BOOL
        if node.name == "-" and _is(operand, "int", "double"):
            return operand
        raise self.overload(node, node.name, operand)

    def _binary(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        op = node.name
        left, right = (self.check(arg, scope) for arg in node.args)
        if op in ("&&", "||"):
            if _is(left, "bool") and _is(right, "bool"):
                return BOOL
        elif op in ("==", "!="):
            if unify(left, right) is not None or (left.numeric and right.numeric):
                return BOOL
        elif op in ("<", "<=", ">", ">="):
            if (_is(left, "int", "double") and _is(right, "int", "double")) or (
                unify(left, right) in (STRING, BOOL, DYN)
            ):
                return BOOL
        elif op == "in":
            if right == DYN:
                return BOOL
            if right.name == "list":
                element = right.args[0]
                if unify(left, element) is not None or (left.numeric and element.numeric):
                    return BOOL
            if right.name == "map" and _is(left, "string"):
                return BOOL
        else:
            joined = unify(left, right)
            allowed = {
                "+": ("int", "double", "string", "list"),
                "-": ("int", "double"),
                "*": ("int", "double"),
                "/": ("int", "double"),
                "%": ("int",),
            }[op]
            if joined is not None and _is(joined, *allowed):
                return joined
        raise self.overload(node, op, left, right)

    def _cond(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        condition, then, otherwise = node.args
        found = self.check(condition, scope)
        if not _is(found, "bool"):
            raise self.fail(TYPE_ERROR, f"the condition must be a bool, not {found}", condition)
        a, b = self.check(then, scope), self.check(otherwise, scope)
        joined = unify(a, b)
        if joined is None:
            raise self.fail(
                TYPE_ERROR, f"both branches must have one type: {a} and {b}", node
            )
        return joined

    def _call(self, node: Node, scope: Mapping[str, CelType]) -> CelType:
        target, name, args = node.target, node.name, node.args
        if target is None and name == "has":
            if len(args) != 1 or args[0].kind != "select":
                raise self.fail(TYPE_ERROR, "has() takes one field selection, e.g. has(m.key)", node)
            self.check(args[0], scope)
            return BOOL
        if target is not None and target.kind == "ident" and target.name == NAMESPACE:
            if NAMESPACE not in scope:
                return self.math(node, [self.check(arg, scope) for arg in args])
        if target is not None and name in MACROS:
            return self.macro(node, target, scope)
        operands = ([target] if target is not None else []) + list(args)
        types = [self.check(operand, scope) for operand in operands]
        if name == "size" and len(types) == 1:
            if _is(types[0], "string", "list", "map"):
                return INT
            raise self.overload(node, name, *types)
        if name in CONVERSIONS and target is None and len(types) == 1:
            result, accepted = CONVERSIONS[name]
            if _is(types[0], *accepted):
                return result
            raise self.overload(node, name, *types)
        if name in STRING_METHODS and target is not None and len(types) == 2:
            if _is(types[0], "string") and _is(types[1], "string"):
                return BOOL
            raise self.overload(node, name, *types)
        raise self.fail(UNKNOWN_FUNCTION, f"undeclared reference to function '{name}'", node)

    def math(self, node: Node, types: list[CelType]) -> CelType:
        name = f"{NAMESPACE}.{node.name}"
        if node.name in ("least", "greatest") and types:
            if len(types) == 1 and types[0].name == "list" and types[0].args[0].numeric:
                return types[0].args[0]
            joined = types[0]
            for found in types[1:]:
                joined = unify(joined, found) or NULL
            if joined.numeric:
                return joined
        elif node.name in MATH_SAME and len(types) == 1 and types[0].numeric:
            return types[0]
        elif node.name in MATH_DOUBLE and types == [DOUBLE]:
            return DOUBLE
        elif node.name == "sqrt" and len(types) == 1 and types[0].numeric:
            return DOUBLE
        elif node.name not in ({"least", "greatest", "sqrt"} | MATH_SAME | MATH_DOUBLE):
            raise self.fail(UNKNOWN_FUNCTION, f"undeclared reference to function '{name}'", node)
        raise self.overload(node, name, *types)

    def macro(self, node: Node, target: Node, scope: Mapping[str, CelType]) -> CelType:
        args = node.args
        if len(args) != 2 or args[0].kind != "ident":
            raise self.fail(
                TYPE_ERROR, f"{node.name}() takes a variable name and an expression", node
            )
        variable = args[0].name
        self.bound.add(variable)
        range_type = self.check(target, scope)
        if range_type.name == "list":
            element = range_type.args[0]
        elif range_type.name == "map":
            element = range_type.args[0]
        elif range_type == DYN:
            element = DYN
        else:
            raise self.fail(TYPE_ERROR, f"{node.name}() needs a list or map, not {range_type}", node)
        body = self.check(args[1], {**scope, variable: element})
        if node.name == "map":
            return list_of(body)
        if not _is(body, "bool"):
            raise self.fail(
                TYPE_ERROR, f"the {node.name}() predicate must be a bool, not {body}", args[1]
            )
        if node.name == "filter":
            return list_of(element)
        return BOOL


_LIBRARY_ERROR = re.compile(r"<input>:(\d+):(\d+):\s*(?:Syntax error:\s*)?(.*)")


def check_expression(text: str, env: Mapping[str, CelType]) -> CelType:
    """The result type of CEL expression `text` whose free names are typed by `env`.

    Raises CheckFailure (code, message, offset, line, column) on the first problem found.
    """
    try:
        program = cel.compile(text)
    except Exception as error:  # the library's parse error: ValueError with <input>:L:C
        match = _LIBRARY_ERROR.search(str(error))
        if match is None:
            raise _fail(text, SYNTAX_ERROR, f"syntax error: {error}", 0) from None
        line, column, message = int(match.group(1)), int(match.group(2)), match.group(3)
        lines = text.split("\n")
        offset = sum(len(row) + 1 for row in lines[: line - 1]) + column - 1
        raise CheckFailure(
            SYNTAX_ERROR, f"syntax error: {message.strip()}", offset, line, column
        ) from None
    tree = parse(text)
    checker = _Checker(text)
    result = checker.check(tree, env)
    # Last guard: whatever the library sees as a variable must be declared here.
    for name in program.variables():
        if name in env or name in checker.bound or name == NAMESPACE:
            continue
        found = re.search(rf"(?<![\w.]){re.escape(name)}\b", text)
        raise _fail(
            text, UNKNOWN_VARIABLE, f"undeclared reference to '{name}'", found.start() if found else 0
        )
    return result


def uses_math(text: str) -> bool:
    """Whether the expression calls the extended `math.` functions (registered on evaluation)."""
    return bool(re.search(rf"(?<![\w.]){NAMESPACE}\s*\.", text))
