"""The shape of a history table: regular, sorted, local time, seconds, one row per interval."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from routingkit.genesys import GenesysClient
from routingkit.workload import COLUMNS, fetch_history

DST_END = dt.date(2026, 11, 1)  # a 25-hour day in America/Chicago, inside the pinned history


def test_columns_are_the_documented_ones_with_a_range_index(clean_history: pd.DataFrame) -> None:
    assert list(clean_history.columns) == [name for name, _ in COLUMNS]
    assert isinstance(clean_history.index, pd.RangeIndex)
    assert clean_history["interval_start"].dt.tz == ZoneInfo("America/Chicago")
    assert clean_history["offered"].dtype == np.int64
    assert clean_history["aht_seconds"].dtype == np.float64


def test_every_queue_has_every_half_hour_of_the_range_in_order(
    clean_history: pd.DataFrame, zone: ZoneInfo
) -> None:
    assert clean_history["queue_name"].nunique() == 12
    keys = ["queue_name", "media_type", "interval_start"]
    assert clean_history[keys].equals(clean_history.sort_values(keys)[keys].reset_index(drop=True))
    for _, series in clean_history.groupby(["queue_name", "media_type"]):
        # 60 days of 48 half hours, plus 2 for the hour DST gives back on 1 November
        assert len(series) == 60 * 48 + 2
        steps = series["interval_start"].diff().dropna()
        assert (steps == pd.Timedelta(minutes=30)).all()
        assert (series["interval_seconds"] == 1800).all()
    first = clean_history["interval_start"].min()
    assert first.tz_convert(zone).time() == dt.time(0)


def test_quiet_intervals_are_zero_rows_with_nan_means(clean_history: pd.DataFrame) -> None:
    night = clean_history[clean_history["interval_start"].dt.hour == 3]
    assert (night["offered"] == 0).all()
    assert night["aht_seconds"].isna().all()
    assert night["service_level"].isna().all()
    assert (night["arrival_rate"] == 0).all()


def test_units_are_seconds_and_means_follow_from_totals(clean_history: pd.DataFrame) -> None:
    busy = clean_history[clean_history["handled"] > 0]
    np.testing.assert_allclose(
        busy["aht_seconds"], busy["handle_seconds_total"] / busy["handled"], rtol=1e-12
    )
    # Handle = talk + hold + ACW in the sandbox, and every component is per handled interaction.
    np.testing.assert_allclose(
        busy["talk_seconds"] + busy["hold_seconds"] + busy["acw_seconds"],
        busy["aht_seconds"],
        rtol=1e-9,
    )
    assert busy["aht_seconds"].between(10, 5000).all()  # seconds, not milliseconds
    np.testing.assert_allclose(busy["arrival_rate"], busy["offered"] / 1800, rtol=1e-15)
    answered = clean_history[clean_history["answered"] > 0]
    np.testing.assert_allclose(
        answered["asa_seconds"], answered["answer_seconds_total"] / answered["answered"]
    )
    sl = clean_history[clean_history["service_level_denominator"] > 0]
    np.testing.assert_allclose(
        sl["service_level"], sl["answered_within_target"] / sl["service_level_denominator"]
    )
    assert (
        clean_history["offered"] >= clean_history["answered"] + clean_history["abandoned"]
    ).all()


def test_daily_granularity_uses_local_calendar_days(
    client: GenesysClient,
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    zone: ZoneInfo,
) -> None:
    daily = fetch_history(
        client, None, *history_dates, "P1D", time_zone=truth["time_zone"], progress=False
    )
    assert len(daily) == 12 * 60
    assert (daily["interval_start"].dt.time == dt.time(0)).all()
    seconds = daily.set_index(daily["interval_start"].dt.date)["interval_seconds"]
    assert (seconds.loc[[DST_END]] == 25 * 3600).all()
    assert (seconds.drop(index=DST_END) == 24 * 3600).all()
    by_day = clean_history.groupby(
        ["queue_name", "media_type", clean_history["interval_start"].dt.date]
    )[["offered", "handled", "handle_seconds_total", "wait_seconds_total"]].sum()
    ours = daily.groupby(["queue_name", "media_type", daily["interval_start"].dt.date])[
        ["offered", "handled", "handle_seconds_total", "wait_seconds_total"]
    ].sum()
    pd.testing.assert_frame_equal(ours, by_day)


def test_names_ids_and_models_select_the_same_queues(
    client: GenesysClient, truth: dict[str, Any], history_dates: tuple[dt.date, dt.date]
) -> None:
    window = (history_dates[0], history_dates[0] + dt.timedelta(days=2))
    options: dict[str, Any] = {"time_zone": truth["time_zone"], "use_cache": False}
    voice = client.queues.get_by_name("Support - Voice")
    assert voice.id is not None
    by_name = fetch_history(client, ["support - chat", "Support - Voice"], *window, **options)
    by_id_and_model = fetch_history(
        client, [voice, client.queues.get_by_name("Support - Chat").id or ""], *window, **options
    )
    pd.testing.assert_frame_equal(by_id_and_model, by_name)
    assert list(by_name["queue_name"].unique()) == ["Support - Chat", "Support - Voice"]


def test_requested_media_types_appear_even_without_traffic(
    client: GenesysClient, truth: dict[str, Any], history_dates: tuple[dt.date, dt.date]
) -> None:
    window = (history_dates[0], history_dates[0] + dt.timedelta(days=2))
    options: dict[str, Any] = {"time_zone": truth["time_zone"], "use_cache": False}
    found = fetch_history(
        client, ["Support - Email", "Support - Voice"], *window, media_types="call", **options
    )
    assert set(found["media_type"]) == {"voice"}  # queue vocabulary converted at the boundary
    email = found[found["queue_name"] == "Support - Email"]
    assert len(email) == 2 * 48
    assert (email["offered"] == 0).all()
    assert found[found["queue_name"] == "Support - Voice"]["offered"].sum() > 0


@pytest.mark.parametrize("granularity", ["PT15M", "PT1H"])
def test_finer_and_coarser_grids_hold_the_same_traffic(
    client: GenesysClient,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    granularity: str,
) -> None:
    window = (DST_END - dt.timedelta(days=1), DST_END + dt.timedelta(days=1))
    options: dict[str, Any] = {"time_zone": truth["time_zone"], "use_cache": False}
    half_hours = fetch_history(client, "Billing - Voice", *window, **options)
    other = fetch_history(client, "Billing - Voice", *window, granularity, **options)
    per = {"PT15M": 900, "PT1H": 3600}[granularity]
    assert len(other) == (49 * 3600) // per  # 24 + 25 hours
    for column in ("offered", "abandoned", "handle_seconds_total", "over_sla"):
        assert other[column].sum() == pytest.approx(half_hours[column].sum(), rel=1e-12)
