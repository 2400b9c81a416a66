"""What every Snakemake script adapter does around its one call into the package.

`run(snakemake)` routes logging (and progress bars) to the rule's log file, and once the
body has written its outputs, writes their provenance records. Keeping this here keeps
the scripts in `scripts/` to a few lines each (the record also holds the job's peak
memory). Before the body runs it checks what every rule needs and no rule should repeat:
- the job imported this checkout's package (posart.checkout), the code provenance records;
- old records and interrupted temporaries of its outputs are gone (provenance.clear);
- every input still matches its record, and no model appears among the inputs with two
  weight hashes (posart.lineage); the job's own model (an encode) must agree with them too.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Iterator, Mapping


@contextlib.contextmanager
def run(snakemake, extra: dict | None = None) -> Iterator[dict]:
    """Context for a script adapter; the yielded dict may gain provenance extras (model, data)."""
    log_path = snakemake.log[0] if len(snakemake.log) else None
    stream = open(log_path, "a", encoding="utf-8") if log_path else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    extras: dict = dict(extra or {})
    extras["progress"] = stream
    try:
        from posart import checkout, lineage, memory, provenance

        checkout.check_imported(Path(snakemake.scriptdir) / "posart")
        outputs = list(snakemake.output)
        provenance.clear(outputs)
        records = provenance.input_records(snakemake.input)
        sources = {path: lineage.models_of(record) for path, record in records.items() if record}
        lineage.combine(sources)
        started = time.perf_counter()
        yield extras
        extras.pop("progress")
        # the job's own work (reading, computing, writing): jobs.csv sets it against its wall time,
        # the rest (overhead_s) being the start of Python, imports, input checks and provenance
        extras["run_s"] = time.perf_counter() - started
        extras["threads"] = snakemake.threads
        extras["peak_rss_mb"] = memory.peak_rss_mb()  # exact; results/paper/jobs.csv reports it per job
        extras["mem_mb"] = snakemake.resources.get("mem_mb")  # what the job asked for: its budget there
        logging.getLogger("posart").info("peak memory of this job: %s MiB", extras["peak_rss_mb"])
        own = extras.get("model") or {}
        if own.get("name"):
            sources[f"the weights this job loaded ({own.get('location')})"] = {own["name"]: own["weight_hash"]}
        extras["models"] = lineage.combine(sources)
        provenance.write(
            outputs,
            rule=snakemake.rule,
            inputs=provenance.input_hashes(records),
            params=_plain(dict(snakemake.params)),
            script=_script_path(snakemake),
            workdir=Path(snakemake.scriptdir).parent,
            extra=extras,
        )
    except Exception:
        logging.getLogger("posart").exception("rule %s failed", snakemake.rule)
        raise
    finally:
        root.removeHandler(handler)
        if stream is not sys.stderr:
            stream.close()


def _script_path(snakemake) -> str | None:
    """The workflow script that runs: Snakemake executes a copy named `tmpXXXX.<script>.py`."""
    copy = Path(sys.argv[0]).name
    name = copy.split(".", 1)[1] if copy.startswith("tmp") and "." in copy else f"{snakemake.rule}.py"
    candidate = (Path(snakemake.scriptdir) / name).resolve()
    return str(candidate) if candidate.is_file() else None


def _plain(value):
    """Snakemake's Namedlist/dict-likes as plain JSON-able structures."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
