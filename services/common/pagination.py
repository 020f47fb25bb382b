"""Cursor pagination: `?limit=&cursor=` → `{"items": [...], "next_cursor": ...}`."""

import base64
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, tuple_
from sqlalchemy.sql import Select

from services.common.errors import InvalidCursor

T = TypeVar("T")
_INVALID = "The cursor is not one this API issued."

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Page size (1–500).")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="Opaque cursor from the previous page's `next_cursor`."),
]


class Page(BaseModel, Generic[T]):
    """One page of a list; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page.")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the sort key of the last row of a page."""
    raw = json.dumps(list(values), default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The sort key inside a cursor, or a 422 naming the `cursor` parameter."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor.for_field("query.cursor", _INVALID) from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor.for_field("query.cursor", _INVALID)
    return values


def _coerce(value: Any, key: ColumnElement[Any]) -> Any:
    """A cursor value as the key column's type, or a 422: never a database error."""
    try:
        python_type = key.type.python_type
    except NotImplementedError:
        python_type = str
    if python_type is int:
        if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
            raise InvalidCursor.for_field("query.cursor", _INVALID)
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidCursor.for_field("query.cursor", _INVALID)
    if python_type in (date, datetime):
        try:
            return python_type.fromisoformat(value)
        except ValueError as exc:
            raise InvalidCursor.for_field("query.cursor", _INVALID) from exc
    return value


def paginate(
    statement: Select[Any],
    *,
    keys: Sequence[ColumnElement[Any]],
    limit: int,
    cursor: str | None,
) -> Select[Any]:
    """Order by `keys` (ascending, unique together) and start after the cursor; fetch limit+1."""
    if cursor:
        values = [
            _coerce(v, k) for v, k in zip(decode_cursor(cursor, len(keys)), keys, strict=True)
        ]
        if len(keys) == 1:
            statement = statement.where(keys[0] > values[0])
        else:
            statement = statement.where(tuple_(*keys) > tuple_(*values))
    return statement.order_by(*keys).limit(limit + 1)


def page_of(rows: Sequence[T], *, limit: int, key_of: Any) -> tuple[list[T], str | None]:
    """Trim the extra row fetched by `paginate` and make the next cursor from the last kept row."""
    kept = list(rows[:limit])
    next_cursor = encode_cursor(key_of(kept[-1])) if len(rows) > limit and kept else None
    return kept, next_cursor
