"""Word-span pooling and nearest-sense WSD on hand-built caches; the real evaluation sets with MiniLM."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from posart.cache import STRING, ActivationCache
from posart.corpora.sense_tagged import COLUMNS
from posart.corpora.wordnet import COLUMNS as INDEX_COLUMNS
from posart.span_pooling import span_means, span_tokens
from posart.tasks import wsd
from synthetic import write_cache


def token_cache(path, sentences: list[tuple[str, list[int], list]]) -> ActivationCache:
    """A cache of (text, word index per token (-1: special), token vectors (tokens, d)) sentences, 2 equal layers."""
    vectors = np.concatenate([np.asarray(v, np.float32) for _, _, v in sentences])
    write_cache(path, np.stack([vectors, vectors]), [len(w) for _, w, _ in sentences])
    with h5py.File(path, "a") as h5:
        del h5["text"], h5["word_index"]
        h5.create_dataset("text", data=[text for text, _, _ in sentences], dtype=STRING)
        h5.create_dataset("word_index", data=np.concatenate([w for _, w, _ in sentences]).astype(np.int32))
    return ActivationCache(path)


def collect(cache, layer, pairs, max_tokens=1 << 14) -> dict[int, list]:
    return {
        int(i): m.tolist() for ids, means in span_means(cache, layer, pairs, max_tokens) for i, m in zip(ids, means)
    }


def test_span_means_pool_all_subwords_of_a_span(tmp_path):
    with token_cache(
        tmp_path / "c.h5",
        [
            ("a b c", [-1, 0, 1, 1, 2, -1], [[t, 0] for t in range(6)]),  # "b" has two subwords
            ("d e", [-1, 0, 1, -1], [[t, 1] for t in range(6, 10)]),
        ],
    ) as cache:
        # spans: "b c"; "a"; "a b" overlapping the first; "e" of sentence 1; "a" again
        pairs = span_tokens(cache, np.array([0, 0, 0, 1, 0]), np.array([1, 0, 0, 1, 0]), np.array([3, 1, 2, 2, 1]))
        expected = {0: [3, 0], 1: [1, 0], 2: [2, 0], 3: [8, 1], 4: [1, 0]}
        assert collect(cache, 0, pairs) == expected
        assert collect(cache, 1, pairs, max_tokens=4) == expected  # one sentence per block
        for rows, starts, stops, problem in [
            ([2], [0], [1], "sentence row 2"),
            ([0], [2], [4], "do not fit"),
            ([0], [1], [1], "do not fit"),
        ]:
            with pytest.raises(ValueError, match=problem):
                span_tokens(cache, np.array(rows), np.array(starts), np.array(stops))


def test_truncated_span_yields_nothing(tmp_path):
    # "a b c" encoded only up to "b" (c lost to truncation)
    with token_cache(tmp_path / "c.h5", [("a b c", [-1, 0, 1, -1], [[1, 0], [2, 0], [3, 0], [4, 0]])]) as cache:
        pairs = span_tokens(cache, np.array([0, 0]), np.array([1, 2]), np.array([2, 3]))
        assert collect(cache, 0, pairs) == {0: [3, 0]}


INDEX = pd.DataFrame(
    [
        ("bank%1:14:00::", "bank", "n", "08420278", 2, 20),  # finance
        ("bank%1:17:01::", "bank", "n", "09213565", 1, 25),  # river
        ("bank%1:04:00::", "bank", "n", "00169305", 3, 0),  # never seen in training
        ("run%2:38:00::", "run", "v", "01926311", 1, 9),
        ("plant%1:06:01::", "plant", "n", "00017222", 1, 9),
        ("plant%1:03:00::", "plant", "n", "03956922", 2, 5),
    ],
    columns=INDEX_COLUMNS,
)


def tagged(texts: dict[str, str], instances: list[tuple], dataset: str | None = None) -> pd.DataFrame:
    """An instance table from (id, sentence_id, start, stop, lemma, pos, keys) rows and sentence texts."""
    rows = [(i, s, texts[s], *rest) for i, s, *rest in instances]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame if dataset is None else frame.assign(dataset=dataset)


TRAINING = tagged(
    {"s0": "money bank", "s1": "river bank", "s2": "the bank vault", "s3": "plant"},
    [
        ("s0.t0", "s0", 1, 2, "bank", "n", "bank%1:14:00::"),
        ("s1.t0", "s1", 1, 2, "bank", "n", "bank%1:17:01::"),
        ("s2.t0", "s2", 1, 2, "bank", "n", "bank%1:14:00::"),
        ("s3.t0", "s3", 0, 1, "plant", "n", "plant%1:03:00:: plant%1:06:01::"),
    ],
)
EVALUATION = tagged(
    {"e0": "a bank loan", "e1": "the bank shore", "e2": "they run", "e3": "plant"},
    [
        ("e0.t0", "e0", 1, 2, "bank", "n", "bank%1:14:00::"),
        ("e1.t0", "e1", 1, 2, "bank", "n", "bank%1:14:00::"),
        ("e2.t0", "e2", 1, 2, "run", "v", "run%2:38:00::"),
        ("e3.t0", "e3", 0, 1, "plant", "n", "plant%1:03:00::"),
    ],
    dataset="demo",
)


@pytest.fixture
def caches(tmp_path):
    train = token_cache(
        tmp_path / "train.h5",
        [
            ("money bank", [-1, 0, 1, -1], [[5, 5], [9, 9], [1, 0], [5, 5]]),
            ("river bank", [-1, 0, 1, -1], [[5, 5], [9, 9], [0, 1], [5, 5]]),
            ("the bank vault", [-1, 0, 1, 1, 2, -1], [[5, 5], [9, 9], [0.7, 0.3], [0.9, 0.1], [9, 9], [5, 5]]),
            ("plant", [-1, 0, -1], [[5, 5], [1, 1], [5, 5]]),
        ],
    )
    evaluation = token_cache(
        tmp_path / "eval.h5",
        [
            ("a bank loan", [-1, 0, 1, 2, -1], [[5, 5], [9, 9], [0.9, 0.1], [9, 9], [5, 5]]),
            ("the bank shore", [-1, 0, 1, 2, -1], [[5, 5], [9, 9], [0.1, 0.9], [9, 9], [5, 5]]),
            ("they run", [-1, 0, 1, -1], [[5, 5], [9, 9], [1, 1], [5, 5]]),
            ("plant", [-1, 0, -1], [[5, 5], [1, 0], [5, 5]]),
        ],
    )
    yield train, evaluation
    train.close()
    evaluation.close()


def test_candidates_and_first_senses():
    frame = wsd.candidate_senses(INDEX, EVALUATION)
    assert frame.values.tolist() == [
        [0, "bank%1:17:01::", 1],
        [0, "bank%1:14:00::", 2],
        [0, "bank%1:04:00::", 3],
        [1, "bank%1:17:01::", 1],
        [1, "bank%1:14:00::", 2],
        [1, "bank%1:04:00::", 3],
        [2, "run%2:38:00::", 1],
        [3, "plant%1:06:01::", 1],
        [3, "plant%1:03:00::", 2],
    ]
    assert wsd.first_senses(INDEX, EVALUATION).tolist() == [
        "bank%1:17:01::",
        "bank%1:17:01::",
        "run%2:38:00::",
        "plant%1:06:01::",
    ]


def test_select_training_caps_occurrences_per_sense():
    selected = wsd.select_training(TRAINING, ["bank%1:14:00::", "plant%1:06:01::"], max_per_sense=1)
    assert selected[["id", "text", "keys"]].values.tolist() == [
        ["s0.t0", "money bank", "bank%1:14:00::"],
        ["s3.t0", "plant", "plant%1:06:01::"],
    ]
    assert len(wsd.select_training(TRAINING, ["bank%1:14:00::"])) == 2


def test_raganato_score():
    gold = pd.Series(["a%1:0 b%1:0", "c%1:0", "d%1:0", "e%1:0"])
    assert wsd.score(pd.Series(["b%1:0", "c%1:0", "x%1:0", "e%1:0"]), gold) == 75.0  # any gold key counts
    # one unanswered: P = 2/3, R = 2/4 -> F1 = 4/7
    assert wsd.score(pd.Series(["a%1:0", "", "x%1:0", "e%1:0"]), gold) == pytest.approx(100 * 4 / 7)


def test_nearest_sense_with_fallback_and_ties(caches):
    train, evaluation = caches
    scores, predictions = wsd.evaluate(train, TRAINING, evaluation, EVALUATION, INDEX, lambda _, x: x)
    # e0 -> finance centroid mean([1,0],[0.8,0.2]) (right); e1 -> river (wrong); e2: run unseen -> first sense
    # (right); e3: both plant senses share the centroid [1,1] -> tie -> sense number 1 (wrong)
    layer0 = predictions[predictions.layer == 0]
    assert layer0.key.tolist() == ["bank%1:14:00::", "bank%1:17:01::", "run%2:38:00::", "plant%1:06:01::"]
    assert layer0.rule.tolist() == ["nearest", "nearest", "first_sense", "nearest"]
    assert scores.values.tolist() == [["demo", 0, 50.0, 75.0, 4], ["demo", 1, 50.0, 75.0, 4]]


def test_transform_applies_to_sense_and_target_vectors(caches):
    train, evaluation = caches
    shrink = np.diag([1.0, 0.1])
    scores, predictions = wsd.evaluate(
        train, TRAINING, evaluation, EVALUATION, INDEX, lambda _, x: x @ shrink, layers=[1]
    )
    # e1 [0.1, 0.09]: cos to finance [0.9, 0.01] = 0.751 > cos to river [0, 0.1] = 0.669
    assert predictions.key[1] == "bank%1:14:00::"
    assert scores.f1.tolist() == [75.0]


def test_a_transform_may_change_the_width(caches):
    """Whitening may keep fewer dims than the model has; here 2 -> 3 dims, same cosine ranking as raw."""
    train, evaluation = caches
    widen = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    scores, _ = wsd.evaluate(train, TRAINING, evaluation, EVALUATION, INDEX, lambda _, x: x @ widen, layers=[0])
    assert scores.f1.tolist() == [50.0]


def test_evaluation_sets_may_share_sentences(caches):
    train, evaluation = caches
    both = pd.concat([EVALUATION.assign(dataset="a"), EVALUATION.assign(dataset="b")])
    scores, _ = wsd.evaluate(train, TRAINING, evaluation, both, INDEX, lambda _, x: x, layers=[0])
    assert scores[["dataset", "f1"]].values.tolist() == [["a", 50.0], ["b", 50.0]]


def test_first_sense_baseline():
    frame = wsd.first_sense_baseline(EVALUATION, INDEX)
    assert frame.values.tolist() == [["demo", 25.0, 4]]  # only run's first sense is gold


# --- the real evaluation sets ---------------------------------------------------------------

SETS = ("senseval2", "senseval3", "semeval2007", "semeval2013", "semeval2015", "ALL")


@pytest.mark.realdata
@pytest.mark.slow
def test_real_wsd_with_minilm_raw_and_clipped(shared_data, wordnet_dir, minilm, tmp_path):
    from posart import encode, postprocess, stats
    from posart.corpora.raganato import read_raganato
    from posart.corpora.semcor import read_semcor
    from posart.corpora.wordnet import index_sense_path, read_index_sense
    from posart.detect import Criterion, outlier_table

    folder = shared_data / "WSD/WSD_Evaluation_Framework/Evaluation_Datasets"
    targets = pd.concat(
        [
            read_raganato(folder / f"{name}/{name}.data.xml", folder / f"{name}/{name}.gold.key.txt").assign(
                dataset=name
            )
            for name in SETS
        ],
        ignore_index=True,
    )
    every = targets[targets.dataset == "ALL"]
    index = read_index_sense(index_sense_path(wordnet_dir))
    baseline = wsd.first_sense_baseline(targets, index).set_index("dataset").f1
    assert round(baseline["ALL"], 1) == 65.2  # WordNet's first sense on ALL, as Raganato et al. (2017) report
    # Encoding all of SemCor (37k sentences) takes too long here: keep, for each WordNet sense of
    # a target's lemma, its first SemCor occurrence only (4,950 sentences, ~170k tokens).
    candidates = wsd.candidate_senses(index, every)
    training = wsd.select_training(read_semcor(shared_data / "WSD/semcor3.0.tar.gz"), candidates.key, 1)
    assert training["keys"].str.split().explode().value_counts().max() == 1
    encode.encode(minilm, list(dict.fromkeys(targets.text)), tmp_path / "eval.h5")
    encode.encode(minilm, list(dict.fromkeys(training.text)), tmp_path / "semcor.h5")
    layer = 4
    with ActivationCache(tmp_path / "eval.h5") as evaluation, ActivationCache(tmp_path / "semcor.h5") as train:
        table = outlier_table("minilm", "ALL", stats.compute(evaluation, special_tokens=False), Criterion())
        dims = table[(table.layer == layer) & table.is_outlier].dim.tolist()
        assert dims, "MiniLM's layer 4 has outlier dims on these sentences"
        clip = postprocess.fit_clip(dims, evaluation.dim)
        raw, predictions = wsd.evaluate(train, training, evaluation, targets, index, lambda _, x: x, layers=[layer])
        clipped, _ = wsd.evaluate(
            train, training, evaluation, targets, index, lambda _, x: clip.apply(x), layers=[layer]
        )
    assert (
        raw.dataset.tolist() == list(SETS)
        and raw.n_instances.tolist() == targets.dataset.value_counts()[list(SETS)].tolist()
    )
    seen = index.assign(seen=index.key.isin(set(training["keys"].str.split().explode())))
    lemma_seen = seen.groupby(["lemma", "pos"]).seen.any()
    for name, part in predictions.groupby("dataset", sort=False):
        # coverage: targets with a candidate sense seen in the SemCor sample, counted independently
        lemmas = pd.MultiIndex.from_frame(targets[targets.dataset == name][["lemma", "pos"]])
        assert 100 * lemma_seen.reindex(lemmas, fill_value=False).mean() == pytest.approx(
            raw.set_index("dataset").coverage[name]
        )
        # F1 re-scored from the gold file's lines, as Raganato's scorer does
        lines = (folder / f"{name}/{name}.gold.key.txt").read_text().split("\n")
        gold = {line.split(" ")[0]: set(line.split(" ")[1:]) for line in lines if line}
        correct = sum(key in gold[i] for i, key in zip(part.id, part.key))
        assert 100 * correct / len(gold) == pytest.approx(raw.set_index("dataset").f1[name])
    # better than a random candidate (expected accuracy: gold candidates / candidates per target)
    frame = candidates.merge(every.reset_index(drop=True).reset_index(names="target"), on="target")
    frame["gold"] = [key in keys.split() for key, keys in zip(frame.key, frame["keys"])]
    random = 100 * frame.groupby("target").gold.mean().mean()
    assert raw.set_index("dataset").f1["ALL"] > random
    print(f"MiniLM layer {layer}; SemCor sample: {training.text.nunique()} sentences; clipped dims {dims}")
    print(pd.concat([raw.assign(method="raw"), clipped.assign(method="clip")]).round(2).to_string(index=False))
    print("WordNet first sense:", baseline.round(2).to_dict(), f"random candidate on ALL: {random:.2f}")


def test_table_best_layer_per_set_and_the_first_sense_row():
    from posart import tables

    results = pd.DataFrame(
        {
            "model": "m",
            "dataset": ["senseval2", "senseval2", "ALL", "ALL"] * 2,
            "layer": [0, 1] * 4,
            "method": ["raw"] * 4 + ["clip"] * 4,
            "f1": [40.0, 45.0, 60.0, 55.0, 41.0, 44.0, 61.0, 61.0],
            "coverage": 90.0,
            "n_instances": 10,
        }
    )
    baseline = pd.DataFrame(
        {
            "dataset": ["senseval2", "ALL"],
            "baseline": "wordnet_first_sense",
            "f1": [66.78, 65.19],
            "n_instances": [2282, 7253],
        }
    )
    numbers, shown = tables.table_wsd(results, baseline, ["senseval2", "ALL"])
    # clip on ALL: a tie (61.0 at layers 0 and 1) goes to the lower layer
    assert shown.values.tolist() == [
        ["m", "45.00 (1)", "60.00 (0)"],
        ["m-clip", "44.00 (1)", "61.00 (0)"],
        ["WordNet first sense", "66.78", "65.19"],
    ]
    assert numbers["ALL layer"].tolist()[:2] == [0, 0] and numbers["ALL layer"].isna().tolist()[2]


def test_a_method_fitted_on_the_evaluated_sentences_is_fitted_per_layer(caches):
    from posart import fitting

    train, evaluation = caches
    transform = fitting.Transform([], {"method": "standardize", "fit": "eval", "level": "sentences"})
    scores, _ = wsd.evaluate(train, TRAINING, evaluation, EVALUATION, INDEX, transform)
    assert sorted(transform._eval_maps) == [(0, None), (1, None)] and len(scores) == 2
