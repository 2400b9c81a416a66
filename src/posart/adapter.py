"""What every Snakemake script adapter does around its one call into the package.

`run(snakemake)` routes logging (and progress bars) to the rule's log file, and once the
body has written its outputs, writes their provenance records. Keeping this here keeps
the scripts in `scripts/` to a few lines each.
"""

from __future__ import annotations

import contextlib
import logging
import sys
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
        yield extras
        extras.pop("progress")
        from posart import provenance
        provenance.write(
            list(snakemake.output), rule=snakemake.rule, inputs=list(snakemake.input),
            params=_plain(dict(snakemake.params)), script=_script_path(snakemake),
            workdir=Path(snakemake.scriptdir).parent, extra=extras)
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
