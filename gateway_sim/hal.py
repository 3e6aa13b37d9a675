"""HAL list envelopes, paging, sorting and filtering of the Chat Gateway list endpoints.

Lists look like Spring Data REST's: `_embedded.<name>` (always present, empty when there is
nothing), `_links.self` and `page{size, number, totalElements, totalPages}`. Query
parameters: `size` (default 20), `page` (0-based), `sort` (`field:asc|desc`, fields
whitelisted per list) and `filter` (FIQL, see gateway_sim.fiql). A value the sandbox cannot
honour is a 400, never silently ignored.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from gateway_sim.domain_errors import DomainError
from gateway_sim.fiql import fiql_to_q

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
# Spring caps the page index so that offsets stay in range; so does the sandbox.
MAX_PAGE_NUMBER = 1_000_000

M = TypeVar("M", bound=Model)


class InvalidListParameter(DomainError):
    code = "invalid_parameter"


@dataclass(frozen=True)
class Listing:
    """How one list endpoint pages, sorts and filters.

    `sort_fields` maps an API field to the ORM fields it orders by (the direction applies to
    all of them; the primary key always breaks remaining ties). `filter_fields` maps FIQL
    selectors to ORM paths.
    """

    name: str
    sort_fields: Mapping[str, tuple[str, ...]]
    filter_fields: Mapping[str, str] = field(default_factory=dict)
    default_sort: str = "id:asc"


@dataclass(frozen=True)
class PageRequest:
    size: int
    number: int
    ordering: tuple[str, ...]


def _whole_number(request: HttpRequest, name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    try:
        value = int(text)
    except ValueError:
        raise InvalidListParameter(f"Invalid {name}={raw}: must be a whole number.", field=name) from None
    if not minimum <= value <= maximum:
        raise InvalidListParameter(
            f"Invalid {name}={raw}: must be between {minimum} and {maximum}.", field=name
        )
    return value


def _ordering(raw: str, listing: Listing) -> tuple[str, ...]:
    ordering: list[str] = []
    for part in raw.split(","):
        name, _, direction = part.strip().partition(":")
        name, direction = name.strip(), (direction.strip().lower() or "asc")
        if name not in listing.sort_fields:
            allowed = ", ".join(listing.sort_fields)
            raise InvalidListParameter(
                f"Invalid sort={raw}: {name or 'the field'} cannot be sorted on (fields: {allowed}).",
                field="sort",
            )
        if direction not in ("asc", "desc"):
            raise InvalidListParameter(
                f"Invalid sort={raw}: the direction must be asc or desc.", field="sort"
            )
        prefix = "-" if direction == "desc" else ""
        ordering.extend(f"{prefix}{column}" for column in listing.sort_fields[name])
    last = ordering[-1]
    ordering.append("-pk" if last.startswith("-") else "pk")
    return tuple(ordering)


def page_request(request: HttpRequest, listing: Listing) -> PageRequest:
    size = _whole_number(request, "size", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    number = _whole_number(request, "page", 0, minimum=0, maximum=MAX_PAGE_NUMBER)
    raw_sort = request.GET.get("sort", "").strip() or listing.default_sort
    return PageRequest(size=size, number=number, ordering=_ordering(raw_sort, listing))


def self_link(request: HttpRequest) -> dict[str, Any]:
    return {"self": {"href": request.build_absolute_uri()}}


def hal_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    listing: Listing,
    serialize: Callable[[list[M]], Sequence[dict[str, Any]]],
) -> dict[str, Any]:
    """One page of `queryset` as a HAL list: two queries (count, page) plus what `serialize` needs."""
    wanted = page_request(request, listing)
    raw_filter = request.GET.get("filter", "").strip()
    if raw_filter:
        queryset = queryset.filter(fiql_to_q(raw_filter, listing.filter_fields))
    total = queryset.count()
    start = wanted.number * wanted.size
    rows = list(queryset.order_by(*wanted.ordering)[start : start + wanted.size]) if start < total else []
    return {
        "_embedded": {listing.name: list(serialize(rows))},
        "_links": self_link(request),
        "page": {
            "size": wanted.size,
            "number": wanted.number,
            "totalElements": total,
            "totalPages": math.ceil(total / wanted.size),
        },
    }


def hal_collection(request: HttpRequest, name: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A complete, unpaged list (participants, interactions) in the same envelope."""
    return {
        "_embedded": {name: list(items)},
        "_links": self_link(request),
        "page": {
            "size": len(items),
            "number": 0,
            "totalElements": len(items),
            "totalPages": 1 if items else 0,
        },
    }
