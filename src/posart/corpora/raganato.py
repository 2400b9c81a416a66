"""Raganato et al.'s (EACL 2017) all-words WSD evaluation sets: `<set>.data.xml` + `<set>.gold.key.txt`.

XML: `<corpus><text><sentence id>` holding `<wf lemma pos>word</wf>` and
`<instance id lemma pos>word</instance>` in order; an instance may span several words
("belong to"). Gold file: `instance_id key [key ...]`, one line per instance; when several
keys are gold, predicting any of them counts as correct (Raganato's scorer). Parts of speech
are universal tags; instances are NOUN, VERB, ADJ or ADV, mapped to WordNet's n, v, a, r.

Parsed with lxml, which gives every element's source line, so errors name file and line
(the standard library's ElementTree does not record lines).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from lxml import etree

from posart.corpora._lines import fields, malformed, read_lines
from posart.corpora.sense_tagged import SentenceBuilder, key_pos, table

WORDNET_POS = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}


def read_raganato(data_path: str | os.PathLike, gold_path: str | os.PathLike) -> pd.DataFrame:
    """One evaluation set's instances (`posart.corpora.sense_tagged.COLUMNS`), `keys` the gold keys.

    Every instance must have gold keys of its own lemma and part of speech, and every gold
    line must name an instance.
    """
    gold = _read_gold(gold_path)
    rows: list[tuple] = []
    for sentence in _parse(data_path).iter("sentence"):
        builder = SentenceBuilder(_attribute(data_path, sentence, "id"))
        for token in sentence:
            if token.tag not in ("wf", "instance"):
                raise malformed(data_path, token.sourceline, f"unexpected <{token.tag}> in a sentence")
            start, stop = builder.add(token.text or "")
            if stop == start:
                raise malformed(data_path, token.sourceline, "empty word")
            if token.tag == "instance":
                builder.tag(*_instance(data_path, token, start, stop, gold))
        if not builder.words:
            raise malformed(data_path, sentence.sourceline, f"sentence {builder.sentence_id} has no words")
        rows.extend(builder.rows())
    unused = set(gold) - {row[0] for row in rows}
    if unused:
        raise ValueError(
            f"{gold_path}: {len(unused)} gold ids name no instance of {data_path}, e.g. {sorted(unused)[:3]}"
        )
    return table(rows)


def _parse(path: str | os.PathLike) -> etree._ElementTree:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as err:
        raise malformed(path, err.lineno, f"not well-formed XML ({err.msg})") from None


def _attribute(path: str | os.PathLike, element, name: str) -> str:
    value = element.get(name)
    if not value:
        raise malformed(path, element.sourceline, f"<{element.tag}> without `{name}`")
    return value


def _instance(path, token, start: int, stop: int, gold: dict[str, tuple[int, list[str]]]) -> tuple:
    """(id, start, stop, lemma, pos, gold keys) of an <instance>, checked against its gold line."""
    instance_id = _attribute(path, token, "id")
    lemma, tag = _attribute(path, token, "lemma"), _attribute(path, token, "pos")
    if tag not in WORDNET_POS:
        raise malformed(
            path, token.sourceline, f"instance {instance_id}: pos {tag!r} is not one of {list(WORDNET_POS)}"
        )
    if instance_id not in gold:
        raise malformed(path, token.sourceline, f"instance {instance_id} has no gold key")
    line, keys = gold[instance_id]
    for key in keys:
        if key.partition("%")[0] != lemma.lower() or key_pos(key) != WORDNET_POS[tag]:
            raise ValueError(
                f"{path}:{token.sourceline}: instance {instance_id} ({lemma}, {tag}) has gold key "
                f"{key} of another lemma or part of speech (gold file line {line})"
            )
    return instance_id, start, stop, lemma.lower(), WORDNET_POS[tag], keys


def _read_gold(path: str | os.PathLike) -> dict[str, tuple[int, list[str]]]:
    """instance id -> (line number, gold keys)."""
    gold: dict[str, tuple[int, list[str]]] = {}
    for number, line in enumerate(read_lines(path), start=1):
        instance_id, *keys = fields(path, number, line, 2, sep=" ", at_least=True)
        if instance_id in gold:
            raise malformed(path, number, f"instance {instance_id} listed twice")
        for key in keys:
            try:
                key_pos(key)
            except ValueError as err:
                raise malformed(path, number, str(err)) from None
        gold[instance_id] = (number, keys)
    return gold
