"""The dataset registry: its shape, its consistency with the downloads and the readers."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from posart import config, download, readers, registry, schema

PACKAGED = registry.load()
SCHEMA = schema.read(registry._resource("datasets.schema.yaml"))


def test_every_file_posart_reads_is_written_by_exactly_one_download():
    written = Counter(path for entry in PACKAGED.downloads.values() for path in download.entry_targets(entry))
    assert not [path for path, n in written.items() if n > 1]
    for name, dataset in PACKAGED.datasets.items():
        assert dataset.files() and (dataset.no_download or all(written[path] == 1 for path in dataset.files())), name


def test_task_entries_have_what_their_stage_needs():
    assert list(PACKAGED.task("sts")) == ["stsb", "sickr", "sts12", "sts13", "sts14", "sts15", "sts16"]
    assert PACKAGED.display_names("supervised") == {"sst2": "SST-2", "imdb": "IMDB", "sst5": "SST-5"}
    assert {name: d.n_classes for name, d in PACKAGED.task("supervised").items()} == {"sst2": 2, "imdb": 2, "sst5": 5}
    assert list(PACKAGED.dataset("sts13").parts) == ["FNWN", "headlines", "OnWN"]  # SentEval: no LDC `SMT`
    assert PACKAGED.dataset("wic").files(["dev"]) == ["WiC/dev/dev.data.txt", "WiC/dev/dev.gold.txt"]
    for dataset in PACKAGED.datasets.values():
        assert dataset.reader in readers.READERS and dataset.granularity in ("tokens", "sentences")


def test_unknown_names_are_errors_that_list_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'sts17'; the registry has stsb, sickr"):
        PACKAGED.dataset("sts17")
    with pytest.raises(ValueError, match=r"no part\(s\) \['validation'\]"):
        PACKAGED.dataset("wic").files(["validation"])
    with pytest.raises(ValueError, match="unknown reader 'conll'"):
        readers.read("conll", [])


def write_registry(tmp_path, datasets: dict, downloads: dict | None = None):
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets, "downloads": downloads or {}}, sort_keys=False))
    return path


STSB = {
    "task": "sts",
    "display": "STS-B",
    "description": "d",
    "reader": "stsb",
    "granularity": "sentences",
    "parts": {"stsb": ["stsbenchmark/sts-test.csv"]},
}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"reader": "conll"}, r"datasets\.yaml:\d+: datasets.x.reader: unknown reader 'conll'"),
        ({"granularity": "words"}, r"datasets\.yaml:\d+: datasets.x.granularity: 'words' is not one of"),
        ({"task": "supervised"}, r"datasets.x: 'n_classes' is a required property"),
        ({"parts": {"test": ["../outside.csv"]}}, r"datasets.x.parts.test\[0\]: '../outside.csv' does not match"),
        ({"parts": {"test": ["/abs/sts-test.csv"]}}, r"datasets.x.parts.test\[0\]: '/abs/sts-test.csv' does not match"),
        ({"dispaly": "typo"}, r"'dispaly' was unexpected"),
    ],
)
def test_bad_dataset_entries_name_the_key_and_line(tmp_path, change, expected):
    with pytest.raises(ValueError, match=expected):
        registry.load(write_registry(tmp_path, {"x": {**STSB, **change}}))


def test_bad_download_entries_name_the_key(tmp_path):
    source = {
        "url": "http://h/a.zip",
        "format": "rar",
        "sha256": None,
        "sha256_source": "none published",
        "members": {"a": "b"},
    }
    with pytest.raises(ValueError, match=r"downloads.x.sources\[0\].format: 'rar' is not one of"):
        registry.load(write_registry(tmp_path, {}, {"x": {"description": "d", "sources": [source]}}))
    for change, expected in [
        ({"format": "file"}, "'target' is a required property"),
        ({"sha256": "abc"}, "'abc' does not match"),
        ({"url": "ftp://h/a.zip"}, "does not match '\\^https"),
        ({"sha256_source": ""}, "should be non-empty"),
    ]:
        with pytest.raises(ValueError, match=expected):
            registry.load(
                write_registry(
                    tmp_path, {}, {"x": {"description": "d", "sources": [{**source, "format": "zip", **change}]}}
                )
            )


def test_a_key_written_twice_is_an_error(tmp_path):
    path = tmp_path / "datasets.yaml"
    path.write_text("datasets:\n  wic: {}\n  wic: {}\ndownloads: {}\n")
    with pytest.raises(ValueError, match=r"datasets.yaml:3: duplicate key 'datasets.wic' \(first written at line 2\)"):
        registry.load(path)


def test_the_shape_holds_the_datasets_to_come():
    """Entries as the coming stages need them (multi-file parts, archives read by member, a
    directory of shards, data never encoded) are valid registry entries; their readers are
    written with their stages."""
    wiki = [f"wikipedia/enwiki_wikiextractor/AA/wiki_{n:02d}" for n in range(25)]
    sets = ["senseval2", "senseval3", "semeval2007", "semeval2013", "semeval2015", "ALL"]
    root = "WSD/WSD_Evaluation_Framework/Evaluation_Datasets"
    coming = {
        "sst2_positions": {
            "task": "probe",
            "display": "SST-2",
            "description": "GLUE SST-2 splits",
            "reader": "glue_sst2",
            "granularity": "tokens",
            "parts": {s: [f"SST-2/{s}.tsv"] for s in ("train", "dev", "test")},
        },
        "wikipedia": {
            "task": "pretraining",
            "display": "Wikipedia",
            "description": "WikiExtractor sample",
            "reader": "wikiextractor",
            "parts": {"train": wiki},
        },
        "semcor": {
            "task": "wsd",
            "display": "SemCor 3.0",
            "description": "sense-tagged training corpus",
            "reader": "semcor",
            "granularity": "tokens",
            "options": {"members": "semcor3.0/brown*/tagfiles/*"},
            "parts": {"train": ["WSD/semcor3.0.tar.gz"]},
        },
        "raganato": {
            "task": "wsd",
            "display": "WSD",
            "description": "Raganato et al. 2017 evaluation sets",
            "reader": "raganato",
            "granularity": "tokens",
            "parts": {s: [f"{root}/{s}/{s}.data.xml", f"{root}/{s}/{s}.gold.key.txt"] for s in sets},
        },
        "ptb": {
            "task": "grammar",
            "display": "PTB",
            "description": "NLTK's 10% Penn Treebank sample",
            "reader": "treebank",
            "granularity": "tokens",
            "options": {"members": "treebank/combined/wsj_*.mrg"},
            "parts": {"test": ["nltk_data/corpora/treebank.zip"]},
        },
    }
    schema.validate({"datasets": coming, "downloads": {}}, SCHEMA, what="coming entries")


def test_config_schema_takes_its_dataset_names_from_the_registry(repo):
    """No hand-written list of dataset names in the config schema: posart.config injects them."""
    path = repo / "schemas" / "config.schema.yaml"
    raw = schema.read(path)["properties"]
    marked = [
        raw["sts"]["properties"]["datasets"]["items"],
        raw["supervised"]["properties"]["tasks"]["propertyNames"],
        raw["wic"]["properties"]["split"],
        raw["corpora"]["additionalProperties"]["properties"]["reader"],
    ]
    assert all("x-registry" in node and "enum" not in node for node in marked)
    properties = config.registry_schema(path)["properties"]
    assert properties["sts"]["properties"]["datasets"]["items"]["enum"] == list(PACKAGED.task("sts"))
    assert properties["supervised"]["properties"]["tasks"]["propertyNames"]["enum"] == ["sst2", "imdb", "sst5"]
    assert properties["wic"]["properties"]["split"]["enum"] == ["train", "dev", "test"]
    reader = properties["corpora"]["additionalProperties"]["properties"]["reader"]
    assert reader["enum"] == readers.sentence_readers() == ["glue_sst2", "glue_qqp", "plain_text"]
