"""``python -m bench``: run every measurement, print one table, write the results as JSON.

Order matters: the synth refreshes ``cdk.out``, whose bundles the cold-start section reads;
the cost model takes the other sections' sizes and durations. A section that fails is shown
as failed in the table and makes the exit status 1; the others still run.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import access, coldstart, cost, latency, synth, throughput, upload_size
from bench.bundles import WORK_DIR, synthesized_functions
from bench.offline import offline_stack
from bench.photos import PHOTOS, frame, page_jpeg, page_tunables
from bench.report import Row, Section, machine, render_table, write_json
from bench.stats import median
from tooling.cli_support import first_line

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every section ran."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (for trying it out)")
    parser.add_argument(
        "--output", type=Path, help=f"JSON file to write (default: {RESULTS.name}, or quick.json)"
    )
    args = parser.parse_args(argv)
    output: Path = args.output or (WORK_DIR / "quick.json" if args.quick else RESULTS)
    started = time.perf_counter()
    sections: dict[str, Section] = {}
    failures: dict[str, str] = {}

    def run(name: str, make: Callable[[], Section]) -> None:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        section_started = time.perf_counter()
        try:
            sections[name] = make()
        except Exception as error:  # reported in the table; the other sections still run
            traceback.print_exc()
            failures[name] = _failure(error)
        elapsed = time.perf_counter() - section_started
        print(f"[bench] {name}: {elapsed:.0f} s", file=sys.stderr, flush=True)

    quick = args.quick
    run("synth", lambda: synth.section(runs=1 if quick else 3))
    functions = synthesized_functions()
    by_name = {function.name: function for function in functions}
    run("coldstart", lambda: coldstart.section(functions, rounds=3 if quick else 7))
    run("providers", lambda: coldstart.combinations_section(rounds=3 if quick else 7))
    run("upload_size", upload_size.section)
    tunables = page_tunables()
    images = [page_jpeg(frame(name), tunables) for name in PHOTOS]
    rounds = {1: 3, 16: 2} if quick else {1: 10, 16: 5}
    uploads = 5 if quick else 20
    try:
        with offline_stack(WORK_DIR / "offline") as stack:
            memory = by_name["analyze"].memory_mb
            run("throughput", lambda: throughput.section(stack, images, rounds, memory))
            run("latency", lambda: latency.section(stack, images, uploads, tunables))
            run("access", lambda: access.section(stack, 3 if quick else 5, 20 if quick else 60))
    except Exception as error:  # a server did not start: the sections that need it fail
        traceback.print_exc()
        failures["offline stack"] = _failure(error)
    run("cost", lambda: cost.section(cost_inputs(sections, by_name, tunables.gallery_page_size)))

    rows = [row for section in sections.values() for row in section.rows]
    rows += [Row(name, "failed", None, "", note=reason) for name, reason in failures.items()]
    meta = {**machine(), "seconds": round(time.perf_counter() - started), "quick": quick}
    details: dict[str, Any] = {name: section.details for name, section in sections.items()}
    details["failures"] = failures
    write_json(output, rows, details, meta)
    print(
        f"\ntricloud bench, {meta['date']}, {meta['cpu']} ({meta['cores']} cores), "
        f"Python {meta['python']}, commit {meta['commit']}, {meta['seconds']} s\n"
    )
    print(render_table(rows))
    print(f"\n(written to {output})")
    return 1 if failures else 0


def _failure(error: Exception) -> str:
    """The error's type and the first line of its message, for the table."""
    return f"{type(error).__name__}: {first_line(error)[:200]}"


def cost_inputs(
    sections: dict[str, Section], functions: dict[str, Any], page_size: int
) -> cost.CostInputs:
    """The cost model's inputs from the other sections' measurements."""
    encoded = sections["upload_size"].details["bytes"]
    sizes = encoded.get("chromium", encoded["pillow"])
    analysis = sections["throughput"].details
    largest = max(int(key) for key in analysis if key.isdigit())
    uploads = sections["latency"].details
    env = functions["analyze"].environment
    return cost.CostInputs(
        upload_bytes=median([size["jpeg"] for size in sizes.values()]),
        document_bytes=analysis["document_bytes"],
        analyze_s_per_image=median([r["handler_s"] / r["batch"] for r in analysis[str(largest)]]),
        analyze_batch=largest,
        analyze_memory_mb=functions["analyze"].memory_mb,
        presign_s=median([t["presign_request_s"] for t in uploads["uploads"]]),
        presign_memory_mb=functions["presign"].memory_mb,
        detail_s=median([t["detail_request_s"] for t in uploads["uploads"]]),
        detail_memory_mb=functions["detail"].memory_mb,
        list_s=median(uploads["gallery_request_s"]),
        list_memory_mb=functions["list_images"].memory_mb,
        polls_per_image=median(uploads["page_polls"]),
        thumbnail_bytes=uploads["gallery"]["thumbnail_bytes_median"],
        vision_features=tuple(env.get("VISION_FEATURES", "").split(",")),
        gallery_page_size=page_size,
    )


if __name__ == "__main__":
    sys.exit(main())
