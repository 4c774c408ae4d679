"""Every record shows, compares and hashes itself as attrs-generated methods would."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from cryptodata.core.schema import Kind, record_type

SAMPLES = ["binance", 1.5, None, datetime(2025, 6, 1, tzinfo=UTC), 'quote "x"', 3]
KINDS = pytest.mark.parametrize("kind", list(Kind), ids=lambda kind: kind.value)


def _values(cls: type[Any]) -> list[object]:
    return [SAMPLES[index % len(SAMPLES)] for index in range(len(attrs.fields(cls)))]


@KINDS
def test_a_record_repr_is_the_one_attrs_would_generate(kind: Kind) -> None:
    cls = record_type(kind)
    twin = attrs.make_class(cls.__name__, [field.name for field in attrs.fields(cls)], frozen=True)

    assert repr(cls(*_values(cls))) == repr(twin(*_values(cls)))


@KINDS
def test_records_with_equal_fields_are_equal_and_hash_alike(kind: Kind) -> None:
    cls = record_type(kind)

    first, second = cls(*_values(cls)), cls(*_values(cls))

    assert first == second
    assert not first != second  # noqa: SIM202 - `!=` is what is tested
    assert hash(first) == hash(second)
    assert pickle.loads(pickle.dumps(first)) == first


@KINDS
def test_a_record_differs_from_one_with_another_field_value(kind: Kind) -> None:
    cls = record_type(kind)
    values = _values(cls)
    name = attrs.fields(cls)[0].name

    record = cls(*values)

    assert record != attrs.evolve(record, **{name: "other"})
    assert record != object()


def test_records_of_two_classes_with_the_same_values_differ() -> None:
    bar = record_type(Kind.OPEN_INTEREST)
    other = record_type(Kind.PREDICTED_FUNDING_RATE)
    values = _values(bar)

    assert len(attrs.fields(other)) == len(values)
    assert bar(*values) != other(*values)
