"""The demo corpus: every file reads with its reader, matches SHA256SUMS, and is big enough."""

from __future__ import annotations

import gzip
import importlib.util
import re
from collections import Counter

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
    spec = importlib.util.spec_from_file_location("make_imdb_archives", repo / "demo/make_imdb_archives.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "OUT", tmp_path)
    script.main()
    for name in ("aclImdb_train.tar.gz", "aclImdb_test.tar.gz"):  # tar bytes: gzip output may vary with zlib
        rebuilt, committed = (gzip.decompress((d / name).read_bytes()) for d in (tmp_path, demo / "IMDB"))
        assert rebuilt == committed


def test_demo_is_small(demo):
    assert sum(p.stat().st_size for p in demo.rglob("*") if p.is_file()) < 300_000
