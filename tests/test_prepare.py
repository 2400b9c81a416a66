"""Prepared tables from the registry's datasets, on the demo corpus."""

import logging

import pytest
from posart import config, prepare, registry
from workflow import REPO

DEMO = REPO / "demo" / "data"


def test_a_sample_larger_than_the_corpus_is_a_warning_and_recorded(caplog):
    entry = {"reader": "plain_text", "file": "text/sentences.txt", "sample": 10_000, "seed": 0}
    with caplog.at_level(logging.WARNING, logger="posart.prepare"):
        frame, sizes = prepare.prepare_corpus(entry, DEMO)
    assert sizes == {"requested": 10_000, "available": len(frame), "used": len(frame)} and len(frame) >= 40
    assert "sample 10000 is larger than its" in caplog.text
    smaller, sizes = prepare.prepare_corpus({**entry, "sample": 7}, DEMO)
    assert sizes["used"] == len(smaller) == 7 and set(smaller.sentence) <= set(frame.sentence)


def test_a_task_without_a_dev_part_gets_one_carved_from_train():
    assert "dev" not in registry.load().dataset("imdb").parts
    frame = prepare.prepare_supervised("imdb", DEMO, dev_fraction=0.25, seed=0)
    sizes = frame.groupby("split").size()
    assert sizes["dev"] == round(0.25 * (sizes["train"] + sizes["dev"])) and sizes["test"] > 0
    assert list(frame.columns) == ["split", "text", "label"]


def test_sts_subsets_are_the_registry_parts():
    frame = prepare.prepare_sts(["sickr", "sts13"], DEMO)
    assert list(frame.columns) == ["dataset", "subset", "sentence1", "sentence2", "score"]
    assert frame.groupby("dataset").subset.unique().map(list).to_dict() == {
        "sickr": ["sickr"],
        "sts13": ["FNWN", "headlines", "OnWN"],
    }


def test_prepared_tables_of_the_demo(monkeypatch):
    monkeypatch.chdir(REPO)
    demo = config.load([REPO / "config.yaml"], schema_path=REPO / "schemas" / "config.schema.yaml")
    assert prepare.prepared_tables(demo) == {
        "corpus/qqp": "tokens",
        "corpus/sst2": "tokens",
        "wic": "tokens",
        "sts": "sentences",
        "supervised/imdb": "sentences",
        "supervised/sst2": "sentences",
        "supervised/sst5": "sentences",
        "wsd/targets": "tokens",
        "wsd/semcor": "tokens",
        "grammar": "tokens",
        "probe/train": "tokens",
        "probe/dev": "tokens",
        "probe/test": "tokens",
    }


def test_probe_splits_are_the_registry_parts_sampled_like_corpora():
    test, sizes = prepare.prepare_probe("glue_sst2", "test", DEMO, None, 0)  # GLUE test: index, sentence
    assert list(test.columns) == ["sentence"] and sizes == {"requested": None, "available": 63, "used": 63}
    train, sizes = prepare.prepare_probe("glue_sst2", "train", DEMO, 50, 0)
    assert len(train) == 50 and sizes["requested"] == 50 and sizes["available"] == 300
    again, _ = prepare.prepare_probe("glue_sst2", "train", DEMO, 50, 0)
    assert again.sentence.tolist() == train.sentence.tolist()
    assert prepare.files_probe("glue_sst2") == ["SST-2/train.tsv", "SST-2/dev.tsv", "SST-2/test.tsv"]


def test_datasets_sharing_a_table_must_share_a_granularity():
    mixed = {
        "corpora": {},
        "wic": {"enabled": False},
        "supervised": {"tasks": {}},
        "sts": {"datasets": ["stsb"]},
        "wsd": {"enabled": False},
        "grammar": {"enabled": False},
        "probe": {"enabled": False},
    }
    assert prepare.prepared_tables(mixed) == {"sts": "sentences"}
    with pytest.raises(ValueError, match="share one table but differ in granularity"):
        prepare.prepared_tables({**mixed, "sts": {"datasets": ["stsb", "wic"]}})


def test_wsd_tables_of_the_demo():
    targets, senses = prepare.prepare_wsd_targets(["senseval2", "ALL"], DEMO, DEMO / "wordnet" / "index.sense")
    assert list(targets.columns) == ["id", "sentence_id", "text", "start", "stop", "lemma", "pos", "keys", "dataset"]
    assert targets.groupby("dataset", sort=False).size().to_dict() == {"senseval2": 2, "ALL": 16}
    # senses: every WordNet sense of the targets' lemmas (bank has 10 noun senses), and nothing else
    assert (senses.lemma == "bank").sum() == 10 and set(senses.lemma) == set(targets.lemma)
    training = prepare.prepare_wsd_training(DEMO, senses, max_per_sense=1)
    keys = training["keys"].str.split().explode()
    assert keys.isin(set(senses.key)).all() and keys.value_counts().max() == 1
    assert len(prepare.prepare_wsd_training(DEMO, senses, max_per_sense=None)) > len(training)


def test_grammar_table_of_the_demo():
    frame = prepare.prepare_grammar(DEMO, limit=None)
    assert list(frame.columns) == ["file", "number", "text", "tree"] and len(frame) == 20
    assert prepare.prepare_grammar(DEMO, limit=5).equals(frame.head(5))
