"""Before the first job: can this run write everything its jobs are about to write?

Snakemake creates a job's output folders and deletes its old outputs only when that job
starts. An unwritable results folder (read-only share, a colleague's tree, `chmod -w` to
protect finished results) would therefore stop the run midway, after other jobs have
written, and, when the folder is read-only but its files are not, as a traceback from
inside Snakemake. The Snakefile's `onstart` hands every output and log of the jobs about
to run to `require`, which names each directory that stops them before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

SHOWN = 3  # files named per blocked directory


class UnwritableError(PermissionError):
    """Directories the run must write into but cannot; names each and what was to go there."""


def blocking_directory(path: str | os.PathLike) -> Path | None:
    """The directory that writing (or replacing) `path` needs and this process may not write, if any.

    That is the file's folder, or its nearest existing ancestor when the folder is still to
    be created. `os.access` asks the kernel, so root, ACLs and read-only mounts count.
    """
    directory = Path(path).parent
    while not directory.exists():
        directory = directory.parent
    return None if os.access(directory, os.W_OK | os.X_OK) else directory


def require(paths: Iterable[str | os.PathLike]) -> None:
    """Raise UnwritableError naming every directory that stops one of `paths` from being written."""
    blocked: dict[Path, list[str]] = {}
    for path in paths:
        directory = blocking_directory(path)
        if directory is not None:
            blocked.setdefault(directory, []).append(str(path))
    if not blocked:
        return
    lines = []
    for directory, files in sorted(blocked.items()):
        files = sorted(set(files))
        more = f" and {len(files) - SHOWN} more" if len(files) > SHOWN else ""
        lines.append(f"  {directory}/ is not writable; this run must write {', '.join(files[:SHOWN])}{more}")
    raise UnwritableError(
        "nothing was run: the jobs to run cannot write their outputs\n"
        + "\n".join(lines)
        + "\nMake these directories writable (chmod u+w DIR), or run the workflow in a directory you own."
    )
