"""The results: rows of one table (printed as Markdown) and the JSON file that keeps them."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Row",
    "Section",
    "format_ratio",
    "format_value",
    "machine",
    "render_table",
    "write_json",
]


@dataclass(frozen=True)
class Row:
    """One line of the table. ``ratio`` compares ``value`` with the section's baseline row."""

    section: str
    name: str
    value: float | None
    unit: str
    ratio: float | None = None
    note: str = ""
    baseline: bool = False


@dataclass
class Section:
    """What one measurement adds: table rows and the raw numbers behind them."""

    rows: list[Row]
    details: dict[str, Any]


def format_value(value: float | None, unit: str) -> str:
    """``value`` with its unit, rounded for reading (``n/a`` when missing)."""
    if value is None:
        return "n/a"
    if unit == "USD":
        return f"${value:.4f}" if abs(value) < 1 else f"${value:,.2f}"
    if unit in ("bytes", "ms", "KB", "%", "runs") and abs(value) >= 10:
        text = f"{value:,.0f}"
    elif unit in ("s", "img/s", "MB", "GB-s"):
        text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}" if unit else text


def format_ratio(row: Row) -> str:
    """``x1.00 (baseline)`` for a baseline row, ``x2.35`` for the others, blank without one."""
    if row.baseline:
        return "x1.00 (baseline)"
    return "" if row.ratio is None else f"x{row.ratio:.2f}"


def render_table(rows: list[Row]) -> str:
    """A Markdown table of every row, grouped by section in the given order."""
    header = ["Section", "Measurement", "Value", "vs baseline", "Notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous = None
    for row in rows:
        section = row.section if row.section != previous else ""
        previous = row.section
        cells = [section, row.name, format_value(row.value, row.unit), format_ratio(row), row.note]
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the numbers were measured on: date, CPU, cores, OS, Python, git commit."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "commit": commit or None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(path: Path, rows: list[Row], details: dict[str, Any], meta: dict[str, Any]) -> None:
    """Write the machine, the rows and each section's raw details to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": meta, "rows": [asdict(row) for row in rows], "details": details}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    temporary.replace(path)
