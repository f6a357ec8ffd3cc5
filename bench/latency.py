"""Capture-to-result latency through the offline stack's API, as the page experiences it.

The dev server and the analyze worker run as ``tricloud demo`` runs them. Each upload is
sequential: ``POST /api/uploads`` → POST the JPEG to (moto) S3 with the pre-signed fields →
poll ``GET /api/images/{id}`` every 50 ms until it answers 200. The baseline is the upload
alone (the first two steps). Browser-side encoding time is not included. The page itself
polls on a back-off schedule (``web/js/config.js``); :func:`page_poll` maps each measured
"ready" time onto that schedule, which is what a person actually waits.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import requests

from bench.offline import OfflineStack
from bench.photos import PageTunables
from bench.report import Row, Section
from bench.stats import median, p95, time_calls
from offline.servers.functions import start_devserver, start_worker
from offline.servers.process import free_port
from offline.worker import Worker

__all__ = ["UploadTiming", "measure", "page_poll", "poll_offsets_ms", "rows", "section"]

POLL_SECONDS = 0.05
RESULT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class UploadTiming:
    """One upload: seconds until uploaded, until the result was there, and per request."""

    upload_s: float
    result_s: float
    presign_request_s: float
    detail_request_s: float


def poll_offsets_ms(encoding: PageTunables, give_up_ms: int = 90_000) -> list[int]:
    """When the page asks for the result, in ms after the upload: 0, then growing delays."""
    offsets = [0]
    delay = encoding.poll_initial_ms
    while offsets[-1] + delay <= give_up_ms:
        offsets.append(offsets[-1] + delay)
        delay = min(encoding.poll_max_ms, round(delay * encoding.poll_factor))
    return offsets


def page_poll(ready_after_ms: float, offsets: Sequence[int]) -> tuple[int, int]:
    """The page's first poll at or after ``ready_after_ms`` and how many polls it made."""
    for count, offset in enumerate(offsets, start=1):
        if offset >= ready_after_ms:
            return offset, count
    return offsets[-1], len(offsets)


def _one_upload(session: requests.Session, api: str, image: bytes) -> UploadTiming:
    started = time.perf_counter()
    answer = session.post(
        f"{api}/api/uploads", json={"content_type": "image/jpeg", "size": len(image)}, timeout=30
    )
    presigned = time.perf_counter()
    answer.raise_for_status()
    body = answer.json()
    upload = body["upload"]
    stored = requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("capture.jpg", image, "image/jpeg")},
        timeout=30,
    )
    stored.raise_for_status()
    uploaded = time.perf_counter()
    while time.perf_counter() - uploaded < RESULT_TIMEOUT_SECONDS:
        asked = time.perf_counter()
        detail = session.get(f"{api}/api/images/{body['id']}", timeout=30)
        answered = time.perf_counter()
        if detail.status_code == 200:
            return UploadTiming(
                upload_s=uploaded - started,
                result_s=answered - started,
                presign_request_s=presigned - started,
                detail_request_s=answered - asked,
            )
        if detail.status_code != 404:
            detail.raise_for_status()
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no result for {body['id']} within {RESULT_TIMEOUT_SECONDS} s")


def measure(stack: OfflineStack, images: Sequence[bytes], uploads: int) -> dict[str, Any]:
    """Timings of ``uploads`` sequential uploads (after one untimed), plus gallery requests."""
    env = {**os.environ, **stack.env, "POWERTOOLS_METRICS_DISABLED": "true"}
    port = free_port()
    stack_file = stack.stack_file()
    worker = start_worker(env, stack_file, stack.log_dir)
    try:
        devserver = start_devserver(env, port, stack_file, stack.log_dir)
        try:
            api = f"http://127.0.0.1:{port}"
            with requests.Session() as session:
                _one_upload(session, api, images[0])  # first calls build the clients
                timings = [
                    asdict(_one_upload(session, api, images[index % len(images)]))
                    for index in range(uploads)
                ]
                gallery_url = f"{api}/api/images?limit=20"
                session.get(gallery_url, timeout=30)  # builds the client
                gallery = time_calls(
                    lambda: session.get(gallery_url, timeout=30).raise_for_status(), 5
                )
        finally:
            devserver.stop()
    finally:
        worker.stop()
    return {"uploads": timings, "gallery_request_s": gallery}


def section(
    stack: OfflineStack,
    images: Sequence[bytes],
    uploads: int,
    encoding: PageTunables,
    production_window_s: int | None,
) -> Section:
    """Rows: upload alone (baseline), result ready (median, p95), as the page sees it."""
    results = measure(stack, images, uploads)
    return Section(rows(results, encoding, production_window_s), results)


def rows(
    results: dict[str, Any], encoding: PageTunables, production_window_s: int | None
) -> list[Row]:
    """Table rows from :func:`measure`'s results (pure: used by the tests too)."""
    timings = results["uploads"]
    upload = median([t["upload_s"] for t in timings])
    ready = [t["result_s"] for t in timings]
    offsets = poll_offsets_ms(encoding)
    seen, polls = [], []
    for t in timings:
        offset, count = page_poll((t["result_s"] - t["upload_s"]) * 1000, offsets)
        seen.append(t["upload_s"] + offset / 1000 + t["detail_request_s"])
        polls.append(count)
    results["page_polls"] = polls
    window = inspect.signature(Worker.__init__).parameters["batching_window_seconds"].default
    name = f"Capture-to-result (offline API, {len(timings)} uploads)"
    production = (
        f"; in AWS the queue's batching window is {production_window_s} s, so a lone upload "
        f"waits up to {production_window_s - window:g} s more"
        if production_window_s is not None and production_window_s > window
        else ""
    )
    return [
        Row(name, "upload only: presign + POST to S3", upload, "s", baseline=True),
        Row(
            name,
            "result ready (median)",
            median(ready),
            "s",
            median(ready) / upload,
            f"the local worker waits up to {window:g} s to fill a batch{production}",
        ),
        Row(name, "result ready (p95)", p95(ready), "s", p95(ready) / upload),
        Row(
            name,
            "result on the page (its poll back-off, median)",
            median(seen),
            "s",
            median(seen) / upload,
            f"polls after {encoding.poll_initial_ms} ms x{encoding.poll_factor}; "
            f"median {median(polls):g} detail requests per image",
        ),
    ]
