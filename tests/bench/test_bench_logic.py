"""The benchmark's pure logic on fixed inputs: statistics, table, page polling, cost model.

No timing here: these check the arithmetic and the table the benchmark prints.
"""

from __future__ import annotations

from dataclasses import asdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bench.coldstart import unimported_entries
from bench.cost import CostInputs, cosmos_write_ru, per_1000
from bench.latency import BEFORE, Settings, page_poll, poll_offsets_ms
from bench.latency import rows as latency_rows
from bench.photos import PageTunables, page_tunables
from bench.report import Row, format_value, render_table
from bench.stats import median, p95, ratio, union_seconds
from bench.throughput import rows as throughput_rows

TUNABLES = PageTunables(
    max_edge=1600,
    jpeg_quality=0.85,
    poll_initial_ms=500,
    poll_factor=1.5,
    poll_max_ms=5000,
    gallery_page_size=20,
)


def test_median_and_nearest_rank_p95() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert median(values) == 10.5
    assert p95(values) == 19.0
    assert p95([3.0]) == 3.0
    with pytest.raises(ValueError):
        median([])


def test_ratio_without_a_baseline_is_none() -> None:
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(3.0, 0.0) is None


def test_union_counts_overlapping_intervals_once() -> None:
    assert union_seconds([(0.0, 2.0), (1.0, 3.0), (5.0, 6.0)]) == 4.0
    assert union_seconds([(1.0, 2.0), (0.0, 4.0)]) == 4.0
    assert union_seconds([]) == 0.0


def test_values_are_rounded_for_reading() -> None:
    assert format_value(1487.3, "ms") == "1,487 ms"
    assert format_value(0.0042, "USD") == "$0.0042"
    assert format_value(5.25, "USD") == "$5.25"
    assert format_value(None, "s") == "n/a"


def test_table_names_each_section_once_and_marks_the_baseline() -> None:
    rows = [
        Row("Cold start", "import boto3", 450.0, "ms", baseline=True),
        Row("Cold start", "analyze", 1350.0, "ms", 3.0, "note"),
        Row("Upload size", "JPEG", 110_000.0, "bytes"),
    ]
    lines = render_table(rows).splitlines()
    assert lines[0] == "| Section | Measurement | Value | vs baseline | Notes |"
    assert lines[2] == "| Cold start | import boto3 | 450 ms | x1.00 (baseline) |  |"
    assert lines[3] == "|  | analyze | 1,350 ms | x3.00 | note |"
    assert lines[4].startswith("| Upload size | JPEG | 110,000 bytes |  |")


def test_page_tunables_are_read_from_config_js() -> None:
    text = """export const config = Object.freeze({
      maxEdge: 1600, jpegQuality: 0.85, watchInitialDelayMs: 500, watchBackoffFactor: 1.5,
      watchMaxDelayMs: 5000, galleryPageSize: 20 });"""
    assert page_tunables(text) == TUNABLES
    with pytest.raises(ValueError, match="maxEdge"):
        page_tunables("export const config = {};")


def test_the_page_asks_on_its_back_off_schedule() -> None:
    offsets = poll_offsets_ms(Settings("after", 10, 0, 500, 1.5, 5000))
    assert offsets[:6] == [0, 500, 1250, 2375, 4063, 6595]
    assert all(b - a <= 5000 for a, b in pairwise(offsets))
    assert offsets[-1] > 100_000  # it keeps watching (the old page gave up after 90 s)
    assert poll_offsets_ms(BEFORE)[-1] <= 90_000
    assert page_poll(0, offsets) == (0, 1)
    assert page_poll(1300, offsets) == (2375, 4)


def _run(settings: Settings, ready: list[float], burst_s: float) -> dict[str, Any]:
    return {
        "settings": asdict(settings),
        "uploads": [
            {
                "upload_s": 0.1,
                "ready_after_s": r,
                "presign_request_s": 0.05,
                "detail_request_s": 0.02,
                "polls": 3,
            }
            for r in ready
        ],
        "burst": {"uploads": 20, "all_ready_s": burst_s, "batches": [1, 10, 9]},
    }


def test_latency_rows_compare_after_with_before() -> None:
    current = Settings("after", 10, 0, 150, 1.3, 10_000)
    results: dict[str, Any] = {
        "before": _run(BEFORE, [1.0, 1.4, 1.2], 4.0),
        "after": _run(current, [0.2, 0.3, 0.25], 3.0),
        "gallery": {
            "cards": 24,
            "before": {"api_requests": 25, "image_bytes": 2_400_000},
            "after": {"api_requests": 1, "image_bytes": 240_000},
            "thumbnail_bytes_median": 10_000.0,
            "list_request_s": [0.1],
        },
    }
    rows = latency_rows(results)
    assert rows[0].baseline and rows[0].value == pytest.approx(1.2)
    # Before: ready 1.0, 1.4, 1.2 s; the old page asks at 1250 or 2375 ms.
    assert rows[1].value == pytest.approx(1.25 + 0.02)
    assert rows[2].value == pytest.approx(0.25)
    assert rows[2].ratio == pytest.approx(0.25 / 1.2)
    # After: ready 0.2, 0.3, 0.25 s; asked at 0, 150, 345 ms: seen at 0.345 s.
    assert rows[3].value == pytest.approx(0.345 + 0.02)
    assert results["page_polls"] == [3, 3, 3]
    assert rows[5].ratio == pytest.approx(0.75)
    assert "batch sizes [1, 10, 9]" in rows[5].note
    assert rows[6].value == 1 and rows[6].ratio == pytest.approx(1 / 25)
    assert rows[7].ratio == pytest.approx(0.1)


def test_throughput_rows_split_the_handler_time() -> None:
    def run(batch: int, seconds: float) -> dict[str, float]:
        return {
            "batch": batch,
            "stored": batch,
            "end_to_end_s": seconds,
            "handler_s": seconds / 2,
            "vision_s": seconds / 4,
            "cosmos_s": seconds / 8,
            "s3_s": seconds / 16,
            "own_s": seconds / 16,
            "validate_cpu_s": 0.01 * batch,
        }

    results = {"1": [run(1, 0.2)], "16": [run(16, 1.6)]}
    rows = throughput_rows(results, {1: 1, 16: 1})
    assert [row.value for row in rows[::2]] == pytest.approx([5.0, 10.0])
    assert rows[0].baseline and rows[2].ratio == pytest.approx(2.0)
    # Our code: 1.6 / 16 s per batch of 16 = 6.25 ms per image, a quarter of Vision's share.
    assert rows[3].value == pytest.approx(6.25)
    assert rows[3].ratio == pytest.approx(0.25)
    assert "Vision 50%, Cosmos 25%, S3 12%, ours 12%" in rows[3].note


def _inputs() -> CostInputs:
    return CostInputs(
        upload_bytes=100 * 1024,
        document_bytes=2048,
        analyze_s_per_image=0.1,
        analyze_batch=16,
        analyze_memory_mb=1024,
        presign_s=0.05,
        presign_memory_mb=256,
        detail_s=0.05,
        detail_memory_mb=512,
        list_s=0.1,
        list_memory_mb=512,
        polls_per_image=3,
        vision_features=(
            "LABEL_DETECTION",
            "OBJECT_LOCALIZATION",
            "SAFE_SEARCH_DETECTION",
            "IMAGE_PROPERTIES",
        ),
        gallery_page_size=20,
        thumbnail_bytes=10 * 1024,
    )


def test_cost_model_per_1000_images() -> None:
    lines = {line.service: line for line in per_1000(_inputs())}
    # SafeSearch is free with Label Detection: 1.50 + 2.25 + 0 + 1.50 per 1,000 images.
    assert lines["Cloud Vision"].usd == pytest.approx(5.25)
    # 1,000 presign + 3,000 detail (3 polls each; thumbnails come with the list) + 50 list pages.
    assert lines["API Gateway (REST)"].usd == pytest.approx(4050 * 3.50 / 1e6)
    # GB-s: analyze 100 GB-s + presign 12.5 + detail 75 + list 2.5 = 190 GB-s.
    expected_lambda = (4050 + 63) * 0.20 / 1e6 + 190 * 0.0000133334
    assert lines["Lambda"].usd == pytest.approx(expected_lambda)
    assert lines["SQS"].usd == pytest.approx(1200 * 0.40 / 1e6)
    assert lines["Total"].usd == pytest.approx(
        sum(line.usd for name, line in lines.items() if name != "Total")
    )


def test_cosmos_write_units_grow_with_each_started_kilobyte() -> None:
    assert cosmos_write_ru(100) == 5.5
    assert cosmos_write_ru(2055) == 16.5


def test_unimported_entries_of_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "__init__.py").write_text("x = 1\n")
    (tmp_path / "unused").mkdir()
    (tmp_path / "unused" / "__init__.py").write_text("y = 22\n")
    (tmp_path / "google" / "auth").mkdir(parents=True)
    (tmp_path / "google" / "auth" / "__init__.py").write_text("")
    (tmp_path / "google" / "extra").mkdir()
    (tmp_path / "google" / "extra" / "__init__.py").write_text("zz\n")
    (tmp_path / "used-1.0.dist-info").mkdir()
    (tmp_path / "used-1.0.dist-info" / "METADATA").write_text("Name: used\n")
    (tmp_path / "stubs-stubs").mkdir()
    (tmp_path / "stubs-stubs" / "__init__.pyi").write_text("a\n")
    imported = {"used", "google", "google.auth"}
    assert unimported_entries(tmp_path, imported) == {
        "google.extra": 3,
        "stubs-stubs": 2,
        "unused": 7,
    }
