"""Locate and verify a rule's raw input files before anything reads them."""

from __future__ import annotations

from typing import Sequence

from posart import checksums


def data_root(paths: Sequence[str], relative: Sequence[str]) -> str:
    """The data directory, read off the rule's own file paths.

    Derived rather than passed in, so that it stays right when Snakemake rewrites paths
    (remote storage, a job on a node without the shared file system).
    """
    first, tail = str(paths[0]), relative[0]
    if not first.endswith(tail):
        raise ValueError(f"{first} does not end with the expected {tail}")
    return first[: len(first) - len(tail)].rstrip("/") or "."


def verify_inputs(inputs: Sequence[str], relative: Sequence[str]) -> tuple[str, dict[str, str]]:
    """(data_dir, {relative path: sha256}); a checksum mismatch raises, naming the file."""
    root = data_root(inputs, relative)
    return root, checksums.verify(root, list(relative))
