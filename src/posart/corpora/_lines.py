"""Line-level parsing shared by the readers: every failure names the file and the line.

The readers parse lines by hand instead of using `pandas.read_csv`: these formats are
tab-separated without quoting (GLUE and STS text contains unbalanced `"`, which pandas'
default quoting silently merges across lines), some carry a format artefact to undo
(GLUE's space before the tab), and a malformed line must be reported with its number.
"""

from __future__ import annotations

import os
from pathlib import Path


def malformed(path: str | os.PathLike, line: int, problem: str) -> ValueError:
    """The error for a malformed line: `<file>:<line>: <problem>`."""
    return ValueError(f"{path}:{line}: {problem}")


def read_text(path: str | os.PathLike) -> str:
    """A whole UTF-8 file; a missing file or invalid UTF-8 is reported by name (and line)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise malformed(path, data.count(b"\n", 0, err.start) + 1, f"not valid UTF-8 ({err.reason})") from err


def read_lines(path: str | os.PathLike) -> list[str]:
    """The lines of a text file without terminators; `\\n` and `\\r\\n` endings both accepted."""
    lines = read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def fields(
    path: str | os.PathLike,
    line: int,
    text: str,
    count: int,
    sep: str = "\t",
    at_least: bool = False,
    rest: bool = False,
) -> list[str]:
    """Split a line into exactly `count` fields, or at least `count` (`at_least`), or
    `count` with the last one taking the rest of the line (`rest`)."""
    parts = text.split(sep, count - 1) if rest else text.split(sep)
    if len(parts) < count or (len(parts) > count and not at_least):
        wanted = f"at least {count}" if at_least else str(count)
        raise malformed(path, line, f"expected {wanted} {sep!r}-separated fields, found {len(parts)}")
    return parts


def integer(path: str | os.PathLike, line: int, text: str, allowed: range, what: str = "label") -> int:
    """Parse an integer field (a label by default); it must lie in `allowed`."""
    try:
        value = int(text)
    except ValueError:
        raise malformed(path, line, f"{what} {text!r} is not an integer") from None
    if value not in allowed:
        raise malformed(path, line, f"{what} {value} outside {allowed.start}..{allowed.stop - 1}")
    return value


def score(path: str | os.PathLike, line: int, text: str, low: float, high: float) -> float:
    """Parse a similarity score; it must lie in [low, high]."""
    try:
        value = float(text)
    except ValueError:
        raise malformed(path, line, f"score {text!r} is not a number") from None
    if not low <= value <= high:
        raise malformed(path, line, f"score {value} outside [{low}, {high}]")
    return value


def nonempty(path: str | os.PathLike, line: int, text: str, what: str) -> str:
    """A text field that must not be blank."""
    if not text.strip():
        raise malformed(path, line, f"empty {what}")
    return text
