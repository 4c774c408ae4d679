"""The `cryptodata` console script."""

from __future__ import annotations

import pytest

from cryptodata.cli.main import main


def test_demo_without_a_key_prints_every_frame_from_the_bundled_samples(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    assert main(["demo"]) == 0

    out = capsys.readouterr().out
    assert "bundled Coinalyze sample responses" in out
    assert out.count("rows of kind") == 9
    assert "5 rows of kind open_interest" in out
    assert "83549.607" in out  # first daily OI open of the recorded sample
    assert "152326" in out  # first 4-hour OHLCV bar's trade count
    assert "requests: 12 sent, 0 retried, 0 rate limited" in out
    assert "warning" not in out


def test_demo_rejects_a_malformed_symbol_with_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COINALYZE_API_KEY", raising=False)

    assert main(["demo", "--symbol", "BINANCE:BTCUSDT"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("cryptodata: error: malformed Coinalyze symbol 'BINANCE:BTCUSDT'")
    assert err.count("\n") == 1


def test_unknown_command_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])

    assert exit_info.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err
