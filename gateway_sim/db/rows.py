"""Plain-SQL reads and writes of model rows, for the paths run once per message.

Django's ORM spends about 0.3 ms of CPU building each query, several times what SQLite or
PostgreSQL spend answering a primary-key lookup or a one-row insert; on the path of every
message (auth, the conversation lock, the message, its event and deliveries, the delivery
log) that was most of a request's CPU. `Table` builds each statement once per model from
its `_meta` and turns rows into ordinary model instances with the converters the ORM
itself applies, so code around it keeps working with models.

Only for hot paths, and only for what the ORM does not add behaviour to: these writes send
no signals and run no `save()` overrides (the models used here have neither).
"""

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


_tables: dict[type[Model], "Table[Any]"] = {}


class Table(Generic[M]):
    """One model's table: its column list, rows into instances, inserts and updates."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        meta = model._meta
        self.name = meta.db_table
        self.fields: list[Field[Any, Any]] = list(meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        pk = meta.pk
        if pk is None:
            raise TypeError(f"{model.__name__} has no primary key")
        self.pk: Field[Any, Any] = pk
        quote = connection.ops.quote_name
        self._quoted = {field.attname: quote(str(field.column)) for field in self.fields}
        self._fields_by_name = {field.name: field for field in self.fields}
        self._fields_by_name.update({field.attname: field for field in self.fields})
        # Per database vendor: the converters of each column, as the ORM's compiler finds them.
        self._converters: dict[str, list[tuple[int, list[Converter]]]] = {}

    @classmethod
    def of(cls, model: type[M]) -> "Table[M]":
        """The one Table of `model`: its statements and converters are worked out once."""
        table = _tables.get(model)
        if table is None:
            table = _tables.setdefault(model, cls(model))
        return table

    def columns(self, alias: str) -> str:
        """`alias.col1, alias.col2, …` in the model's field order (what `from_row` expects)."""
        return ", ".join(f"{alias}.{self._quoted[name]}" for name in self.attnames)

    @property
    def width(self) -> int:
        return len(self.fields)

    def from_row(self, row: Sequence[Any], start: int = 0) -> M | None:
        """The instance held in `row[start:start + width]`; None when its primary key is NULL
        (the missing side of a LEFT JOIN)."""
        values = list(row[start : start + len(self.fields)])
        if values[self.fields.index(self.pk)] is None:
            return None
        for index, converters in self._converters_for():
            value = values[index]
            for converter in converters:
                value = converter(value, None, connection)
            values[index] = value
        return self.model.from_db(connection.alias, self.attnames, values)

    def _converters_for(self) -> list[tuple[int, list[Converter]]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.name)
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if converters:
                    found.append((index, converters))
            self._converters[connection.vendor] = found
        return found

    def insert(self, instance: M) -> M:
        """INSERT every concrete field of `instance` (defaults already applied by its
        constructor); an auto-increment primary key left unset is read back."""
        fields = [f for f in self.fields if not (f is self.pk and getattr(instance, f.attname) is None)]
        values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
        sql = (
            f"INSERT INTO {connection.ops.quote_name(self.name)}"
            f" ({', '.join(self._quoted[f.attname] for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
        )
        reads_pk = len(fields) < len(self.fields)
        if reads_pk:
            sql += f" RETURNING {self._quoted[self.pk.attname]}"
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            if reads_pk:
                setattr(instance, self.pk.attname, cursor.fetchone()[0])
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance

    def update(self, pk: Any, **values: Any) -> int:
        """UPDATE the row with primary key `pk`: `values` by field name; returns rows changed."""
        fields = [self._fields_by_name[name] for name in values]
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, values.values(), strict=True)
        ]
        assignments = ", ".join(f"{self._quoted[field.attname]} = %s" for field in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(self.name)} SET {assignments}"
                f" WHERE {self._quoted[self.pk.attname]} = %s",
                [*params, self.pk.get_db_prep_value(pk, connection)],
            )
            return int(cursor.rowcount)
