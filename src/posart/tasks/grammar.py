"""Phrase-grammar induction from word vectors (the earlier version's experiment, after Kim et al. 2020).

Method (Kim et al. 2020, "Are pre-trained language models aware of phrases?"): a word's
vector is the mean of its subword vectors; the syntactic distance between adjacent words
w_i, w_{i+1} is a distance between their vectors (cosine distance 1 - cos, or L2); the tree
is built top-down by splitting a span at its largest distance (the first on ties), which
gives a binary tree (their `parser`, not the right-biased COO-NOT variant).

Evaluation (Kim et al. 2019's unsupervised-parsing protocol, which Kim et al. 2020 follow):
gold trees are cleaned by `posart.corpora.treebank` (punctuation, traces and empty elements
removed) and the models read the same cleaned words. Spans are unlabelled word ranges;
trivial spans -- single words and the whole sentence -- are ignored, in gold and prediction
alike (Kim et al.'s code drops the last span of the gold list instead, which keeps a
whole-sentence span repeated by a unary chain; the set form here counts none). Sentence F1
follows PRPN's convention: precision (recall) is 1 when the prediction (gold) has no
non-trivial span. Reported: the mean sentence F1 x100 over sentences of at least 2 words
(`f1`, the headline number) and corpus F1 x100 from the pooled counts (`corpus_f1`).
Baselines: right-branching, left-branching, and random trees (uniform random distances,
seeded, split by the same rule). Differences from Kim et al.'s setup: sentences are read
from the workflow's activation cache, encoded with the model's special tokens ([CLS],
[SEP]; Kim et al. encode without them), and the embedding output is scored as layer 0.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterable

import numpy as np
import pandas as pd

from posart.corpora.treebank import parse_tree
from posart.span_pooling import span_means, span_tokens

if TYPE_CHECKING:  # scoring and baselines run without h5py
    from posart.cache import ActivationCache

log = logging.getLogger(__name__)
DISTANCES = ("cosine", "l2")
BASELINES = ("right_branching", "left_branching", "random")
Span = tuple[int, int]


def greedy_splits(distances: np.ndarray) -> dict[Span, int]:
    """Top-down split of n = len(distances) + 1 words: {(start, stop): split} for every internal node,
    the node's children being words start:split and split:stop. distances[i] lies between
    words i and i + 1; a span splits after its largest distance, the first one on ties."""
    distances = [float(x) for x in distances]
    splits: dict[Span, int] = {}
    pending = [(0, len(distances) + 1)]
    while pending:
        start, stop = pending.pop()
        if stop - start < 2:
            continue
        inner = distances[start : stop - 1]
        split = start + inner.index(max(inner)) + 1
        splits[(start, stop)] = split
        pending += [(start, split), (split, stop)]
    return splits


def right_branching(n: int) -> dict[Span, int]:
    """(w0 (w1 (w2 ...)))."""
    return {(i, n): i + 1 for i in range(n - 1)}


def left_branching(n: int) -> dict[Span, int]:
    """(((w0 w1) w2) ...)."""
    return {(0, j): j - 1 for j in range(2, n + 1)}


def nontrivial(spans: Iterable[Span], n: int) -> set[Span]:
    """The spans of at least two words that are not the whole sentence."""
    return {(a, b) for a, b in spans if b - a >= 2 and (a, b) != (0, n)}


def gold_spans(tree: str) -> tuple[int, set[Span]]:
    """Number of words and non-trivial constituent spans of a cleaned gold tree string."""
    parsed = parse_tree(tree)
    n = len(parsed.words())
    return n, nontrivial(parsed.spans(), n)


def sentence_f1(predicted: set[Span], gold: set[Span]) -> float:
    """F1 in [0, 1] with PRPN's convention for empty span sets."""
    overlap = len(predicted & gold)
    precision = overlap / len(predicted) if predicted else 1.0
    recall = overlap / len(gold) if gold else 1.0
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def bracketing(words: list[str], splits: dict[Span, int]) -> str:
    """The binary tree as a bracket string, `(T (T w0) (T w1))`, readable by NLTK's Tree.fromstring."""

    def render(start: int, stop: int) -> str:
        if stop - start == 1:
            return f"(T {words[start]})"
        split = splits[(start, stop)]
        return f"(T {render(start, split)} {render(split, stop)})"

    return render(0, len(words))


def score(predictions: list[dict[Span, int]], golds: list[tuple[int, set[Span]]]) -> tuple[float, float]:
    """(mean sentence F1 x100, corpus F1 x100) of predicted trees against gold span sets."""
    if not predictions:
        raise ValueError("no sentence to score")
    f1s, tp, n_predicted, n_gold = [], 0, 0, 0
    for splits, (n, gold) in zip(predictions, golds, strict=True):
        predicted = nontrivial(splits, n)
        f1s.append(sentence_f1(predicted, gold))
        tp, n_predicted, n_gold = tp + len(predicted & gold), n_predicted + len(predicted), n_gold + len(gold)
    precision, recall = tp / max(n_predicted, 1), tp / max(n_gold, 1)
    corpus = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return 100.0 * float(np.mean(f1s)), 100.0 * corpus


def evaluable(treebank: pd.DataFrame) -> pd.DataFrame:
    """The sentences scored: at least 2 words (a 1-word sentence has no tree to induce)."""
    keep = treebank.text.str.split().str.len() >= 2
    if not keep.all():
        log.info("grammar: %d of %d sentences have fewer than 2 words and are not scored", (~keep).sum(), len(keep))
    return treebank[keep].reset_index(drop=True)


def baselines(treebank: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores [baseline, f1, corpus_f1, n_sentences] and trees [file, number, baseline, tree]."""
    treebank = evaluable(treebank)
    golds = [gold_spans(tree) for tree in treebank.tree]
    words = [text.split() for text in treebank.text]
    rng = np.random.default_rng(seed)
    built = {
        "right_branching": [right_branching(n) for n, _ in golds],
        "left_branching": [left_branching(n) for n, _ in golds],
        "random": [greedy_splits(rng.random(n - 1)) for n, _ in golds],
    }
    scores, trees = [], []
    for baseline, predictions in built.items():
        scores.append((baseline, *score(predictions, golds), len(golds)))
        trees.append(
            pd.DataFrame(
                {
                    "file": treebank.file,
                    "number": treebank.number,
                    "baseline": baseline,
                    "tree": [bracketing(w, s) for w, s in zip(words, predictions)],
                }
            )
        )
    return (
        pd.DataFrame(scores, columns=["baseline", "f1", "corpus_f1", "n_sentences"]),
        pd.concat(trees, ignore_index=True),
    )


def adjacent_distances(left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    """Cosine distance and L2 distance between rows left[i] and right[i], float64."""
    left, right = left.astype(np.float64), right.astype(np.float64)
    norms = np.linalg.norm(left, axis=1) * np.linalg.norm(right, axis=1)
    if (norms == 0).any():
        raise ValueError("cosine distance undefined: a word vector is zero")
    return {"cosine": 1.0 - np.einsum("ij,ij->i", left, right) / norms, "l2": np.linalg.norm(left - right, axis=1)}


def evaluate(
    cache: ActivationCache, treebank: pd.DataFrame, transform, layers: Iterable[int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores [layer, distance, f1, corpus_f1, n_sentences] and trees [file, number, layer, distance, tree].

    Word vectors stream from the cache one layer at a time; sentences the cache lacks or
    truncated (a word without tokens) are left out and counted in the log.
    """
    treebank = evaluable(treebank)
    rows = cache.rows_of(treebank.text)
    lengths = treebank.text.str.split().str.len().to_numpy()
    missing = rows < 0
    if missing.any():
        log.warning("grammar: %d of %d sentences are not in %s", missing.sum(), len(rows), cache.path)
    treebank, rows, lengths = treebank[~missing].reset_index(drop=True), rows[~missing], lengths[~missing]
    if not len(treebank):
        raise ValueError(f"grammar: none of the treebank sentences is in {cache.path}")
    word_sentence = np.repeat(np.arange(len(rows)), lengths)
    first_word = np.concatenate([[0], np.cumsum(lengths)])
    word_position = np.arange(first_word[-1]) - first_word[word_sentence]
    pairs = span_tokens(cache, rows[word_sentence], word_position, word_position + 1)
    encoded = np.zeros(first_word[-1], bool)
    encoded[pairs.span] = True
    kept = np.flatnonzero(np.logical_and.reduceat(encoded, first_word[:-1]))
    if len(kept) < len(treebank):
        log.warning("grammar: %d sentences truncated by the encoder are not scored", len(treebank) - len(kept))
    golds = [gold_spans(tree) for tree in treebank.tree]
    words = [text.split() for text in treebank.text]
    scores, trees = [], []
    for layer in range(cache.n_layers) if layers is None else layers:
        if getattr(transform, "fits_on_eval", False):  # a `fit: eval` method: fitted on the treebank's sentences
            transform.fit(layer, cache.sentence_means(layer))
        distances = {kind: np.full(first_word[-1], np.nan) for kind in DISTANCES}
        for ids, means in span_means(cache, layer, pairs):
            vectors = transform(layer, means)
            pair = np.flatnonzero((ids[1:] == ids[:-1] + 1) & (word_sentence[ids[1:]] == word_sentence[ids[:-1]]))
            for kind, values in adjacent_distances(vectors[pair], vectors[pair + 1]).items():
                distances[kind][ids[pair]] = values
        for kind in DISTANCES:
            predictions = [greedy_splits(distances[kind][first_word[i] : first_word[i + 1] - 1]) for i in kept]
            scores.append((layer, kind, *score(predictions, [golds[i] for i in kept]), len(kept)))
            trees.append(
                pd.DataFrame(
                    {
                        "file": treebank.file.to_numpy()[kept],
                        "number": treebank.number.to_numpy()[kept],
                        "layer": layer,
                        "distance": kind,
                        "tree": [bracketing(words[i], s) for i, s in zip(kept, predictions)],
                    }
                )
            )
        log.info("grammar: layer %d scored (%d sentences)", layer, len(kept))
    return (
        pd.DataFrame(scores, columns=["layer", "distance", "f1", "corpus_f1", "n_sentences"]),
        pd.concat(trees, ignore_index=True),
    )
