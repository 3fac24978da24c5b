"""One column of a query's rows, typed (Tortoise types ``values_list(..., flat=True)`` as
tuples)."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.queryset import QuerySet


async def uuid_column(query: QuerySet[Any], field: str) -> list[uuid.UUID]:
    """The ``field`` of each row of ``query``, in the query's order."""
    return [row[field] for row in await query.values(field)]
