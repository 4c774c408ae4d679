"""`Table` is generic over its record class: a type checker sees which record each table holds.

Two tiny files are checked with mypy's API, the way a user's code would be: one that mypy
must accept, one whose every line marked `# E: <message>` it must reject with that message
(and no other line). The mypy cache of `mypy --strict src` keeps the run to a few seconds.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import pytest
from mypy import api

from cryptodata import (
    AsyncCoinalyze,
    Coinalyze,
    Exchange,
    FundingRateBar,
    FundingRateSnapshot,
    LiquidationBar,
    LongShortRatioBar,
    Market,
    OhlcvBar,
    OpenInterestBar,
    OpenInterestSnapshot,
    PredictedFundingRateBar,
    PredictedFundingRateSnapshot,
    Table,
)

ROOT = Path(__file__).parents[2]

ACCEPTED = """\
from cryptodata import Coinalyze, FundingRateBar, Kind, OhlcvBar, Table

def closes(cz: Coinalyze) -> list[float | None]:
    bars = cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start="2025-06-01")
    return [bar.close for bar in bars]

def first_rate(cz: Coinalyze) -> FundingRateBar:
    return cz.funding_rate_history("BTCUSDT_PERP.A", interval="1d", start="2025-06-01").to_records()[0]

def venues(cz: Coinalyze) -> int:
    return cz.aggregate("liquidations", "BTC", interval="1d", start="2025-06-01").to_records()[0].venues

def built_by_hand() -> list[OhlcvBar]:
    return Table.empty(Kind.OHLCV).to_records()

def any_kind(cz: Coinalyze, kind: Kind) -> list[object]:
    return [row for row in cz.history(kind, "BTCUSDT_PERP.A", interval="1d", start="2025-06-01")]
"""

REJECTED = """\
from cryptodata import Coinalyze, Kind, OhlcvBar, Table

def mistakes(cz: Coinalyze) -> None:
    for bar in cz.ohlcv_history("BTCUSDT_PERP.A", interval="1h", start="2025-06-01"):
        bar.clsoe  # E: "OhlcvBar" has no attribute "clsoe"
    cz.funding_rate("BTCUSDT_PERP.A").to_records()[0].close  # E: "FundingRateSnapshot" has no attribute "close"
    cz.aggregate("open_interest", "BTC", interval="1d", start="2025-06-01").to_records()[0].longs  # E: "AggregateOpenInterestBar" has no attribute "longs"
    for row in Table.empty(Kind.LIQUIDATIONS):
        row.close  # E: "LiquidationBar" has no attribute "close"
    wrong: Table[OhlcvBar] = Table.empty(Kind.FUNDING_RATE)  # E: Incompatible types in assignment
"""

_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)$")


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, str]]:
    """Errors per checked file name and line, from one strict mypy run over both files."""
    folder = tmp_path_factory.mktemp("typing")
    for name, text in (("accepted.py", ACCEPTED), ("rejected.py", REJECTED)):
        (folder / name).write_text(text)
    with pytest.MonkeyPatch.context() as patch:
        # The checkout's sources, whatever copy of cryptodata the environment has installed.
        patch.setenv("MYPYPATH", str(ROOT / "src"))
        stdout, stderr, _status = api.run(
            [
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--cache-dir",
                str(ROOT / ".mypy_cache"),
                "--strict",
                "--no-error-summary",
                "--hide-error-context",
                str(folder / "accepted.py"),
                str(folder / "rejected.py"),
            ]
        )
    assert stderr == ""
    errors: dict[str, dict[int, str]] = {"accepted.py": {}, "rejected.py": {}}
    for line in stdout.splitlines():
        found = _ERROR.match(line)
        assert found is not None, line
        errors[Path(found["file"]).name][int(found["line"])] = found["message"]
    return errors


def _expected(text: str) -> dict[int, str]:
    return {
        number: line.split("# E: ", 1)[1]
        for number, line in enumerate(text.splitlines(), start=1)
        if "# E: " in line
    }


def test_mypy_accepts_record_attributes_of_the_tables_kind(
    mypy_errors: dict[str, dict[int, str]],
) -> None:
    assert mypy_errors["accepted.py"] == {}


def test_mypy_rejects_attributes_the_tables_record_lacks(
    mypy_errors: dict[str, dict[int, str]],
) -> None:
    found = mypy_errors["rejected.py"]
    expected = _expected(REJECTED)

    assert sorted(found) == sorted(expected)
    for line, fragment in expected.items():
        assert fragment in found[line]


RETURNS: dict[str, Any] = {
    "exchanges": Exchange,
    "future_markets": Market,
    "spot_markets": Market,
    "markets": Market,
    "open_interest": OpenInterestSnapshot,
    "funding_rate": FundingRateSnapshot,
    "predicted_funding_rate": PredictedFundingRateSnapshot,
    "open_interest_history": OpenInterestBar,
    "funding_rate_history": FundingRateBar,
    "predicted_funding_rate_history": PredictedFundingRateBar,
    "liquidation_history": LiquidationBar,
    "long_short_ratio_history": LongShortRatioBar,
    "ohlcv_history": OhlcvBar,
    # The kind is an argument: the record class is the kind's, known only at run time.
    "history": Any,
    "fetch": Any,
}


@pytest.mark.parametrize("client", [Coinalyze, AsyncCoinalyze])
@pytest.mark.parametrize("method", sorted(RETURNS))
def test_every_client_method_names_the_record_of_the_table_it_returns(
    client: type[Any], method: str
) -> None:
    returned = typing.get_type_hints(getattr(client, method))["return"]

    assert returned == Table[RETURNS[method]]
