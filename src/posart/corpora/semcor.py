"""SemCor 3.0 (Miller et al. 1993, mapped to WordNet 3.0 by R. Mihalcea), read from its archive.

`semcor3.0.tar.gz` holds `semcor3.0/{brown1,brown2,brownv}/tagfiles/<file>` (352 tagfiles).
Each is line-oriented SGML: `<s snum=N>` ... `</s>` around one `<wf attrs>word</wf>` or
`<punc>mark</punc>` per line. The files are not XML (unquoted attribute values, bare `&`),
so an XML parser cannot read them, and NLTK's SemcorCorpusReader reads NLTK's own XML
conversion (`semcor.zip`, not available here), not these originals: a short line reader it is.

- Sense key = lemma + `%` + lexsn (WordNet's sense key; lexsn is its lex_sense part).
- Multiword `<wf>`s (`took_place`, `Fulton_County_Grand_Jury`): underscores become spaces,
  so the sentence has its natural words and the instance spans several of them.
- Several senses (`wnsn=2;1 lexsn=1:28:02::;1:28:01::`): the annotator kept both; the
  instance lists every key, and it counts as an occurrence of each.
- `wnsn=0`: README.semcor3.0 says the WordNet 1.6 sense has no WordNet 3.0 counterpart; its
  lexsn names no 3.0 sense, so that key is dropped (the number dropped is logged).
- The head word of an adjective satellite keeps WordNet's syntactic marker in some keys
  (`only%5:00:00:single(a):00`); sense keys never carry it, so `(a)`, `(p)`, `(ip)` are removed.
- Words without a sense (`cmd=ignore`, `cmd=tag`, `ot=...`) and punctuation are context only.
"""

from __future__ import annotations

import logging
import os
import re
import tarfile
from pathlib import Path

from posart.corpora._lines import malformed
import pandas as pd

from posart.corpora.sense_tagged import SentenceBuilder, key_pos, table

log = logging.getLogger(__name__)
TAGFILE = re.compile(r"[^/]+/([^/]+)/tagfiles/([^/]+)")
SENTENCE = re.compile(r"<s snum=(\d+)>")
WORD = re.compile(r"<wf((?: [a-z]+=(?:\"[^\"]*\"|[^\s>\"]*))*)>([^<]*)</wf>")
PUNCTUATION = re.compile(r"<punc>([^<]*)</punc>")
ATTRIBUTE = re.compile(r" ([a-z]+)=(?:\"([^\"]*)\"|([^\s>\"]*))")
STRUCTURE = re.compile(r"</?(?:contextfile|context|p)\b[^<>]*>")
MARKER = re.compile(r"\((?:a|p|ip)\)")


def read_semcor(archive: str | os.PathLike) -> pd.DataFrame:
    """The sense-tagged words of every tagfile, in path order (`posart.corpora.sense_tagged.COLUMNS`).

    sentence_id: `<concordance>/<file>.s<snum>` (e.g. `brown1/br-a01.s1`); instance id:
    sentence_id + `.t<k>`, k counting the sentence's sense-tagged words from 0.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise FileNotFoundError(f"{archive}: no such file")
    rows: list[tuple] = []
    counts = {"files": 0, "sentences": 0, "dropped_wnsn0": 0}
    with tarfile.open(archive, "r:*") as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and TAGFILE.fullmatch(m.name)), key=lambda m: m.name
        )
        if not members:
            raise ValueError(f"{archive}: no `*/<concordance>/tagfiles/<file>` member")
        for member in members:
            name = "/".join(TAGFILE.fullmatch(member.name).groups())
            location = f"{archive}:{member.name}"
            data = tar.extractfile(member).read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise malformed(location, data.count(b"\n", 0, err.start) + 1, "not valid UTF-8") from err
            _read_tagfile(location, name, text, rows, counts)
            counts["files"] += 1
    log.info(
        "SemCor %s: %d tagfiles, %d sentences, %d sense-tagged words; %d wnsn=0 keys dropped",
        archive,
        counts["files"],
        counts["sentences"],
        len(rows),
        counts["dropped_wnsn0"],
    )
    return table(rows)


def _read_tagfile(location: str, name: str, text: str, rows: list, counts: dict) -> None:
    builder: SentenceBuilder | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or STRUCTURE.fullmatch(line):
            continue
        if match := SENTENCE.fullmatch(line):
            if builder is not None:
                raise malformed(location, number, "sentence opened inside a sentence")
            builder = SentenceBuilder(f"{name}.s{match.group(1)}")
            continue
        if builder is None:
            raise malformed(location, number, f"outside a sentence: {line[:60]!r}")
        if line == "</s>":
            if not builder.words:
                raise malformed(location, number, f"sentence {builder.sentence_id} has no words")
            rows.extend(builder.rows())
            counts["sentences"] += 1
            builder = None
            continue
        if match := PUNCTUATION.fullmatch(line):
            _add(builder, match.group(1), location, number)
            continue
        match = WORD.fullmatch(line)
        if match is None:
            raise malformed(location, number, f"not a <wf>, <punc> or sentence tag: {line[:60]!r}")
        start, stop = _add(builder, match.group(2).replace("_", " "), location, number)
        keys = _sense_keys(_attributes(match.group(1)), location, number, counts)
        if keys:
            builder.tag(
                f"{builder.sentence_id}.t{len(builder.instances)}",
                start,
                stop,
                keys[0].partition("%")[0],
                key_pos(keys[0]),
                keys,
            )
    if builder is not None:
        raise malformed(location, len(text.splitlines()), f"sentence {builder.sentence_id} is not closed")


def _add(builder: SentenceBuilder, token: str, location: str, number: int) -> tuple[int, int]:
    start, stop = builder.add(token)
    if stop == start:
        raise malformed(location, number, "empty word")
    return start, stop


def _attributes(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in ATTRIBUTE.finditer(text)}


def _sense_keys(attributes: dict[str, str], location: str, number: int, counts: dict) -> list[str]:
    """The word's WordNet 3.0 sense keys (none for an untagged word)."""
    if "lexsn" not in attributes:
        return []
    lemma, wnsn = attributes.get("lemma"), attributes.get("wnsn")
    if not lemma or wnsn is None:
        raise malformed(location, number, "lexsn without lemma or wnsn")
    numbers, lex_senses = wnsn.split(";"), attributes["lexsn"].split(";")
    if len(numbers) != len(lex_senses):
        raise malformed(location, number, f"wnsn={wnsn} and lexsn={attributes['lexsn']} differ in length")
    keys = []
    for sense_number, lex_sense in zip(numbers, lex_senses):
        if sense_number == "0":
            counts["dropped_wnsn0"] += 1
            continue
        key = f"{lemma.lower()}%{MARKER.sub('', lex_sense)}"
        try:
            key_pos(key)
        except ValueError as err:
            raise malformed(location, number, str(err)) from None
        keys.append(key)
    return keys
