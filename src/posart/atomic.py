"""Atomic file output: write to a temporary sibling, rename into place on success.

An interrupted job then never leaves a half-written artifact that a later run would
mistake for a finished one, and an existing result is never corrupted by a failed rerun.

The temporary file is created with `os.open(..., 0o666)` rather than `tempfile.mkstemp`
(which always gives 0600), so the kernel applies the user's umask: results in a
group-shared directory are as readable as any other file the user writes there.
A killed job leaves its temporary behind (nothing runs on SIGKILL); the next write of
the same target removes it (`remove_temporaries`), and only that target's.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import Iterator

SUFFIX = ".part"
# `.{name}.{8 random chars}.part`: this module's token_hex(4), or mkstemp's [a-z0-9_]{8}
# (the naming before this module created its own temporaries).
_RANDOM = r"[a-z0-9_]{8}"


def temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{SUFFIX}")


def temporaries(target: str | os.PathLike) -> list[Path]:
    """Temporaries of exactly `target` (never those of another file whose name starts alike)."""
    target = Path(target)
    pattern = re.compile(rf"\.{re.escape(target.name)}\.{_RANDOM}{re.escape(SUFFIX)}")
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    return [target.parent / name for name in names if pattern.fullmatch(name)]


def remove_temporaries(target: str | os.PathLike) -> list[Path]:
    """Delete leftovers of earlier, interrupted writes of `target`; return what was removed."""
    removed = []
    for path in temporaries(target):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _create(target: Path) -> Path:
    """A new, empty temporary next to `target`, mode 0666 minus the umask."""
    while True:
        tmp = temporary_name(target)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it to `path` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_temporaries(target)
    tmp_path = _create(target)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV atomically (no index column)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
