"""Readers: exact counts on the real data, and the error paths on small files."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from posart import corpora, registry


def senteval_year(root: Path, name: str) -> pd.DataFrame:
    """[subset, sentence1, sentence2, score] of one STS year, its subsets (parts) from the registry."""
    parts = registry.load().dataset(name).parts
    frames = [
        corpora.read_senteval_sts(*(root / path for path in files)).assign(subset=part) for part, files in parts.items()
    ]
    return pd.concat(frames, ignore_index=True)[["subset", "sentence1", "sentence2", "score"]]


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


# --- real data -------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("split, n, n_pos", [("train", 67349, 37569), ("dev", 872, 444)])
def test_glue_sst2_real(shared_data, split, n, n_pos):
    frame = corpora.read_glue_sst2(shared_data / f"SST-2/{split}.tsv")
    assert list(frame.columns) == ["sentence", "label"]
    assert (len(frame), int(frame.label.sum())) == (n, n_pos)
    assert not frame.sentence.str.endswith(" ").any()


@pytest.mark.realdata
def test_glue_sst2_equals_senteval_binary(shared_data):
    """README: GLUE train is SentEval's sentiment-train plus a header."""
    glue = corpora.read_glue_sst2(shared_data / "SST-2/train.tsv")
    senteval = corpora.read_senteval_sst(shared_data / "SST/binary/sentiment-train", fine=False)
    pd.testing.assert_frame_equal(glue, senteval)


@pytest.mark.realdata
def test_glue_sst2_test_unlabelled(shared_data):
    frame = corpora.read_glue_sst2(shared_data / "SST-2/test.tsv")
    assert len(frame) == 1821 and (frame.label == -1).all()


@pytest.mark.realdata
def test_stsb_sick_real(shared_data):
    stsb = corpora.read_stsb(shared_data / "stsbenchmark/sts-test.csv")
    sick = corpora.read_sick(shared_data / "SICK/SICK_test_annotated.txt")
    assert len(stsb) == 1379 and len(sick) == 4927
    assert list(sick.columns) == list(stsb.columns) == ["sentence1", "sentence2", "score"]
    assert not sick.sentence2.str.contains("\r").any()
    assert len(corpora.read_sick(shared_data / "SICK/SICK.txt")) == 9840


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name, n", [("sts12", 3108), ("sts13", 1500), ("sts14", 3750), ("sts15", 3000), ("sts16", 1186)]
)
def test_senteval_sts_real(shared_data, name, n):
    frame = senteval_year(shared_data, name)
    assert len(frame) == n
    assert list(frame.subset.unique()) == list(registry.load().dataset(name).parts)
    assert frame.score.between(0, 5).all()


def senteval_load(directory: Path, subsets: list[str]) -> list[tuple]:
    """Reference: SentEval's STSEval.loadFile (senteval/sts.py), minus its length sort."""
    out = []
    for dataset in subsets:
        sent1, sent2 = zip(
            *[
                line.split("\t")
                for line in (directory / f"STS.input.{dataset}.txt").read_text(encoding="utf8").splitlines()
            ]
        )
        raw = np.array((directory / f"STS.gs.{dataset}.txt").read_text(encoding="utf8").splitlines())
        keep = raw != ""
        scores = [float(x) for x in raw[keep]]
        tokens1 = [s.split() for s, k in zip(sent1, keep) if k]
        tokens2 = [s.split() for s, k in zip(sent2, keep) if k]
        out += [(dataset, " ".join(a), " ".join(b), s) for a, b, s in zip(tokens1, tokens2, scores)]
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("year", [2012, 2015, 2016])
def test_senteval_sts_matches_senteval(shared_data, year):
    """SentEval's subsets of each year (STSEval's `self.datasets`, in its order) are the registry's parts."""
    subsets = {
        2012: ["MSRpar", "MSRvid", "SMTeuroparl", "surprise.OnWN", "surprise.SMTnews"],
        2015: ["answers-forums", "answers-students", "belief", "headlines", "images"],
        2016: ["answer-answer", "headlines", "plagiarism", "postediting", "question-question"],
    }[year]
    frame = senteval_year(shared_data, f"sts{year % 100}")
    directory = shared_data / f"STS/STS{year % 100}-en-test"
    assert list(frame.itertuples(index=False, name=None)) == senteval_load(directory, subsets)


@pytest.mark.realdata
def test_wic_real(shared_data):
    frame = corpora.read_wic(shared_data / "WiC/train/train.data.txt", shared_data / "WiC/train/train.gold.txt")
    assert list(frame.columns) == ["word", "pos", "index1", "index2", "sentence1", "sentence2", "label"]
    assert len(frame) == 5428 and int(frame.label.sum()) == 2714
    assert frame.label.dtype == bool and frame.index1.dtype == np.int64


@pytest.mark.realdata
def test_senteval_sst_real(shared_data):
    fine = corpora.read_senteval_sst(shared_data / "SST/fine/sentiment-train", fine=True)
    assert len(fine) == 8544
    assert fine.label.value_counts().sort_index().tolist() == [1092, 2218, 1624, 2322, 1288]
    assert len(corpora.read_senteval_sst(shared_data / "SST/binary/sentiment-test", fine=False)) == 1821


@pytest.mark.realdata
def test_imdb_real(shared_data):
    frame = corpora.read_imdb(shared_data / "IMDB/aclImdb_train.tar.gz", "train")
    assert len(frame) == 25000 and int(frame.label.sum()) == 12500
    assert not frame.text.str.contains("<br />", regex=False).any()
    assert frame.text.iloc[12500].startswith("Bromwell High")  # train/pos/0_9.txt, first pos member


# --- formats and error paths on small files ----------------------------------------------


@pytest.mark.parametrize(
    "read",
    [
        corpora.read_glue_sst2,
        corpora.read_glue_qqp,
        corpora.read_plain_text,
        corpora.read_stsb,
        corpora.read_sick,
        lambda p: corpora.read_imdb(p, "train"),
        lambda p: corpora.read_senteval_sst(p, True),
        lambda p: corpora.read_wic(p, p),
        lambda p: corpora.read_senteval_sts(p, p),
    ],
)
def test_missing_files_are_named(tmp_path, read):
    with pytest.raises(FileNotFoundError, match="nope"):
        read(tmp_path / "nope")


def test_glue_sst2_strips_the_space_before_the_tab(tmp_path):
    path = write(tmp_path / "train.tsv", "sentence\tlabel\na fine film \t1\nnot good  \t0\n")
    frame = corpora.read_glue_sst2(path)
    assert frame.sentence.tolist() == ["a fine film", "not good "]
    assert frame.label.tolist() == [1, 0] and frame.label.dtype == np.int64


def test_glue_sst2_test_file(tmp_path):
    frame = corpora.read_glue_sst2(write(tmp_path / "test.tsv", "index\tsentence\n0\tone .\n1\ttwo .\n"))
    assert frame.to_dict("list") == {"sentence": ["one .", "two ."], "label": [-1, -1]}


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("sentence\tlabel\nok \t1\nbad \t2\n", 3, "label 2 outside 0..1"),
        ("sentence\tlabel\nok \t1\nno tab here\n", 3, "expected 2"),
        ("sentence\tlabel\nok \t1\n \t0\n", 3, "empty sentence"),
        ("text\tlabel\nok \t1\n", 1, "expected header"),
        ("sentence\tlabel\nok \tyes\n", 2, "not an integer"),
    ],
)
def test_glue_sst2_malformed(tmp_path, body, line, message):
    path = write(tmp_path / "train.tsv", body)
    with pytest.raises(ValueError, match=rf"train\.tsv:{line}: .*{message}"):
        corpora.read_glue_sst2(path)


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_bytes(b"sentence\tlabel\nok \t1\nbad \xff \t0\n")
    with pytest.raises(ValueError, match=r"train\.tsv:3: not valid UTF-8"):
        corpora.read_glue_sst2(path)


QQP = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"


def test_glue_qqp_and_sentences(tmp_path):
    path = write(
        tmp_path / "train.tsv",
        QQP + "0\t1\t2\tHow do I cook rice?\tWhat is rice?\t0\n"
        "1\t1\t3\tHow do I cook rice?\tHow to cook rice?\t1\n"
        "2\t4\t5\tWhy?\t\t0\n",
    )
    frame = corpora.read_glue_qqp(path)
    assert list(frame.columns) == ["question1", "question2", "label"] and frame.label.tolist() == [0, 1, 0]
    assert corpora.qqp_sentences(frame).tolist() == [
        "How do I cook rice?",
        "What is rice?",
        "How to cook rice?",
        "Why?",
    ]


def test_glue_qqp_malformed_line(tmp_path):
    path = write(tmp_path / "train.tsv", QQP + "0\t1\t2\tq1\tq2\t0\n1\t3\t4\tq3 has a\ttab\tq4\t1\n")
    with pytest.raises(ValueError, match=r"train\.tsv:3: expected 6"):
        corpora.read_glue_qqp(path)


def test_plain_text_drops_blank_lines(tmp_path):
    path = write(tmp_path / "s.txt", "First line.\n\n   \nSecond line.\r\n")
    assert corpora.read_plain_text(path).sentence.tolist() == ["First line.", "Second line."]


def test_wic(tmp_path):
    data = write(
        tmp_path / "d.txt",
        "bank\tN\t3-1\tShe sat by the bank .\tThe bank closed early .\nrun\tV\t1-0\tThey ran home .\tRun the test .\n",
    )
    gold = write(tmp_path / "g.txt", "F\nT\n")
    frame = corpora.read_wic(data, gold)
    assert frame.to_dict("list") == {
        "word": ["bank", "run"],
        "pos": ["N", "V"],
        "index1": [3, 1],
        "index2": [1, 0],
        "sentence1": ["She sat by the bank .", "They ran home ."],
        "sentence2": ["The bank closed early .", "Run the test ."],
        "label": [False, True],
    }


@pytest.mark.parametrize(
    "data, gold, where, message",
    [
        ("bank\tN\t9-1\tShe sat by the bank .\tThe bank .\n", "T\n", "d.txt:1", "index1 9 outside"),
        ("bank\tX\t0-1\tbank .\tThe bank .\n", "T\n", "d.txt:1", "PoS 'X'"),
        ("bank\tN\t0\tbank .\tThe bank .\n", "T\n", "d.txt:1", "expected 2 '-'"),
        ("bank\tN\t0-1\tbank .\tThe bank .\n", "yes\n", "g.txt:1", "gold label .yes. is not T or F"),
    ],
)
def test_wic_malformed(tmp_path, data, gold, where, message):
    with pytest.raises(ValueError, match=rf"{where}: {message}"):
        corpora.read_wic(write(tmp_path / "d.txt", data), write(tmp_path / "g.txt", gold))


def test_wic_line_counts_must_agree(tmp_path):
    with pytest.raises(ValueError, match="has 1 lines but .* has 2"):
        corpora.read_wic(write(tmp_path / "d.txt", "a\tN\t0-0\ta\ta\n"), write(tmp_path / "g.txt", "T\nF\n"))


def test_stsb_reads_fields_1_to_7_without_quoting(tmp_path):
    path = write(
        tmp_path / "sts-test.csv",
        'main-news\theadlines\t2016\t0001\t4.2\tA "quoted start\tB\tsrc1\tsrc2\n'
        "main-forums\tanswers\t2015\t0002\t0\tC\tD\n",
    )
    frame = corpora.read_stsb(path)
    assert frame.to_dict("list") == {
        "sentence1": ['A "quoted start', "C"],
        "sentence2": ["B", "D"],
        "score": [4.2, 0.0],
    }


@pytest.mark.parametrize(
    "line, message",
    [
        ("g\tf\ty\t1\t5.5\ta\tb", "score 5.5 outside"),
        ("g\tf\ty\t1\tx\ta\tb", "score 'x' is not a number"),
        ("g\tf\ty\t1\t3\ta", "expected at least 7"),
    ],
)
def test_stsb_malformed(tmp_path, line, message):
    with pytest.raises(ValueError, match=rf"sts\.csv:2: {message}"):
        corpora.read_stsb(write(tmp_path / "sts.csv", "g\tf\ty\t1\t3\ta\tb\n" + line + "\n"))


SICK = "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n"


def test_sick_crlf(tmp_path):
    path = write(tmp_path / "SICK.txt", SICK + "1\tA dog runs\tA dog is running\t4.9\tENTAILMENT\n", newline="\r\n")
    assert corpora.read_sick(path).to_dict("list") == {
        "sentence1": ["A dog runs"],
        "sentence2": ["A dog is running"],
        "score": [4.9],
    }


def test_sick_malformed(tmp_path):
    with pytest.raises(ValueError, match=r"SICK\.txt:1: header lacks column\(s\) relatedness_score"):
        corpora.read_sick(write(tmp_path / "SICK.txt", "pair_ID\tsentence_A\tsentence_B\n"))
    with pytest.raises(ValueError, match=r"SICK\.txt:2: score 0\.5 outside \[1\.0, 5\.0\]"):
        corpora.read_sick(write(tmp_path / "SICK.txt", SICK + "1\ta\tb\t0.5\tNEUTRAL\n"))


def sts_dir(root: Path, name: str, blank_in: str | None = None) -> Path:
    """Files at the registry's paths of STS year `name`, two pairs per subset."""
    for subset, (inputs, golds) in registry.load().dataset(name).parts.items():
        write(root / inputs, f"a  {subset} one\tb {subset}\nsecond\tpair\n")
        write(root / golds, "4.5\n\n" if subset == blank_in else "4.5\n1\n")
    return root


def test_senteval_sts_skips_blank_gold_and_joins_tokens(tmp_path):
    frame = senteval_year(sts_dir(tmp_path, "sts13", blank_in="headlines"), "sts13")
    assert frame.subset.tolist() == ["FNWN", "FNWN", "headlines", "OnWN", "OnWN"]
    assert frame.iloc[0].tolist() == ["FNWN", "a FNWN one", "b FNWN", 4.5]


def test_senteval_sts_errors(tmp_path):
    root = sts_dir(tmp_path, "sts16") / "STS/STS16-en-test"
    inputs, golds = root / "STS.input.plagiarism.txt", root / "STS.gs.plagiarism.txt"
    write(golds, "4.5\nhigh\n")
    with pytest.raises(ValueError, match=r"STS\.gs\.plagiarism\.txt:2: gold score 'high'"):
        corpora.read_senteval_sts(inputs, golds)
    write(golds, "4.5\n")
    with pytest.raises(ValueError, match="has 2 lines but .*STS.gs.plagiarism.txt has 1"):
        corpora.read_senteval_sts(inputs, golds)
    write(golds, "4.5\n1\n")
    write(inputs, "one\ttwo\nthree\tfour\tfive\n")
    with pytest.raises(ValueError, match=r"STS\.input\.plagiarism\.txt:2: expected 2"):
        corpora.read_senteval_sts(inputs, golds)


def test_senteval_sst_binary_and_fine(tmp_path):
    binary = write(tmp_path / "sentiment-train", "a  good film . \t1\nbad . \t0\n")
    fine = write(tmp_path / "sentiment-fine", "4 a  great film .\n2 so-so .\n")
    assert corpora.read_senteval_sst(binary, fine=False).to_dict("list") == {
        "sentence": ["a good film .", "bad ."],
        "label": [1, 0],
    }
    assert corpora.read_senteval_sst(fine, fine=True).to_dict("list") == {
        "sentence": ["a great film .", "so-so ."],
        "label": [4, 2],
    }
    with pytest.raises(ValueError, match=r"sentiment-train:2: label 'a' is not an integer"):
        corpora.read_senteval_sst(write(tmp_path / "sentiment-train", "4 fine .\na bad line\n"), fine=True)
    with pytest.raises(ValueError, match=r"sentiment-train:1: label 5 outside 0..4"):
        corpora.read_senteval_sst(write(tmp_path / "sentiment-train", "5 fine .\n"), fine=True)
    with pytest.raises(ValueError, match=r"sentiment-train:1: expected 2"):
        corpora.read_senteval_sst(write(tmp_path / "sentiment-train", "4 fine .\n"), fine=False)


REVIEWS = {
    "aclImdb/train/pos/1_9.txt": "Loved it.<br /><br />Would watch again.",
    "aclImdb/train/neg/3_2.txt": "Dull.",
    "aclImdb/train/pos/0_8.txt": "Fine <BR/>fun.",
    "aclImdb/test/neg/0_1.txt": "Other split.",
    "aclImdb/train/urls_pos.txt": "http://x",
}


def imdb_archive(path: Path, reviews: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in reviews.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_imdb_archive_and_directory_agree(tmp_path):
    from_archive = corpora.read_imdb(imdb_archive(tmp_path / "train.tar.gz", REVIEWS), "train")
    for name, text in REVIEWS.items():
        write(tmp_path / "x" / name, text)
    from_tree = corpora.read_imdb(tmp_path / "x" / "aclImdb", "train")
    pd.testing.assert_frame_equal(from_archive, from_tree)
    assert from_archive.to_dict("list") == {
        "text": ["Dull.", "Fine  fun.", "Loved it.  Would watch again."],
        "label": [0, 1, 1],
    }


def test_imdb_errors(tmp_path):
    with pytest.raises(ValueError, match="no reviews aclImdb/dev"):
        corpora.read_imdb(imdb_archive(tmp_path / "a.tar.gz", REVIEWS), "dev")
    with pytest.raises(ValueError, match=r"aclImdb/train/neg/3_2\.txt: empty review"):
        corpora.read_imdb(imdb_archive(tmp_path / "b.tar.gz", {"aclImdb/train/neg/3_2.txt": " <br />"}), "train")


def test_sample_is_seeded_and_without_replacement():
    frame = pd.DataFrame({"x": range(100)})
    first = corpora.sample(frame, 10, seed=3)
    assert first.x.tolist() == corpora.sample(frame, 10, seed=3).x.tolist()
    assert first.x.tolist() != corpora.sample(frame, 10, seed=4).x.tolist()
    assert first.x.is_unique and first.x.is_monotonic_increasing and len(first) == 10
    assert corpora.sample(frame, None, 0) is frame and corpora.sample(frame, 100, 0) is frame
    with pytest.raises(ValueError, match=">= 0"):
        corpora.sample(frame, -1, 0)
