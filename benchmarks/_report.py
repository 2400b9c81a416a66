"""What the benchmarks share: a timer, a description of the machine, and the report writer.

Benchmarks on a shared 2-core machine are noisy, so every report records the machine and
its load average next to the numbers; a reader can then tell a slow run from a slow
feature. Each report is written twice: Markdown for people, JSON for comparing runs.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result) of one call.

    CPU seconds count every thread of this process, so they move less than wall time
    when other jobs compete for the cores.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def median(values) -> float:
    return float(statistics.median(values))


def machine() -> dict:
    """Where and when the numbers were measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--exclude=*"],  # "-dirty": uncommitted changes
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "git_commit": commit,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "–" if value is None else str(value)


def markdown_table(rows: list[dict]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def write_report(
    name: str,
    title: str,
    settings: dict,
    tables: dict[str, list[dict]],
    notes: list[str],
    info: dict,
    out_dir: Path = RESULTS,
    raw: dict | None = None,
) -> Path:
    """Write `out_dir/name.md` and `out_dir/name.json`; return the Markdown path.

    `info` is the `machine()` taken at the start; the load average at the end is added here.
    `raw` (every single measurement, say) goes into the JSON only.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    info = {**info, "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    command = " ".join(["python", *sys.argv])
    parts = [
        f"# {title}",
        "",
        f"`{command}` — {info['date']}, {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"commit {info['git_commit']}, load average {info['load_average_at_start'][0]} at start, "
        f"{info['load_average_at_end'][0]} at end.",
        "",
        "Settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
        "",
    ]
    for heading, rows in tables.items():
        parts += [f"## {heading}", "", markdown_table(rows), ""]
    if notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    markdown = out_dir / f"{name}.md"
    markdown.write_text("\n".join(parts), encoding="utf-8")
    (out_dir / f"{name}.json").write_text(
        json.dumps(
            {
                "benchmark": name,
                "command": command,
                "machine": info,
                "settings": settings,
                "results": tables,
                "notes": notes,
                "raw": raw or {},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print("\n".join(parts))
    print(f"wrote {markdown} and {markdown.with_suffix('.json')}", file=sys.stderr)
    return markdown
