"""Inserting many rows at once from plain dicts. Tortoise's ``bulk_create`` builds a model
instance per row, which for a 100,000-row import costs more than the database does; this takes
the same insert statement and the same field conversions (and checks), without the instances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.models import Model

from resolvers.core.clock import now

BATCH = 1000
_PER_ROW = object()
# Conversions take the model instance for auto-now fields; rows are not instances, and every
# time is given, so there is none to pass.
_NO_INSTANCE: Any = None  # a default drawn for each row (a new id, the current time)


def _constant_default(field: Any) -> Any:
    """The stored default of a field left out of the rows, or ``_PER_ROW``."""
    if callable(field.default) or getattr(field, "auto_now", False):
        return _PER_ROW
    if field.default is None and getattr(field, "auto_now_add", False):
        return _PER_ROW
    return field.to_db_value(field.default, _NO_INSTANCE)


def _row_default(field: Any) -> Any:
    return field.default() if callable(field.default) else now()


async def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (field name → value; omitted fields take their default) into
    ``model``'s table in the current transaction."""
    if not rows:
        return
    db = model._choose_db(True)
    executor = db.executor_class(model=model, db=db)
    fields_map = model._meta.fields_map
    names = list(executor.regular_columns_all)
    fields = [fields_map[name] for name in names]
    defaults: dict[str, Any] = {}  # filled when a row first leaves the field out
    # Rows of one batch share most values (the import, the entry, the time): each distinct
    # value of a field is converted (and checked) once.
    for start in range(0, len(rows), BATCH):
        converted: dict[tuple[str, Any], Any] = {}
        values = []
        for row in rows[start : start + BATCH]:
            line = []
            for name, field in zip(names, fields, strict=True):
                if name in row:
                    value = row[name]
                    try:
                        line.append(converted[name, value])
                    except KeyError:
                        line.append(
                            converted.setdefault(
                                (name, value), field.to_db_value(value, _NO_INSTANCE)
                            )
                        )
                    except TypeError:  # not hashable (a JSON value)
                        line.append(field.to_db_value(value, _NO_INSTANCE))
                else:
                    if name not in defaults:
                        defaults[name] = _constant_default(field)
                    if defaults[name] is _PER_ROW:
                        line.append(field.to_db_value(_row_default(field), _NO_INSTANCE))
                    else:
                        line.append(defaults[name])
            values.append(line)
        await db.execute_many(executor.insert_query_all, values)
