"""FIQL filters: the grammar, the mapping to Q, and the errors that name the problem."""

import contextlib

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_sim.fiql import Combination, Constraint, InvalidFilter, fiql_parse, fiql_to_q

FIELDS = {"name": "name", "user.email": "user__email", "id": "id", "routingOption.id": "queue__public_id"}


def test_it_parses_the_specs_own_example() -> None:
    assert fiql_parse("name==Cosmin,(routingOption.id==11)") == Combination(
        "or", (Constraint("name", "==", "Cosmin"), Constraint("routingOption.id", "==", "11"))
    )


def test_and_binds_tighter_than_or() -> None:
    assert fiql_parse("a==1,b==2;c==3,d==4") == Combination(
        "or",
        (
            Constraint("a", "==", "1"),
            Combination("and", (Constraint("b", "==", "2"), Constraint("c", "==", "3"))),
            Constraint("d", "==", "4"),
        ),
    )


def test_parentheses_group() -> None:
    assert fiql_parse("(a==1,b==2);c!=3") == Combination(
        "and",
        (
            Combination("or", (Constraint("a", "==", "1"), Constraint("b", "==", "2"))),
            Constraint("c", "!=", "3"),
        ),
    )


def test_arguments_may_be_quoted_and_hold_reserved_characters() -> None:
    assert fiql_parse('name==\'John, (Jr)\';id=="a\\"b"') == Combination(
        "and", (Constraint("name", "==", "John, (Jr)"), Constraint("id", "==", 'a"b'))
    )


def test_unquoted_arguments_keep_spaces_and_at_signs() -> None:
    assert fiql_parse("user.email==jo doe@example.com") == Constraint(
        "user.email", "==", "jo doe@example.com"
    )


def test_it_maps_selectors_to_orm_paths() -> None:
    assert fiql_to_q("user.email==jo@example.com,name!=Bob", FIELDS) == Q(user__email="jo@example.com") | ~Q(
        name="Bob"
    )


def test_a_wildcard_becomes_an_anchored_regex() -> None:
    assert fiql_to_q("name==Jo*n.*", FIELDS) == Q(name__regex=r"^Jo.*n\..*$")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name", "expected == or != after name."),
        ("name==", "missing value after name==."),
        ("==x", "expected a field name at position 1."),
        ("name==a,,id==b", "expected a field name at position 9."),
        ("name==a)", "unexpected ')' at position 8."),
        ("(name==a", "missing ')' at position 9."),
        ("()", "expected a field name at position 2."),
        ("name=='open", "unterminated quoted value starting at position 7."),
        ("name=gt=3", "=gt= is not supported; use == or !=."),
        ("name=in=(a,b)", "=in= is not supported; use == or !=."),
        (
            "secret==1",
            "secret cannot be filtered on (fields: id, name, routingOption.id, user.email).",
        ),
    ],
)
def test_it_rejects_what_it_cannot_honour_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidFilter) as error:
        fiql_to_q(text, FIELDS)

    assert error.value.message == f"Invalid filter {text!r}: {reason}"
    assert error.value.code == "invalid_parameter"


def test_it_limits_nesting() -> None:
    with pytest.raises(InvalidFilter, match="more than 20 nested parentheses"):
        fiql_parse("(" * 30 + "a==1" + ")" * 30)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("name=!;,()'\"\\* 1.")), max_size=30) | st.text(max_size=20))
def test_any_input_parses_or_is_an_invalid_filter(text: str) -> None:
    with contextlib.suppress(InvalidFilter):
        fiql_to_q(text, FIELDS)
