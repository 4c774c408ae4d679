"""Velo: the `/rows` planner's calls against the theoretical minimum, and the CSV parse rate.

- Planner: for each configuration, the requests `Velo.plan` sends against
  `ceil(values / 22,500)`, the fewest any set of requests could make (each request holds at
  most 22,500 values). Target: at most 1.05x. The configurations are the seed universe's
  (CoinGecko's top 50 coins, as `top_assets` seeds a notebook): *top-50*, 50 USDT perpetuals
  on `binance-futures` with price, dollar open interest and funding at 1h over a year; *full*,
  the same 50 coins on `binance-futures`, `bybit` and `okex-swap` with all 30 futures columns
  at 1m over 30 days. Planning is pure, so both run at every size.
- Parse: rows per second of `parse_rows` on a 1 M-row `/rows` body (3 columns; fewer rows at
  the smaller sizes) against a bare `polars.read_csv` of the same bytes with its own type
  inference (no header check, no explicit dtypes). Target: at least 0.80x its rate.

Run alone: `python benchmarks/bench_velo.py [--size S]`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import polars as pl
from _harness import SIZES, Comparison, Size, at_most, interleaved

from cryptodata.core.intervals import Interval
from cryptodata.core.time import to_ms
from cryptodata.providers.velo.endpoints import COLUMNS, MAX_VALUES
from cryptodata.providers.velo.parse import parse_rows
from cryptodata.providers.velo.planner import Plan, Want, grids, plan

ROWS: dict[Size, int] = {"smoke": 10_000, "small": 200_000, "full": 1_000_000}
ROUNDS: dict[Size, int] = {"smoke": 1, "small": 3, "full": 5}
PLANNER_LIMIT = 1.05
PARSE_LIMIT = 0.80
END = datetime(2026, 7, 1, tzinfo=UTC)
COINS = tuple(f"C{index:02d}" for index in range(50))
"""Stand-ins for the top-50 coins: the planner only counts them."""
SERIES_COLUMNS = ("close_price", "dollar_open_interest_close", "funding_rate")


def _top_50() -> Plan:
    want = Want(("binance-futures",), tuple(f"{c}USDT" for c in COINS), "products", SERIES_COLUMNS)
    start = datetime(2025, 7, 1, tzinfo=UTC)
    return plan("futures", Interval.H1, to_ms(start), to_ms(END), [want])


def _full() -> Plan:
    columns = [column for column in COLUMNS["futures"] if column != "3m_basis_ann"]
    names = {"binance-futures": "{}USDT", "bybit": "{}USDT", "okex-swap": "{}-USDT-SWAP"}
    series = [
        (exchange, spelling.format(coin), "products", columns)
        for exchange, spelling in names.items()
        for coin in COINS
    ]
    start = datetime(2026, 6, 1, tzinfo=UTC)
    return plan("futures", Interval.M1, to_ms(start), to_ms(END), grids(series))  # type: ignore[arg-type]


def _planner(name: str, found: Plan, size: Size) -> Comparison:
    ratio = len(found.requests) / found.lower_bound
    return Comparison(
        f"velo planner, {name}",
        len(found.requests),
        "ceil(values / 22,500)",
        found.lower_bound,
        "calls",
        ratio,
        f"≤ {PLANNER_LIMIT:.2f}x",
        at_most(ratio, PLANNER_LIMIT, size),
        f"{found.values:,} values, scheme minimum {found.minimum:,}, cap {MAX_VALUES:,}",
    )


def body(rows: int) -> bytes:
    """A `/rows` answer of `rows` minute rows over 50 products, with a header."""
    per_product = max(rows // 50, 1)
    time = pl.int_range(0, rows, eager=True)
    frame = pl.DataFrame(
        {
            "exchange": pl.repeat("binance-futures", rows, eager=True),
            "coin": "C" + (time // per_product).cast(pl.String),
            "product": "C" + (time // per_product).cast(pl.String) + "USDT",
            "time": 1_750_000_000_000 + (time % per_product) * 60_000,
            "close_price": 60_000 + (time % 1_000) * 0.5,
            "dollar_open_interest_close": 8e9 + time * 10.0,
            "funding_rate": (time % 7) * 1e-5,
        }
    )
    return frame.write_csv().encode()


def comparisons(size: Size) -> list[Comparison]:
    """The planner rows (top-50, full) and the parse-rate row."""
    rows = ROWS[size]
    payload = body(rows)
    times = interleaved(
        {
            "ours": lambda: parse_rows(payload, SERIES_COLUMNS),
            "read_csv": lambda: pl.read_csv(payload),
        },
        ROUNDS[size],
    )
    ours, reference = rows / times["ours"], rows / times["read_csv"]
    parse = Comparison.judged(
        "velo /rows CSV parse",
        ours,
        "polars.read_csv, inferred types",
        reference,
        limit=PARSE_LIMIT,
        size=size,
        unit="rows/s",
        detail=f"{rows:,} rows, {len(payload) / 2**20:.1f} MiB",
    )
    return [_planner("top-50", _top_50(), size), _planner("full", _full(), size), parse]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small")
    for row in comparisons(parser.parse_args().size):
        print(
            f"{row.path} ({row.detail}): {row.ours:,.0f} vs {row.reference:,.0f} {row.unit}, "
            f"{row.ratio:.3f}x ({row.target})"
        )


if __name__ == "__main__":
    main()
