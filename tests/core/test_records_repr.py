"""Every record shows itself exactly as an attrs-generated `__repr__` would."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from cryptodata.core.schema import Kind, record_type

SAMPLES = ["binance", 1.5, None, datetime(2025, 6, 1, tzinfo=UTC), 'quote "x"', 3]


@pytest.mark.parametrize("kind", list(Kind), ids=lambda kind: kind.value)
def test_a_record_repr_is_the_one_attrs_would_generate(kind: Kind) -> None:
    cls = record_type(kind)
    names = [field.name for field in attrs.fields(cls)]
    values = [SAMPLES[index % len(SAMPLES)] for index in range(len(names))]
    twin = attrs.make_class(cls.__name__, names, frozen=True)

    assert repr(cls(*values)) == repr(twin(*values))
