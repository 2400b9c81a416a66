"""WikiExtractor reader: the grammar on small files (every error names file and line), real counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from posart.corpora import read_wikiextractor

GOOD = """<doc id="12" url="http://en.wikipedia.org/wiki?curid=12" title="Tea &amp; biscuits">
Tea &amp; biscuits

Tea is a drink made from leaves.
</dl>
Biscuits are baked.

</doc>
<doc id="25" url="http://en.wikipedia.org/wiki?curid=25" title="Bread">
Bread
Bread is baked too.
</doc>
"""


def write(tmp_path: Path, text: str, name: str = "wiki_00") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_body_lines_with_file_and_line(tmp_path):
    path = write(tmp_path, GOOD)
    frame = read_wikiextractor(path)
    assert list(frame.columns) == ["file", "line", "doc_id", "title", "text"]
    assert frame.text.tolist() == [
        "Tea is a drink made from leaves.",
        "</dl>",
        "Biscuits are baked.",
        "Bread is baked too.",
    ]
    assert frame.line.tolist() == [4, 5, 6, 11]
    assert frame.doc_id.tolist() == ["12", "12", "12", "25"]
    assert frame.title.tolist()[0] == "Tea & biscuits"
    assert set(frame.file) == {str(path)}


def test_several_files_in_order(tmp_path):
    first, second = write(tmp_path, GOOD, "wiki_00"), write(tmp_path, GOOD.replace('"12"', '"13"'), "wiki_01")
    frame = read_wikiextractor([first, second])
    assert frame.doc_id.tolist() == ["12", "12", "12", "25", "13", "13", "13", "25"]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("stray text\n" + GOOD, 1, "text outside"),
        (GOOD.replace("</doc>\n<doc", "<doc", 1), 8, "inside document 12"),
        (GOOD + '<doc id="3" url="u" title="Open">\nOpen\nno end\n', 13, "never closed"),
        (GOOD + "</doc>\n", 13, "without an open"),
        ('<doc id="3" title="No url">\nNo url\n</doc>\n', 1, "malformed <doc> header"),
        ('<doc id="3" url="u" title="Tea">\nCoffee\n</doc>\n', 2, "expected the title line 'Tea'"),
        ('<doc id="3" url="u" title="Tea">\n</doc>\n', 2, "before its title line"),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=rf"{path}:{line}: .*{message}"):
        read_wikiextractor(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="wiki_99"):
        read_wikiextractor(tmp_path / "wiki_99")


@pytest.mark.realdata
def test_real_wikipedia_sample(shared_data):
    files = sorted((shared_data / "wikipedia/enwiki_wikiextractor/AA").glob("wiki_*"))
    frame = read_wikiextractor(files)
    assert len(files) == 25
    assert frame.doc_id.nunique() == 1717  # data README: 1717 articles
    assert frame.iloc[0].title == "Anarchism"
    assert 3.9e6 < frame.text.str.split().str.len().sum() < 4.1e6  # README: about 4.0M words
