"""WikiExtractor output: `<doc id=".." url=".." title="..">`, the title line, paragraphs, `</doc>`.

WikiExtractor (attardi/wikiextractor) writes one paragraph per line and leaves blank lines
and stray markup lines (`</dl>`, `<br>...`) in the text; the reader keeps every non-blank
body line verbatim (filtering is the caller's choice, see posart.pretrain.corpus) and
drops only the title line, which repeats the header's `title`. Anything else outside the
grammar (text outside a document, nested or unterminated documents, a header without
id/url/title, a first line that is not the title) is an error naming the file and line.
"""

from __future__ import annotations

import html
import os
import re
from typing import Iterable

import pandas as pd

from posart.corpora._lines import malformed, read_lines

HEADER = re.compile(r'<doc id="([^"]+)" url="([^"]*)" title="(.*)">$')
FOOTER = "</doc>"
COLUMNS = ["file", "line", "doc_id", "title", "text"]


def read_wikiextractor(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> pd.DataFrame:
    """[file, line, doc_id, title, text]: one row per non-blank body line, in file order.

    `line` is the 1-based line number in `file`, so every training line can be traced back.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    rows: list[tuple] = []
    for path in paths:
        rows.extend(_read_file(path))
    return pd.DataFrame(rows, columns=COLUMNS)


def _read_file(path: str | os.PathLike) -> list[tuple]:
    rows: list[tuple] = []
    doc: tuple[str, str] | None = None  # (doc_id, title) of the open document
    expect_title = False
    opened_at = 0
    for number, line in enumerate(read_lines(path), start=1):
        header = HEADER.match(line) if line.startswith("<doc") else None
        if line.startswith("<doc ") and header is None:
            raise malformed(path, number, "malformed <doc> header (expected id, url and title attributes)")
        if header is not None:
            if doc is not None:
                raise malformed(path, number, f"<doc> inside document {doc[0]} opened at line {opened_at}")
            doc, expect_title, opened_at = (header.group(1), html.unescape(header.group(3))), True, number
        elif line == FOOTER:
            if doc is None:
                raise malformed(path, number, "</doc> without an open <doc>")
            if expect_title:
                raise malformed(path, number, f"document {doc[0]} ends before its title line")
            doc = None
        elif doc is None:
            if line.strip():
                raise malformed(path, number, "text outside a <doc> ... </doc> block")
        elif expect_title:
            if html.unescape(line) != doc[1]:
                raise malformed(path, number, f"expected the title line {doc[1]!r}, found {line[:60]!r}")
            expect_title = False
        elif line.strip():
            rows.append((str(path), number, doc[0], doc[1], line))
    if doc is not None:
        raise malformed(path, opened_at, f"document {doc[0]} is never closed with </doc>")
    return rows
