"""The IMDB Large Movie Review Dataset v1.0 (Maas et al., ACL 2011).

Reviews are `aclImdb/<split>/{pos,neg}/<id>_<rating>.txt`, read either from an archive
holding that tree (e.g. `IMDB/aclImdb_train.tar.gz`, streamed with `tarfile`, nothing
written to disk) or from the extracted `aclImdb` directory. Other members (`urls_*.txt`,
`unsup/`, `*.feat`) are ignored. Reviews are returned sorted by member name, so the
order does not depend on the archive's.

The texts contain HTML line breaks (`<br />`, about 100,000 in each split); each is
replaced by a space. Nothing else is changed (the few other tag-like strings stay).
"""

from __future__ import annotations

import os
import re
import tarfile
from pathlib import Path

import pandas as pd

LABELS = {"pos": 1, "neg": 0}
LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _member(split: str) -> re.Pattern:
    return re.compile(rf"(?:\./)?aclImdb/{re.escape(split)}/(pos|neg)/[^/]+\.txt")


def _text(where: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{where}: not valid UTF-8 ({err.reason})") from err
    text = LINE_BREAK.sub(" ", text)
    if not text.strip():
        raise ValueError(f"{where}: empty review")
    return text


def _from_archive(path: Path, split: str) -> list[tuple[str, str, int]]:
    pattern = _member(split)
    rows = []
    with tarfile.open(path, mode="r|*") as archive:
        for member in archive:
            match = pattern.fullmatch(member.name)
            if member.isfile() and match:
                data = archive.extractfile(member).read()
                rows.append((member.name, _text(f"{path}:{member.name}", data), LABELS[match.group(1)]))
    return rows


def _from_directory(root: Path, split: str) -> list[tuple[str, str, int]]:
    return [
        (f"aclImdb/{split}/{polarity}/{file.name}", _text(str(file), file.read_bytes()), label)
        for polarity, label in LABELS.items()
        for file in (root / split / polarity).glob("*.txt")
    ]


def read_imdb(source: str | os.PathLike, split: str) -> pd.DataFrame:
    """[text, label:int] (1 pos, 0 neg) of one split, from an archive or an `aclImdb` directory."""
    source = Path(source)
    if source.is_dir():
        rows = _from_directory(source, split)
    elif source.is_file():
        rows = _from_archive(source, split)
    else:
        raise FileNotFoundError(f"{source}: no such archive or directory")
    if not rows:
        raise ValueError(f"{source}: no reviews aclImdb/{split}/{{pos,neg}}/*.txt")
    rows.sort()
    return pd.DataFrame(
        {"text": [text for _, text, _ in rows], "label": pd.Series([label for _, _, label in rows], dtype="int64")}
    )
