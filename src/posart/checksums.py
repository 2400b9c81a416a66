"""Data file checksums: what each file of the layout must hash to, and the check itself.

Every prepare rule verifies its raw inputs before reading them, whether or not anything
was downloaded, and the checksums enter the provenance. Expected values, per file:
`{data_dir}/SHA256SUMS` (or an explicit checksum file) where it lists the file, else the
checksums of the real files posart ships (`resources/canonical.sha256`, the shared data's
MANIFEST.tsv). So the demo corpus, whose files have canonical names but other content, is
checked against its own SHA256SUMS, and a data directory without one against the real
data; a file listed in neither is hashed and reported as unverified. Plain `hashlib`: the
`sha256sum` format needs nothing more.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

from posart.atomic import write_text

log = logging.getLogger(__name__)

CHUNK = 1 << 20
SUMS_NAME = "SHA256SUMS"
SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


class ChecksumError(ValueError):
    """A download or a data file does not have the expected sha256."""


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_checksums(text: str, origin: str) -> dict[str, str]:
    """{relative path: sha256} from `sha256sum` output; a malformed line names its origin."""
    sums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = SUM_LINE.fullmatch(line)
        if not match:
            raise ValueError(f"{origin}:{number}: not a sha256sum line: {line!r}")
        sums[match.group(2)] = match.group(1)
    return sums


def expected_checksums(data_dir: str | os.PathLike, checksum_file: str | os.PathLike | None = None) -> dict[str, str]:
    """Canonical checksums, overridden by `checksum_file` (default `{data_dir}/SHA256SUMS`)."""
    canonical = resources.files("posart") / "resources" / "canonical.sha256"
    sums = read_checksums(canonical.read_text(encoding="utf-8"), "canonical.sha256")
    local = Path(checksum_file) if checksum_file is not None else Path(data_dir) / SUMS_NAME
    if checksum_file is not None or local.is_file():
        sums.update(read_checksums(local.read_text(encoding="utf-8"), str(local)))
    return sums


def verify(
    data_dir: str | os.PathLike, relative_paths: Iterable[str], checksum_file: str | os.PathLike | None = None
) -> dict[str, str]:
    """{relative path: sha256} of the files; a missing file or a mismatch raises, naming it.

    Expected values: `checksum_file` (default `{data_dir}/SHA256SUMS` if it exists) for the
    files it lists, the canonical checksums for the others. Files in neither are hashed,
    logged and returned as unverified.
    """
    relative_paths = list(dict.fromkeys(relative_paths))
    missing = [str(Path(data_dir) / rel) for rel in relative_paths if not (Path(data_dir) / rel).is_file()]
    if missing:
        raise FileNotFoundError(f"missing data file(s): {', '.join(missing)}")
    expected = expected_checksums(data_dir, checksum_file)
    actual = {rel: sha256_file(Path(data_dir) / rel) for rel in relative_paths}
    wrong = [
        f"{Path(data_dir) / rel}: expected sha256 {expected[rel]}, found {digest}"
        for rel, digest in actual.items()
        if rel in expected and expected[rel] != digest
    ]
    if wrong:
        raise ChecksumError(
            "checksum mismatch (if the data is meant to differ, list its sha256 in "
            f"{Path(data_dir) / SUMS_NAME}): " + "; ".join(wrong)
        )
    for rel in actual.keys() - expected.keys():
        log.warning("unverified (no expected checksum): %s sha256 %s", rel, actual[rel])
    return actual


def record(data_dir: str | os.PathLike, checksums: Mapping[str, str]) -> None:
    """Add or replace lines of {data_dir}/SHA256SUMS (files whose bytes posart itself made)."""
    path = Path(data_dir) / SUMS_NAME
    sums = read_checksums(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else {}
    sums.update(checksums)
    write_text(path, "".join(f"{digest}  {rel}\n" for rel, digest in sorted(sums.items())))
