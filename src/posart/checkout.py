"""The code that runs a job is this checkout's package, and provenance says which code that was.

Snakemake's script preamble *appends* the workflow's paths to `sys.path`, so a `posart`
installed in the job's environment (another checkout's editable install, a conda env with
posart) would be imported instead of this checkout's `src/posart`, while provenance records
this checkout's git commit. `pin_jobs` puts this checkout's `src` first on the jobs'
PYTHONPATH (Python places PYTHONPATH before site-packages and editable installs);
`check_imported` refuses to run a job that imported any other copy. `location` and
`source_sha256` identify the package that ran, beside the git commit.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import posart


class WrongCheckoutError(RuntimeError):
    """A job imported a posart package other than the workflow's own."""


def location() -> Path:
    """Directory of the posart package this process imported."""
    return Path(posart.__file__).resolve().parent


def pin_jobs(src: str | os.PathLike) -> None:
    """Make every job started from this process import posart from `src` (this checkout)."""
    src = str(Path(src).resolve())
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != src]
    os.environ.update(PYTHONPATH=os.pathsep.join([src, *rest]))


def check_imported(expected: str | os.PathLike) -> None:
    """Refuse to go on when the imported posart is not the package at `expected`."""
    expected = Path(expected).resolve()
    if location() != expected:
        raise WrongCheckoutError(
            f"this job imported posart from {location()}, not from the workflow's own package "
            f"{expected}: the results would not come from the code this checkout records. Another "
            f"posart is installed in the job's environment (an editable install of another checkout, "
            f"or a conda env with posart); uninstall it there, or run the workflow with "
            f"PYTHONPATH={expected.parent}"
        )


@functools.cache
def source_sha256(package: Path | None = None) -> str:
    """sha256 over the package's files (relative names and contents; caches of bytecode excluded)."""
    root = location() if package is None else Path(package)
    digest = hashlib.sha256()
    for path in sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
