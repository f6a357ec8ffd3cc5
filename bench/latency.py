"""Capture-to-result latency, batching under load, and the gallery's first page, offline.

The dev server runs as ``tricloud demo`` runs it; the analyze worker runs in this process
with the SQS settings under test. Each timed upload is sequential: ``POST /api/uploads`` →
POST the JPEG to (moto) S3 with the pre-signed fields (the capture is uploaded: the clock
starts) → ask ``GET /api/images/{id}`` every 25 ms until it is no longer ``pending``.

Two settings in one run, so the ratios compare like with like:

- **before**: the worker waits up to 1 s to fill a batch of 16 (the old event source
  settings) and the page polled 500 ms, x1.5, giving up after 90 s;
- **after**: the synthesized template's event source settings (``stacks/config.py``: batch 10,
  no window), as ``tricloud demo`` runs them, and the page's watch back-off of
  ``web/js/config.js``.

"As the page shows it" maps each measured ready time onto the page's own schedule of
requests (:func:`page_poll`). A burst of uploads posted at once shows that batching is kept
under load (the worker takes every message already waiting, up to the batch size). The
gallery's first page of 24 images costs, before, one list request plus one detail request per
card and the full photos; after, the list request alone (it carries signed thumbnail URLs)
and the thumbnails.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any
from unittest import mock

import requests

from bench.offline import OfflineStack
from bench.photos import PageTunables
from bench.report import Row, Section
from bench.stats import median, p95, time_calls
from offline.lambda_runtime import FunctionHost
from offline.provision import moto_client
from offline.servers.functions import start_devserver
from offline.servers.process import free_port
from offline.stack_model import QueueTrigger
from offline.worker import Worker

__all__ = [
    "BEFORE",
    "Settings",
    "UploadTiming",
    "after",
    "measure",
    "page_poll",
    "poll_offsets_ms",
    "rows",
    "section",
]

POLL_SECONDS = 0.025
RESULT_TIMEOUT_SECONDS = 60.0
BURST = 20
GALLERY_PAGE = 24


@dataclass(frozen=True)
class Settings:
    """How uploads are taken from the queue, and how the page asks for the result."""

    name: str
    batch_size: int
    window_s: float
    poll_initial_ms: int
    poll_factor: float
    poll_max_ms: int
    give_up_ms: int | None = None  # None: the page watches for as long as it takes


#: The event source settings and page polling before issue 13.
BEFORE = Settings("before", 16, 1.0, 500, 1.5, 5000, give_up_ms=90_000)


def after(trigger: QueueTrigger, tunables: PageTunables) -> Settings:
    """The template's event source settings and the page's watch back-off."""
    return Settings(
        "after",
        trigger.batch_size,
        trigger.batching_window_seconds,
        tunables.poll_initial_ms,
        tunables.poll_factor,
        tunables.poll_max_ms,
    )


@dataclass(frozen=True)
class UploadTiming:
    """One upload: seconds to upload it, then from uploaded to ready, and per request."""

    upload_s: float
    ready_after_s: float
    presign_request_s: float
    detail_request_s: float
    polls: int


def poll_offsets_ms(settings: Settings, horizon_ms: int = 120_000) -> list[int]:
    """When the page asks for the result, in ms after the upload: at once, then backing off."""
    end = settings.give_up_ms if settings.give_up_ms is not None else horizon_ms
    offsets = [0]
    delay = settings.poll_initial_ms
    while offsets[-1] + delay <= end:
        offsets.append(offsets[-1] + delay)
        delay = min(settings.poll_max_ms, round(delay * settings.poll_factor))
    return offsets


def page_poll(ready_after_ms: float, offsets: Sequence[int]) -> tuple[int, int]:
    """The page's first request at or after ``ready_after_ms`` and how many it made."""
    for count, offset in enumerate(offsets, start=1):
        if offset >= ready_after_ms:
            return offset, count
    return offsets[-1], len(offsets)


def _presign(session: requests.Session, api: str, size: int) -> dict[str, Any]:
    answer = session.post(
        f"{api}/api/uploads", json={"content_type": "image/jpeg", "size": size}, timeout=30
    )
    answer.raise_for_status()
    ticket: dict[str, Any] = answer.json()
    return ticket


def _post(ticket: dict[str, Any], image: bytes) -> None:
    upload = ticket["upload"]
    stored = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("capture.jpg", image, "image/jpeg")},
        timeout=30,
    )
    stored.raise_for_status()


def _wait_ready(session: requests.Session, api: str, image_id: str) -> tuple[float, float, int]:
    """Seconds until the image is no longer pending, the last request's time, requests."""
    start = time.perf_counter()
    polls = 0
    while time.perf_counter() - start < RESULT_TIMEOUT_SECONDS:
        asked = time.perf_counter()
        detail = session.get(f"{api}/api/images/{image_id}", timeout=30)
        answered = time.perf_counter()
        polls += 1
        detail.raise_for_status()  # the image exists from presign on: never a 404
        if detail.json()["status"] != "pending":
            return answered - start, answered - asked, polls
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no result for {image_id} within {RESULT_TIMEOUT_SECONDS} s")


def _one_upload(session: requests.Session, api: str, image: bytes) -> UploadTiming:
    started = time.perf_counter()
    ticket = _presign(session, api, len(image))
    presigned = time.perf_counter()
    _post(ticket, image)
    uploaded = time.perf_counter()
    ready, detail_s, polls = _wait_ready(session, api, ticket["id"])
    return UploadTiming(
        upload_s=uploaded - started,
        ready_after_s=ready,
        presign_request_s=presigned - started,
        detail_request_s=detail_s,
        polls=polls,
    )


@contextmanager
def _worker(stack: OfflineStack, settings: Settings) -> Iterator[list[int]]:
    """The analyze worker with these settings on a thread; yields the batch sizes it took."""
    sqs = moto_client("sqs", stack.moto.endpoint)
    (trigger,) = stack.spec.triggers
    host = FunctionHost.from_spec(stack.spec.functions[trigger.function])
    worker = Worker(
        sqs,
        trigger.queue_url,
        host,
        batch_size=settings.batch_size,
        batching_window_seconds=settings.window_s,
        wait_seconds=1,
    )
    batches: list[int] = []

    def run() -> None:
        while not worker.stop_event.is_set():
            settlement = worker.run_once()
            if settlement is not None:
                batches.append(len(settlement.delete) + len(settlement.retry))

    thread = threading.Thread(target=run, name=f"worker-{settings.name}", daemon=True)
    thread.start()
    try:
        yield batches
    finally:
        worker.stop_event.set()
        thread.join(timeout=30)


def _burst(session: requests.Session, api: str, images: Sequence[bytes]) -> dict[str, Any]:
    """Post BURST uploads at once; seconds until all are analysed."""
    tickets = [_presign(session, api, len(images[i % len(images)])) for i in range(BURST)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_post, tickets, [images[i % len(images)] for i in range(BURST)]))
    for ticket in tickets:
        _wait_ready(session, api, ticket["id"])
    return {"uploads": BURST, "all_ready_s": time.perf_counter() - started}


def _settings_run(
    stack: OfflineStack, api: str, settings: Settings, images: Sequence[bytes], uploads: int
) -> dict[str, Any]:
    with _worker(stack, settings) as batches, requests.Session() as session:
        _one_upload(session, api, images[0])  # the first call builds the clients
        timings = [
            asdict(_one_upload(session, api, images[index % len(images)]))
            for index in range(uploads)
        ]
        batches.clear()
        burst = _burst(session, api, images)
        burst["batches"] = list(batches)
    return {"settings": asdict(settings), "uploads": timings, "burst": burst}


def _gallery(api: str, images: Sequence[bytes]) -> dict[str, Any]:
    """Requests and image bytes of the gallery's first page of GALLERY_PAGE analysed images."""
    with requests.Session() as session:
        url = f"{api}/api/images?limit={GALLERY_PAGE}"
        items = session.get(url, timeout=30).json()["items"]
        missing = GALLERY_PAGE - sum(1 for item in items if item["status"] == "done")
        for index in range(max(0, missing)):
            ticket = _presign(session, api, len(images[index % len(images)]))
            _post(ticket, images[index % len(images)])
            _wait_ready(session, api, ticket["id"])
        session.get(url, timeout=30)  # warm
        list_s = time_calls(lambda: session.get(url, timeout=30).raise_for_status(), 5)
        items = session.get(url, timeout=30).json()["items"]
        thumbs = [len(session.get(item["thumb_url"], timeout=30).content) for item in items]
        photos = []
        for item in items:  # what the old page did for each card
            detail = session.get(f"{api}/api/images/{item['id']}", timeout=30).json()
            photos.append(len(session.get(detail["image_url"], timeout=30).content))
    return {
        "cards": len(items),
        "before": {"api_requests": 1 + len(items), "image_bytes": sum(photos)},
        "after": {"api_requests": 1, "image_bytes": sum(thumbs)},
        "thumbnail_bytes_median": median([float(t) for t in thumbs]),
        "list_request_s": list_s,
    }


def measure(
    stack: OfflineStack, images: Sequence[bytes], uploads: int, tunables: PageTunables
) -> dict[str, Any]:
    """Both settings' timings and bursts, then the gallery's first page."""
    env = {**os.environ, **stack.env, "POWERTOOLS_METRICS_DISABLED": "true"}
    port = free_port()
    results: dict[str, Any] = {}
    with mock.patch.dict(os.environ, env):  # the in-process analyze handler reads it
        devserver = start_devserver(env, port, stack.stack_file(), stack.log_dir)
        current = after(stack.spec.triggers[0], tunables)
        try:
            api = f"http://127.0.0.1:{port}"
            for settings in (BEFORE, current):
                results[settings.name] = _settings_run(stack, api, settings, images, uploads)
            with _worker(stack, current):
                results["gallery"] = _gallery(api, images)
        finally:
            devserver.stop()
    # What the cost model reads: the current settings' requests.
    results["uploads"] = results["after"]["uploads"]
    results["gallery_request_s"] = results["gallery"]["list_request_s"]
    return results


def section(
    stack: OfflineStack, images: Sequence[bytes], uploads: int, tunables: PageTunables
) -> Section:
    """Rows: capture-to-result before/after, batching under load, the gallery's first page."""
    results = measure(stack, images, uploads, tunables)
    return Section(rows(results), results)


def _seen_s(run: dict[str, Any]) -> tuple[list[float], list[int]]:
    """Seconds from upload to the result on the page (its own schedule), and its requests."""
    settings = Settings(**run["settings"])
    offsets = poll_offsets_ms(settings)
    seen, polls = [], []
    for timing in run["uploads"]:
        offset, count = page_poll(timing["ready_after_s"] * 1000, offsets)
        seen.append(offset / 1000 + timing["detail_request_s"])
        polls.append(count)
    return seen, polls


def rows(results: dict[str, Any]) -> list[Row]:
    """Table rows from :func:`measure`'s results (pure: used by the tests too)."""
    before, current = results["before"], results["after"]
    count = len(current["uploads"])
    name = f"Capture-to-result (offline, {count} single uploads, from upload finished)"
    out: list[Row] = []
    base_ready = median([t["ready_after_s"] for t in before["uploads"]])
    for label, run in (("before", before), ("after", current)):
        settings = run["settings"]
        ready = [t["ready_after_s"] for t in run["uploads"]]
        seen, polls = _seen_s(run)
        run["page_polls"] = polls
        how = (
            f"batch {settings['batch_size']}, window {settings['window_s']:g} s; page asks after "
            f"{settings['poll_initial_ms']} ms x{settings['poll_factor']:g}"
        )
        out += [
            Row(
                name,
                f"{label}: result ready (p50)",
                median(ready),
                "s",
                None if label == "before" else median(ready) / base_ready,
                f"p95 {p95(ready):.3f} s; {how}",
                baseline=label == "before",
            ),
            Row(
                name,
                f"{label}: as the page shows it (p50)",
                median(seen),
                "s",
                median(seen) / base_ready,
                f"p95 {p95(seen):.3f} s; median {median(polls):g} detail requests per image",
            ),
        ]
    results["page_polls"] = current["page_polls"]
    burst_name = f"Batching under load ({BURST} uploads posted at once)"
    for label, run in (("before", before), ("after", current)):
        burst = run["burst"]
        batches = burst["batches"]
        out.append(
            Row(
                burst_name,
                f"{label}: all analysed",
                burst["all_ready_s"],
                "s",
                burst["all_ready_s"] / before["burst"]["all_ready_s"],
                f"{len(batches)} invocations, batch sizes {batches}",
                baseline=label == "before",
            )
        )
    gallery = results["gallery"]
    gallery_name = f"Gallery first page ({gallery['cards']} images)"
    out += [
        Row(
            gallery_name,
            "API requests, before / after",
            gallery["after"]["api_requests"],
            "requests",
            gallery["after"]["api_requests"] / gallery["before"]["api_requests"],
            f"before: {gallery['before']['api_requests']} (list + one detail per card)",
        ),
        Row(
            gallery_name,
            "image bytes, before / after",
            gallery["after"]["image_bytes"],
            "bytes",
            gallery["after"]["image_bytes"] / gallery["before"]["image_bytes"],
            f"before: {gallery['before']['image_bytes']:,} bytes of full photos; "
            f"thumbnails ~{gallery['thumbnail_bytes_median']:,.0f} bytes each",
        ),
    ]
    return out
