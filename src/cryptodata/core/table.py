"""`Table`: a kind of data and its typed polars frame, plus what went wrong on the way."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import polars as pl

from .schema import Kind, primary_key, record_type, schema

__all__ = ["Table"]


@attrs.frozen(repr=False, eq=False)
class Table:
    """Rows of one [`Kind`][cryptodata.Kind], held as a polars frame with the kind's schema.

    Empty results are empty tables with the full schema, never `None`. Tables are built by
    clients; build one yourself with [`Table.from_frame`][cryptodata.Table.from_frame].

    Attributes:
        kind: What the rows are.
        warnings: Things the caller should know about the result (symbols that answered
            nothing, history the provider no longer keeps, ...).

    Examples:
        >>> t = Table.empty(Kind.FUNDING_RATE)
        >>> len(t), t.to_polars().columns[:6]
        (0, ['provider', 'exchange', 'symbol', 'base', 'interval', 'ts'])
    """

    kind: Kind
    _frame: pl.DataFrame = attrs.field(alias="frame")
    warnings: list[str] = attrs.field(factory=list)

    @classmethod
    def from_frame(cls, kind: Kind, frame: pl.DataFrame, warnings: Iterable[str] = ()) -> Table:
        """Build a table, selecting and casting the frame's columns to the kind's schema.

        Raises:
            polars.exceptions.ColumnNotFoundError: If a column of the schema is missing.
        """
        target = schema(kind)
        conformed = frame.select(pl.col(name).cast(dtype) for name, dtype in target.items())
        return cls(Kind(kind), conformed, list(warnings))

    @classmethod
    def empty(cls, kind: Kind, warnings: Iterable[str] = ()) -> Table:
        """A table with no rows and the full schema of `kind`."""
        return cls(Kind(kind), pl.DataFrame(schema=schema(kind)), list(warnings))

    @classmethod
    def concat(cls, kind: Kind, tables: Iterable[Table], warnings: Iterable[str] = ()) -> Table:
        """Stack tables of one kind, de-duplicated on the primary key (last one wins) and sorted."""
        parts = list(tables)
        frames = [part.to_polars() for part in parts]
        notes = [note for part in parts for note in part.warnings]
        frame = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema(kind))
        return cls(Kind(kind), _dedupe_sorted(frame, primary_key(kind)), [*notes, *warnings])

    def to_polars(self) -> pl.DataFrame:
        """The rows as a polars DataFrame (UTC `ts`, the kind's exact dtypes)."""
        return self._frame

    def to_records(self) -> list[Any]:
        """The rows as frozen attrs records of the kind's record class."""
        return list(self)

    def with_warnings(self, warnings: Iterable[str]) -> Table:
        """A copy of this table with more warnings appended."""
        return attrs.evolve(self, warnings=[*self.warnings, *warnings])

    def __iter__(self) -> Iterator[Any]:
        cls = record_type(self.kind)
        for row in self._frame.iter_rows():
            yield cls(*row)

    def __len__(self) -> int:
        return self._frame.height

    def __bool__(self) -> bool:
        return self._frame.height > 0

    def __repr__(self) -> str:
        return f"Table(kind={self.kind.value!r}, rows={len(self)}, warnings={len(self.warnings)})"


def _dedupe_sorted(frame: pl.DataFrame, key: tuple[str, ...]) -> pl.DataFrame:
    return frame.unique(subset=list(key), keep="last", maintain_order=True).sort(list(key))
