"""Phrase-grammar induction: the greedy parser, bracketing F1 and baselines on hand-built trees,
the treebank reader, and the real Penn Treebank sample with and without MiniLM."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest

from posart.corpora.treebank import parse_tree, read_treebank
from posart.tasks import grammar


def test_greedy_split_of_a_known_distance_vector():
    # words w0..w4; the largest distance (0.9) lies between w1 and w2, then 0.5 between w3 and w4
    splits = grammar.greedy_splits(np.array([0.1, 0.9, 0.3, 0.5]))
    assert splits == {(0, 5): 2, (0, 2): 1, (2, 5): 4, (2, 4): 3}
    assert (
        grammar.bracketing(["w0", "w1", "w2", "w3", "w4"], splits)
        == "(T (T (T w0) (T w1)) (T (T (T w2) (T w3)) (T w4)))"
    )


def test_ties_split_at_the_first_largest_distance():
    assert grammar.greedy_splits(np.array([0.5, 0.5, 0.2])) == grammar.right_branching(4)
    assert grammar.greedy_splits(np.array([])) == {}


def test_branching_baselines():
    assert grammar.right_branching(4) == {(0, 4): 1, (1, 4): 2, (2, 4): 3}
    assert grammar.left_branching(4) == {(0, 2): 1, (0, 3): 2, (0, 4): 3}
    assert grammar.bracketing(list("abc"), grammar.left_branching(3)) == "(T (T (T a) (T b)) (T c))"


GOLD = "(S (NP (DT The) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))))"
SHORT = "(S (NP (NNS dogs)) (VP (VBP bark) (ADVP (RB loudly))))"


def test_gold_spans_drop_single_words_and_the_sentence():
    assert grammar.gold_spans(GOLD) == (6, {(0, 2), (2, 6), (3, 6), (4, 6)})
    assert grammar.gold_spans(SHORT) == (3, {(1, 3)})


def test_bracketing_f1_on_known_pairs():
    n, gold = grammar.gold_spans(GOLD)
    # right-branching: (1,6) (2,6) (3,6) (4,6) -> 3 of 4 right, 3 of 4 found
    assert grammar.sentence_f1(grammar.nontrivial(grammar.right_branching(n), n), gold) == 0.75
    # left-branching: (0,2) (0,3) (0,4) (0,5) -> 1 of 4
    assert grammar.sentence_f1(grammar.nontrivial(grammar.left_branching(n), n), gold) == 0.25
    # PRPN's convention for sentences without non-trivial spans
    assert grammar.sentence_f1(set(), set()) == 1.0
    assert grammar.sentence_f1({(0, 2)}, set()) == 0.0
    assert grammar.sentence_f1(set(), {(0, 2)}) == 0.0


def test_sentence_and_corpus_f1_differ_as_hand_computed():
    golds = [grammar.gold_spans(GOLD), grammar.gold_spans(SHORT)]
    predictions = [grammar.right_branching(6), grammar.left_branching(3)]
    # sentence F1: (0.75 + 0) / 2; corpus: 3 of 5 predicted spans right, 3 of 5 gold spans found
    assert grammar.score(predictions, golds) == pytest.approx((37.5, 60.0))


MRG = r"""( (S 
    (NP-SBJ-1 (DT The) (NN committee) )
    (VP (VBD approved) 
      (NP (DT the) ($ $) (CD 1\/2) (-NONE- *U*) (NN plan) )
      (S-ADV 
        (NP-SBJ (-NONE- *-1) )
        (VP (VBG citing) 
          (NP (NNS costs) ))))
    (. .) ))
( (FRAG (NP (NN Yes) ) (. !) ))
"""


def write_treebank(path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("treebank/combined/README", "not a tree")
        for name, text in files.items():
            zipped.writestr(f"treebank/combined/{name}", text)


def test_treebank_reader_removes_punctuation_traces_and_empty_constituents(tmp_path):
    path = tmp_path / "treebank.zip"
    write_treebank(path, {"wsj_9001.mrg": MRG})
    frame = read_treebank(path)
    assert frame[["file", "number", "text"]].values.tolist() == [
        ["wsj_9001.mrg", 0, "The committee approved the 1/2 plan citing costs"],
        ["wsj_9001.mrg", 1, "Yes"],
    ]
    assert frame.tree[0] == (
        "(S (NP-SBJ-1 (DT The) (NN committee)) (VP (VBD approved) (NP (DT the) (CD 1/2) "
        "(NN plan)) (S-ADV (VP (VBG citing) (NP (NNS costs))))))"
    )
    assert str(parse_tree(frame.tree[0])) == frame.tree[0]
    assert len(grammar.evaluable(frame)) == 1  # "Yes" has one word


@pytest.mark.parametrize(
    "text, problem",
    [
        ("( (S (NN a) )\n)) \n", r"wsj_9002.mrg:2: unbalanced"),
        ("( (S (NN a) \n", r"wsj_9002.mrg:1: tree not closed"),
        ("( (S (NN a) (NN b) c) )\n", r"wsj_9002.mrg:1: word 'c' beside"),
        ("( (S (NN a)) (S (NN b)) )\n", r"wsj_9002.mrg:1: expected a PTB tree"),
        ("( (S (. .) ) )\n", r"wsj_9002.mrg:1: no word left"),
    ],
)
def test_treebank_errors_name_file_and_line(tmp_path, text, problem):
    path = tmp_path / "treebank.zip"
    write_treebank(path, {"wsj_9002.mrg": text})
    with pytest.raises(ValueError, match=problem):
        read_treebank(path)


# --- the real treebank -------------------------------------------------------------------


@pytest.fixture(scope="module")
def treebank(shared_data):
    return read_treebank(shared_data / "nltk_data/corpora/treebank.zip")


def independent_spans(tree: str) -> tuple[int, set]:
    """Non-trivial spans of a bracket string, by a stack over its tokens (not posart's Tree)."""
    tokens = re.findall(r"\(|\)|[^\s()]+", tree)
    stack, spans, n = [], [], 0
    for i, token in enumerate(tokens):
        if token == "(":
            stack.append(n)
        elif token == ")":
            start = stack.pop()
            spans.append((start, n))
        elif tokens[i - 1] != "(":
            n += 1
    return n, {(a, b) for a, b in spans if b - a > 1 and (a, b) != (0, n)}


@pytest.mark.realdata
def test_real_treebank_and_baselines(treebank):
    assert len(treebank) == 3914 and treebank.file.nunique() == 199
    scored = (treebank.text.str.split().str.len() >= 2).sum()
    scores, trees = grammar.baselines(treebank, seed=0)
    assert set(scores.n_sentences) == {scored} and len(trees) == 3 * scored
    f1 = scores.set_index("baseline").f1
    # Kim et al. (2019) report 39.5 / 8.7 / 18.1 (right / left / random) on the WSJ test set
    assert 35 < f1.right_branching < 45 and f1.left_branching < f1.random < f1.right_branching
    print("baselines on the PTB sample:", scores.round(2).to_dict("records"))


@pytest.mark.realdata
@pytest.mark.slow
def test_real_grammar_with_minilm_raw_and_clipped(treebank, minilm, tmp_path):
    from posart import encode, postprocess, stats
    from posart.cache import ActivationCache
    from posart.detect import Criterion, outlier_table

    sample = treebank.head(200)
    path = tmp_path / "ptb.h5"
    encode.encode(minilm, list(dict.fromkeys(sample.text)), path)
    layer = 3
    with ActivationCache(path) as cache:
        table = outlier_table("minilm", "ptb", stats.compute(cache, special_tokens=False), Criterion())
        dims = table[(table.layer == layer) & table.is_outlier].dim.tolist()
        assert dims, "MiniLM's layer 3 has outlier dims on this sample"
        clip = postprocess.fit_clip(dims, cache.dim)
        raw, raw_trees = grammar.evaluate(cache, sample, lambda _, x: x, layers=[layer])
        clipped, _ = grammar.evaluate(cache, sample, lambda _, x: clip.apply(x), layers=[layer])
    scored = (sample.text.str.split().str.len() >= 2).sum()
    assert set(raw.n_sentences) == {scored} and len(raw_trees) == 2 * scored
    for frame in (raw, clipped):
        assert frame.f1.between(0, 100).all() and np.isfinite(frame.corpus_f1).all()
    # the saved trees re-scored without posart's parser or scorer give the same F1
    gold = dict(zip(zip(sample.file, sample.number), sample.tree))
    for distance, group in raw_trees.groupby("distance"):
        f1s = []
        for row in group.itertuples():
            n, predicted = independent_spans(row.tree)
            m, reference = independent_spans(gold[(row.file, row.number)])
            assert n == m
            both = len(predicted & reference)
            p = both / len(predicted) if predicted else 1.0
            r = both / len(reference) if reference else 1.0
            f1s.append(0 if p + r == 0 else 2 * p * r / (p + r))
        assert 100 * np.mean(f1s) == pytest.approx(raw.set_index("distance").f1[distance])
    baselines, _ = grammar.baselines(sample, seed=0)
    print(f"MiniLM layer {layer}, 200 PTB sentences; clipped dims {dims}")
    print(raw.assign(method="raw").round(2).to_dict("records"))
    print(clipped.assign(method="clip").round(2).to_dict("records"))
    print(baselines.round(2).to_dict("records"))


def test_table_best_layer_per_distance_and_baseline_rows():
    import pandas as pd

    from posart import tables

    results = pd.DataFrame(
        {
            "model": "m",
            "layer": [0, 1, 0, 1],
            "method": "raw",
            "distance": ["cosine", "cosine", "l2", "l2"],
            "f1": [20.0, 25.0, 18.0, 17.0],
            "corpus_f1": 0.0,
            "n_sentences": 3,
        }
    )
    baselines = pd.DataFrame(
        {
            "baseline": ["right_branching", "left_branching", "random"],
            "f1": [39.7, 8.3, 17.5],
            "corpus_f1": 0.0,
            "n_sentences": 3,
        }
    )
    _, shown = tables.table_grammar(results, baselines)
    assert shown.values.tolist() == [
        ["m", "25.00 (1)", "18.00 (0)"],
        ["right-branching", "39.70", "39.70"],
        ["left-branching", "8.30", "8.30"],
        ["random trees", "17.50", "17.50"],
    ]


def test_a_method_fitted_on_the_evaluated_sentences_is_fitted_per_layer(tmp_path):
    import pandas as pd

    from posart import fitting
    from posart.cache import ActivationCache
    from synthetic import write_cache

    rng = np.random.default_rng(0)
    write_cache(tmp_path / "c.h5", rng.normal(size=(2, 8, 3)).astype(np.float32), [4, 4])
    treebank = pd.DataFrame(
        {
            "file": "f",
            "number": [0, 1],
            "text": ["sentence 0", "sentence 1"],
            "tree": ["(S (NN sentence) (CD 0))", "(S (NN sentence) (CD 1))"],
        }
    )
    transform = fitting.Transform([], {"method": "standardize", "fit": "eval", "level": "sentences"})
    with ActivationCache(tmp_path / "c.h5") as cache:
        scores, _ = grammar.evaluate(cache, treebank, transform)
    assert sorted(transform._eval_maps) == [(0, None), (1, None)] and set(scores.n_sentences) == {2}
