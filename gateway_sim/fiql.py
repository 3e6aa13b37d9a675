"""FIQL `filter` expressions of the list endpoints, parsed and turned into Django `Q` objects.

Grammar (the FIQL draft, with RSQL's quoted arguments, as Spring services accept them):

    expression = and-expr *( "," and-expr )          ; "," is OR
    and-expr   = operand *( ";" operand )            ; ";" is AND and binds tighter
    operand    = "(" expression ")" / constraint
    constraint = selector comparison argument
    comparison = "==" / "!=" / "=" *ALPHA "="
    argument   = quoted string / 1*(any character but ";" "," "(" ")")

Selectors are API field names, dotted for nested fields (`user.email`); each list endpoint
whitelists the ones it accepts and maps them to ORM paths. `*` in an argument is a wildcard.

The parser is our own because the FIQL/RSQL parsers on PyPI cannot take what the lists accept
(checked: fiql-parser 1.0, released October 2022, uploaded 2023-09, none since; pyrsql 0.0.6):

- fiql-parser hits RecursionError on valid input where ";" must bind tighter than ",", such as
  `a==1,b==2;c==3,d==4`. Its arguments are RFC 3986 unreserved characters only, so
  `user.email==*@example.com` and values with spaces fail and quoted values do not exist; it
  decodes arguments again after Django has (`+` becomes a space); it accepts `()` and a bare
  `name`; and its errors name Python classes and no position, where our 400 names the problem
  and where it is.
- pyrsql (RSQL) ends unquoted values at whitespace and at `<`, `>`, `~`, `!`, so
  `user.email==jo doe@example.com` is an error.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import Q

from gateway_sim.domain_errors import DomainError

MAX_LENGTH = 2000
MAX_DEPTH = 20

_SELECTOR = re.compile(r"[A-Za-z0-9._~-]+")
_COMPARISON = re.compile(r"==|!=|=[A-Za-z]*=")
_RESERVED = frozenset(";,()")


class InvalidFilter(DomainError):
    code = "invalid_parameter"

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"Invalid filter {text!r}: {reason}", field="filter")


@dataclass(frozen=True)
class Constraint:
    selector: str
    comparison: str
    argument: str


@dataclass(frozen=True)
class Combination:
    operator: str  # "and" or "or"
    operands: tuple["Node", ...]


Node = Constraint | Combination


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def fail(self, reason: str) -> InvalidFilter:
        return InvalidFilter(self.text, reason)

    def at(self, char: str) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] == char

    def parse(self) -> Node:
        node = self.expression()
        if self.pos < len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r} at position {self.pos + 1}.")
        return node

    def expression(self) -> Node:
        return self._joined(",", "or", self.and_expression)

    def and_expression(self) -> Node:
        return self._joined(";", "and", self.operand)

    def _joined(self, separator: str, operator: str, part: Callable[[], Node]) -> Node:
        operands: list[Node] = [part()]
        while self.at(separator):
            self.pos += 1
            operands.append(part())
        return operands[0] if len(operands) == 1 else Combination(operator, tuple(operands))

    def operand(self) -> Node:
        if not self.at("("):
            return self.constraint()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"more than {MAX_DEPTH} nested parentheses.")
        self.pos += 1
        node = self.expression()
        if not self.at(")"):
            raise self.fail(f"missing ')' at position {self.pos + 1}.")
        self.pos += 1
        self.depth -= 1
        return node

    def constraint(self) -> Constraint:
        selector = _SELECTOR.match(self.text, self.pos)
        if selector is None:
            raise self.fail(f"expected a field name at position {self.pos + 1}.")
        self.pos = selector.end()
        comparison = _COMPARISON.match(self.text, self.pos)
        if comparison is None:
            raise self.fail(f"expected == or != after {selector.group()}.")
        if comparison.group() not in ("==", "!="):
            # Before the argument: RSQL's `=in=(a,b)` would otherwise read as a missing value.
            raise self.fail(f"{comparison.group()} is not supported; use == or !=.")
        self.pos = comparison.end()
        argument = self.argument()
        if argument == "":
            raise self.fail(f"missing value after {selector.group()}{comparison.group()}.")
        return Constraint(selector.group(), comparison.group(), argument)

    def argument(self) -> str:
        text, start = self.text, self.pos
        if self.pos < len(text) and text[self.pos] in "'\"":
            quote, chars = text[self.pos], []
            self.pos += 1
            while self.pos < len(text) and text[self.pos] != quote:
                if text[self.pos] == "\\" and self.pos + 1 < len(text):
                    self.pos += 1
                chars.append(text[self.pos])
                self.pos += 1
            if self.pos >= len(text):
                raise self.fail(f"unterminated quoted value starting at position {start + 1}.")
            self.pos += 1
            return "".join(chars)
        while self.pos < len(text) and text[self.pos] not in _RESERVED:
            self.pos += 1
        return text[start : self.pos]


def fiql_parse(text: str) -> Node:
    """The syntax tree of a FIQL expression. Raises InvalidFilter with the reason."""
    if len(text) > MAX_LENGTH:
        raise InvalidFilter(text[:40] + "...", f"longer than {MAX_LENGTH} characters.")
    return _Parser(text).parse()


def fiql_to_q(text: str, fields: Mapping[str, str]) -> Q:
    """The `Q` for a FIQL expression over the whitelisted `fields` (API selector -> ORM path)."""
    return _to_q(fiql_parse(text.strip()), text.strip(), fields)


def _to_q(node: Node, text: str, fields: Mapping[str, str]) -> Q:
    if isinstance(node, Combination):
        parts = [_to_q(operand, text, fields) for operand in node.operands]
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined | part) if node.operator == "or" else (combined & part)
        return combined
    if node.selector not in fields:
        allowed = ", ".join(sorted(fields)) or "none"
        raise InvalidFilter(text, f"{node.selector} cannot be filtered on (fields: {allowed}).")
    if "\x00" in node.argument:
        raise InvalidFilter(text, "NUL characters are not allowed.")
    path = fields[node.selector]
    if "*" in node.argument:
        pattern = "^" + ".*".join(re.escape(part) for part in node.argument.split("*")) + "$"
        match = Q(**{f"{path}__regex": pattern})
    else:
        match = Q(**{path: node.argument})
    return match if node.comparison == "==" else ~match
