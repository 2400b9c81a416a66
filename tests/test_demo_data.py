"""The demo corpus: every file reads with its reader, matches SHA256SUMS, and is big enough."""

from __future__ import annotations

import gzip
import importlib.util
import re
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from posart import checksums, corpora, prepare, registry


@pytest.fixture(scope="module")
def demo(repo):
    return repo / "demo" / "data"


def test_checksums_cover_every_file_and_match(demo):
    listed = checksums.read_checksums((demo / "SHA256SUMS").read_text(encoding="utf-8"), "SHA256SUMS")
    present = {str(p.relative_to(demo)) for p in demo.rglob("*") if p.is_file()} - {"SHA256SUMS", "README.md"}
    assert set(listed) == present
    assert checksums.verify(demo, sorted(present)) == listed


def test_glue_and_plain_text(demo):
    train = corpora.read_glue_sst2(demo / "SST-2/train.tsv")
    assert len(train) >= 250 and set(train.label) == {0, 1}
    assert len(corpora.read_glue_sst2(demo / "SST-2/dev.tsv")) >= 50
    assert (corpora.read_glue_sst2(demo / "SST-2/test.tsv").label == -1).all()
    qqp = corpora.read_glue_qqp(demo / "QQP/train.tsv")
    assert len(qqp) >= 120 and 0 < qqp.label.mean() < 1
    assert len(corpora.qqp_sentences(qqp)) >= 120
    assert len(corpora.read_plain_text(demo / "text/sentences.txt")) >= 40


def test_self_similarity_has_enough_recurring_words(demo):
    """At least 40 words occur in >= 10 different SST-2 training sentences."""
    sentences = corpora.read_glue_sst2(demo / "SST-2/train.tsv").sentence
    counts = Counter(word for sentence in sentences for word in set(sentence.split()) if re.fullmatch(r"[a-z]+", word))
    assert sum(n >= 10 for n in counts.values()) >= 40


def test_wic_balanced_with_correct_targets(demo):
    wic = corpora.read_wic(demo / "WiC/train/train.data.txt", demo / "WiC/train/train.gold.txt")
    assert len(wic) >= 100 and wic.label.mean() == 0.5
    inflections = {"run": "ran", "draw": "drew", "catch": "caught", "strike": "struck"}
    for row in wic.itertuples():
        for sentence, index in ((row.sentence1, row.index1), (row.sentence2, row.index2)):
            token = sentence.split()[index].lower()
            assert token.startswith(row.word) or token.startswith(inflections.get(row.word, row.word)), row


def test_sts_files(demo):
    stsb = corpora.read_stsb(demo / "stsbenchmark/sts-test.csv")
    sick = corpora.read_sick(demo / "SICK/SICK_test_annotated.txt")
    assert len(stsb) >= 100 and stsb.score.min() < 1 and stsb.score.max() > 4
    assert len(sick) >= 80 and sick.score.min() < 2 and sick.score.max() > 4.5
    assert (demo / "SICK/SICK_test_annotated.txt").read_bytes().count(b"\r\n") == len(sick) + 1
    for name, dataset in registry.load().task("sts").items():
        frame = prepare.prepare_sts([name], demo)
        assert list(frame.subset.unique()) == list(dataset.parts)
        if dataset.reader == "senteval_sts":
            assert (frame.sentence1 == frame.sentence1.str.lower()).all()
    gold = (demo / "STS/STS16-en-test/STS.gs.headlines.txt").read_text().splitlines()
    assert "" in gold, "STS16 should exercise SentEval's skipping of unscored pairs"


def test_senteval_sst(demo):
    for split in ("train", "dev", "test"):
        binary = corpora.read_senteval_sst(demo / f"SST/binary/sentiment-{split}", fine=False)
        fine = corpora.read_senteval_sst(demo / f"SST/fine/sentiment-{split}", fine=True)
        assert set(binary.label) == {0, 1} and set(fine.label) == set(range(5))
    glue = corpora.read_glue_sst2(demo / "SST-2/train.tsv")
    assert glue.equals(corpora.read_senteval_sst(demo / "SST/binary/sentiment-train", fine=False))


def test_imdb_archives_are_balanced_and_reproducible(demo, repo, tmp_path, monkeypatch):
    for split in ("train", "test"):
        frame = corpora.read_imdb(demo / f"IMDB/aclImdb_{split}.tar.gz", split)
        assert len(frame) >= 50 and frame.label.mean() == 0.5
        assert not frame.text.str.contains("<br", regex=False).any()
    script = load_script(repo, "make_imdb_archives")
    monkeypatch.setattr(script, "OUT", tmp_path)
    script.main()
    for name in ("aclImdb_train.tar.gz", "aclImdb_test.tar.gz"):  # tar bytes: gzip output may vary with zlib
        rebuilt, committed = (gzip.decompress((d / name).read_bytes()) for d in (tmp_path, demo / "IMDB"))
        assert rebuilt == committed


def test_demo_is_small(demo):
    assert sum(p.stat().st_size for p in demo.rglob("*") if p.is_file()) < 300_000


def test_wikiextractor_demo_text(demo):
    """Enough articles and words for a seeded train/valid split by document."""
    frame = corpora.read_wikiextractor(demo / "wikipedia/enwiki_wikiextractor/AA/wiki_00")
    assert frame.doc_id.nunique() >= 15 and frame.text.str.split().str.len().sum() >= 1500


def load_script(repo, name):
    spec = importlib.util.spec_from_file_location(name, repo / "demo" / f"{name}.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_wsd_files_read_and_use_the_demo_wordnet(demo):
    index = corpora.read_index_sense(demo / "wordnet/index.sense")
    semcor = corpora.read_semcor(demo / "WSD/semcor3.0.tar.gz")
    assert semcor.sentence_id.nunique() >= 40 and semcor.sentence_id.str.split("/").str[0].nunique() == 3
    folder = demo / "WSD/WSD_Evaluation_Framework/Evaluation_Datasets"
    sets = {
        name: corpora.read_raganato(folder / name / f"{name}.data.xml", folder / name / f"{name}.gold.key.txt")
        for name in ("senseval2", "senseval3", "semeval2007", "semeval2013", "semeval2015", "ALL")
    }
    assert len(sets["ALL"]) == sum(len(s) for name, s in sets.items() if name != "ALL")
    keys = pd.concat([semcor["keys"]] + [s["keys"] for s in sets.values()]).str.split().explode()
    assert keys.isin(set(index.key)).all()
    # the full sense list of every lemma used: sense numbers 1..n per (lemma, pos)
    numbers = index.groupby(["lemma", "pos"]).sense_number.agg(["max", "count", "min"])
    assert (numbers["max"] == numbers["count"]).all() and (numbers["min"] == 1).all()
    assert not set(sets["ALL"].lemma) <= set(semcor.lemma), "a lemma unseen in training exercises the fallback"


def test_wsd_files_are_reproducible(demo, repo, tmp_path, monkeypatch, wordnet_dir):
    script = load_script(repo, "make_wsd_data")
    monkeypatch.setattr(script, "OUT", tmp_path)
    lines = script.index_lines(wordnet_dir)
    assert (demo / "wordnet/index.sense").read_text().splitlines() == lines  # WordNet's own lines
    script.write_wsd(lines)
    rebuilt = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    for path in rebuilt - {Path("WSD/semcor3.0.tar.gz")}:
        assert (tmp_path / path).read_bytes() == (demo / path).read_bytes(), path
    semcor = [gzip.decompress((d / "WSD/semcor3.0.tar.gz").read_bytes()) for d in (tmp_path, demo)]
    assert semcor[0] == semcor[1]


def test_treebank_is_reproducible_and_reads(demo, repo, tmp_path, monkeypatch):
    frame = corpora.read_treebank(demo / "nltk_data/corpora/treebank.zip")
    assert len(frame) == 20 and (frame.text.str.split().str.len() >= 2).sum() == 19
    script = load_script(repo, "make_treebank")
    monkeypatch.setattr(script, "OUT", tmp_path / "treebank.zip")
    script.main()
    with (
        zipfile.ZipFile(tmp_path / "treebank.zip") as rebuilt,
        zipfile.ZipFile(demo / "nltk_data/corpora/treebank.zip") as committed,
    ):
        assert rebuilt.namelist() == committed.namelist()
        assert all(rebuilt.read(name) == committed.read(name) for name in rebuilt.namelist())
