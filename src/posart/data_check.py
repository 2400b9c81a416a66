"""Verify a rule's raw input files against the expected checksums before anything reads them."""

from __future__ import annotations

import os
from typing import Iterable

from posart import download


def verify_inputs(inputs: Iterable[str], data_dir: str) -> dict[str, str]:
    """{relative path: sha256} of the inputs; a checksum mismatch raises, naming the file."""
    relative = [os.path.relpath(path, data_dir) for path in inputs]
    return download.verify(data_dir, relative)
