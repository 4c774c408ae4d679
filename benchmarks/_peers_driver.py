"""The PyPI peers' side of `bench_calls`, run by `benchmarks/.peers-venv/bin/python`.

It serves the same fake as our side (`_coinalyze.FakeCoinalyze`, which needs only httpx) and
builds `coinalyze.CoinalyzeClient` (given an `httpx_client`) and `coinalyze_pandas`'s client
(its `.client` replaced) on it. Started with a JSON configuration as its one argument, it
prints `ready`, then answers each line `NAME CALLS` on stdin with the mean seconds per
call of `CALLS` calls of contender `NAME` (the parent interleaves rounds and takes medians),
so that the two processes never run at the same time.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from _coinalyze import API_KEY, FakeCoinalyze


class _Fields:
    """The one attribute of an endpoint the fake reads (cryptodata is not installed here)."""

    def __init__(self, fields: list[list[str]]) -> None:
        self.fields = [tuple(pair) for pair in fields]


def _contenders(config: dict[str, Any]) -> dict[str, Callable[[], object]]:
    from coinalyze import CoinalyzeClient
    from coinalyze.enums import HistoryEndpoint
    from coinalyze_pandas import CoinalyzePandasClient
    from pyrate_limiter import Duration, Limiter, Rate

    fake = FakeCoinalyze(_Fields(config["fields"]), config["markets"])  # type: ignore[arg-type]
    symbol, first, last = config["symbol"], config["from"], config["to"]
    peer = CoinalyzeClient(api_key=API_KEY, httpx_client=httpx.Client(transport=fake.transport()))
    # Its own limiter, of its own library, made generous: 40 calls a minute would sleep.
    peer._limiter = Limiter(
        Rate(10**9, Duration.MINUTE), raise_when_fail=False, max_delay=Duration.MINUTE.value
    )
    pandas_peer = CoinalyzePandasClient(api_key=API_KEY)
    pandas_peer.client = httpx.Client(
        base_url=pandas_peer.base_url,
        timeout=pandas_peer.timeout,
        headers={"api_key": API_KEY},
        transport=fake.transport(),
    )
    raw = httpx.Client(transport=fake.transport())
    start = datetime.fromtimestamp(first, UTC)
    end = datetime.fromtimestamp(last, UTC)
    return {
        "coinalyze get_history": lambda: peer.get_history(
            HistoryEndpoint.OI, symbol, "1hour", start, end, convert_to_usd=False
        ),
        "coinalyze get_history_df": lambda: peer.get_history_df(
            HistoryEndpoint.OI, symbol, "1hour", start, end, convert_to_usd=False
        ),
        "coinalyze-pandas": lambda: pandas_peer.open_interest_history(
            [symbol], "1hour", first, last, convert_to_usd=False
        ),
        "raw httpx": lambda: raw.get(config["url"], headers={"api_key": API_KEY}),
    }


def main() -> None:
    work = _contenders(json.loads(sys.argv[1]))
    for call in work.values():
        call()
    print("ready", flush=True)
    for line in sys.stdin:
        name, calls = line.rsplit(" ", 1)
        call = work[name]
        gc.collect()
        started = time.perf_counter()
        for _ in range(int(calls)):
            call()
        print((time.perf_counter() - started) / int(calls), flush=True)


if __name__ == "__main__":
    main()
