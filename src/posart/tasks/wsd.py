"""Word sense disambiguation by the nearest sense centroid (the earlier version's WSD experiment).

Training-free 1-nearest-neighbour WSD, as in Loureiro & Jorge's LMMS (2019) before its
extensions:
- a sense's vector, per layer, is the mean of the contextual vectors of its occurrences in
  SemCor; an occurrence's vector is the mean of its subword tokens, a multiword unit
  ("took place") pooling the subwords of all its words (`posart.span_pooling`); an
  occurrence tagged with several keys counts for each of them;
- a target's candidates are the WordNet 3.0 senses of its lemma and part of speech
  (`index.sense`); it is assigned the candidate whose sense vector is nearest by cosine,
  among candidates seen in SemCor (ties: the lower WordNet sense number);
- fallback: when no candidate was seen in SemCor (or the target's words were truncated
  away by the encoder), the target gets WordNet's first sense (sense number 1), the usual
  back-off of nearest-neighbour WSD. A lemma unseen in SemCor has no SemCor frequency, so
  the SemCor most-frequent-sense alternative would leave it unanswered. `coverage` is the
  share (%) of targets decided by the nearest-neighbour rule; the rest used the fallback.
- scoring follows Raganato et al.'s scorer: an answer is correct when it is one of the
  gold keys; P = correct / answered, R = correct / targets, F1 = 2PR / (P + R), x100. Every
  target with a WordNet entry for its lemma and part of speech is answered, so P = R = F1.

The post-processing `transform(layer, vectors)` is applied to every occurrence and target
vector before averaging and comparing; a method fitted on the evaluated sentences (`fit:
eval`, posart.fitting.Transform) is fitted on the mean-pooled vectors of the evaluation
sets' sentences, and that one map serves SemCor and the targets alike. Sense vectors are accumulated one sentence block
at a time from the SemCor cache (`span_means`), one layer at a time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterable, NamedTuple

import numpy as np
import pandas as pd

from posart.span_pooling import SpanTokens, span_means, span_tokens

if TYPE_CHECKING:  # the data env (prepare uses select_training) has no h5py
    from posart.cache import ActivationCache

log = logging.getLogger(__name__)
NEAREST, FIRST_SENSE = "nearest", "first_sense"
PAIR_BLOCK = 1 << 16


def candidate_senses(index: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """[target (row of `targets`), key, sense_number]: each target's WordNet senses, by sense number."""
    frame = targets[["lemma", "pos"]].reset_index(drop=True).rename_axis("target").reset_index()
    merged = frame.merge(index[["lemma", "pos", "key", "sense_number"]], on=["lemma", "pos"])
    return merged.sort_values(["target", "sense_number"], kind="stable")[["target", "key", "sense_number"]].reset_index(
        drop=True
    )


def select_training(semcor: pd.DataFrame, keys: Iterable[str], max_per_sense: int | None = None) -> pd.DataFrame:
    """The SemCor instances with a wanted key, their other keys dropped.

    With `max_per_sense`, a key keeps its first occurrences in corpus order; an instance is
    kept while any of its keys is under the cap. This bounds how much of SemCor is encoded.
    """
    wanted = set(keys)
    exploded = semcor.assign(key=semcor["keys"].str.split()).explode("key")
    exploded = exploded[exploded.key.isin(wanted)]
    if max_per_sense is not None:
        if max_per_sense < 1:
            raise ValueError(f"max_per_sense must be >= 1 or None, not {max_per_sense}")
        exploded = exploded[exploded.groupby("key").cumcount() < max_per_sense]
    keys_of = exploded.groupby("id", sort=False).key.agg(" ".join)
    selected = semcor[semcor.id.isin(keys_of.index)].copy()
    selected["keys"] = selected.id.map(keys_of)
    return selected.reset_index(drop=True)


class Located(NamedTuple):
    """Instances found in a cache: their positions in the instance table and their subword tokens."""

    found: np.ndarray
    pairs: SpanTokens


def locate(cache: ActivationCache, instances: pd.DataFrame) -> Located:
    """Find each instance's sentence in the cache by its text (a sentence the cache lacks is skipped)."""
    rows = cache.rows_of(instances.text)
    found = np.flatnonzero(rows >= 0)
    if len(found) < len(instances):
        log.warning(
            "WSD: %d of %d instances are in sentences missing from %s",
            len(instances) - len(found),
            len(instances),
            cache.path,
        )
    return Located(
        found, span_tokens(cache, rows[found], instances.start.to_numpy()[found], instances.stop.to_numpy()[found])
    )


class Membership(NamedTuple):
    """(found instance, key) pairs, sorted by instance: which wanted keys each found instance carries."""

    instance: np.ndarray
    key: np.ndarray
    n_keys: int


def sense_membership(training: pd.DataFrame, located: Located, keys: pd.Index) -> Membership:
    """The wanted `keys` (positions in `keys`) of each instance found in the cache."""
    exploded = pd.DataFrame(
        {"instance": np.arange(len(located.found)), "key": training["keys"].to_numpy()[located.found]}
    )
    exploded = exploded.assign(key=exploded.key.str.split()).explode("key")
    exploded = exploded[exploded.key.isin(keys)]
    return Membership(exploded.instance.to_numpy(np.int64), keys.get_indexer(exploded.key), len(keys))


def sense_vectors(
    cache: ActivationCache, layer: int, located: Located, membership: Membership, transform
) -> tuple[np.ndarray, np.ndarray]:
    """(sums (keys, k) float64, occurrence counts) of the transformed occurrence vectors of each key.

    k is the transform's output width (whitening may keep fewer dims than the model has).
    """
    sums = None
    counts = np.zeros(membership.n_keys, np.int64)
    encoded = 0
    for ids, means in span_means(cache, layer, located.pairs):
        vectors = transform(layer, means).astype(np.float64)
        if sums is None:
            sums = np.zeros((membership.n_keys, vectors.shape[1]), np.float64)
        lo, hi = np.searchsorted(membership.instance, [ids[0], ids[-1] + 1])
        instance, key = membership.instance[lo:hi], membership.key[lo:hi]
        kept = np.isin(instance, ids)  # an instance truncated away yields no mean
        order = np.argsort(key[kept], kind="stable")
        key = key[kept][order]
        vectors = vectors[np.searchsorted(ids, instance[kept][order])]
        if len(key):
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            sums[key[starts]] += np.add.reduceat(vectors, starts, axis=0)
            counts[key[starts]] += np.diff(np.r_[starts, len(key)])
        encoded += len(ids)
    if sums is None:
        raise ValueError(f"WSD: no training occurrence is encoded in {cache.path}")
    if encoded < len(located.found):
        log.warning("WSD: %d training occurrences truncated away by the encoder", len(located.found) - encoded)
    return sums, counts


def target_vectors(cache: ActivationCache, layer: int, located: Located, n_targets: int, transform) -> np.ndarray:
    """(n_targets, k) transformed target vectors; rows of NaN for targets without encoded tokens."""
    out = None
    for ids, means in span_means(cache, layer, located.pairs):
        vectors = transform(layer, means)
        if out is None:
            out = np.full((n_targets, vectors.shape[1]), np.nan, np.float32)
        out[located.found[ids]] = vectors
    if out is None:
        raise ValueError(f"WSD: no target is encoded in {cache.path}")
    return out


def nearest_senses(vectors: np.ndarray, centroids: np.ndarray, candidates: pd.DataFrame) -> pd.Series:
    """target -> index (row of `centroids`) of its nearest candidate by cosine.

    `candidates` [target, centroid] lists, per target, the candidates that have a centroid in
    the preferred order (ties go to the earlier); targets with NaN vectors or no candidate are absent.
    """
    unit = _unit(centroids)
    targets = _unit(vectors)
    pairs = candidates[np.isfinite(targets[candidates.target.to_numpy(), 0])]
    target, centroid = pairs.target.to_numpy(), pairs.centroid.to_numpy()
    cosine = np.concatenate(
        [
            np.einsum("ij,ij->i", targets[target[a : a + PAIR_BLOCK]], unit[centroid[a : a + PAIR_BLOCK]])
            for a in range(0, len(pairs), PAIR_BLOCK)
        ]
        or [np.empty(0)]
    )
    order = np.lexsort((np.arange(len(pairs)), -cosine, target))
    first = order[np.r_[True, target[order][1:] != target[order][:-1]]] if len(order) else order
    return pd.Series(centroid[first], index=target[first])


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("cosine undefined: a sense or target vector is zero")
    return x / norms


def score(predicted: pd.Series, gold: pd.Series) -> float:
    """Raganato's F1 x100: predicted keys ("" = unanswered) against space-separated gold keys."""
    answered = predicted != ""
    correct = sum(p in g.split() for p, g in zip(predicted[answered], gold[answered]))
    precision = correct / max(int(answered.sum()), 1)
    recall = correct / len(gold)
    return 0.0 if correct == 0 else 100.0 * 2 * precision * recall / (precision + recall)


def first_senses(index: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """WordNet's first sense of each target's lemma and part of speech ("" if WordNet lacks them)."""
    first = index[index.sense_number == 1].set_index(["lemma", "pos"]).key
    keys = pd.MultiIndex.from_frame(targets[["lemma", "pos"]]).map(first.to_dict().get)
    return pd.Series([k or "" for k in keys], index=targets.index)


def first_sense_baseline(targets: pd.DataFrame, index: pd.DataFrame) -> pd.DataFrame:
    """[dataset, f1, n_instances] of WordNet's first sense for every target."""
    return pd.DataFrame(
        [
            (name, score(first_senses(index, part), part["keys"]), len(part))
            for name, part in targets.groupby("dataset", sort=False)
        ],
        columns=["dataset", "f1", "n_instances"],
    )


def evaluate(
    train_cache: ActivationCache,
    training: pd.DataFrame,
    eval_cache: ActivationCache,
    targets: pd.DataFrame,
    index: pd.DataFrame,
    transform,
    layers: Iterable[int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores [dataset, layer, f1, coverage, n_instances] and predictions [dataset, id, layer, key, rule].

    `training`: SemCor instances (`select_training`); `targets`: the evaluation sets' instances
    with a `dataset` column. Sentences are found in the caches by their text.
    """
    targets = targets.reset_index(drop=True)
    candidates = candidate_senses(index, targets)
    keys = pd.Index(candidates.key.unique())
    fallback = first_senses(index, targets)
    unanswerable = fallback == ""
    if unanswerable.any():
        log.warning(
            "WSD: %d targets have no WordNet sense for their lemma and part of speech: unanswered", unanswerable.sum()
        )
    training_located = locate(train_cache, training)
    membership = sense_membership(training, training_located, keys)
    targets_located = locate(eval_cache, targets)
    scores, predictions = [], []
    for layer in range(train_cache.n_layers) if layers is None else layers:
        if getattr(transform, "fits_on_eval", False):  # a `fit: eval` method: fitted on the evaluation sentences
            transform.fit(layer, eval_cache.sentence_means(layer))
        sums, counts = sense_vectors(train_cache, layer, training_located, membership, transform)
        seen = np.flatnonzero(counts > 0)
        position = pd.Series(np.arange(len(seen)), index=keys[seen])
        usable = candidates[candidates.key.isin(position.index)]
        usable = pd.DataFrame({"target": usable.target.to_numpy(), "centroid": position[usable.key].to_numpy()})
        vectors = target_vectors(eval_cache, layer, targets_located, len(targets), transform)
        unencoded = int(np.isnan(vectors[:, 0]).sum())
        if unencoded and not scores:
            log.warning("WSD: %d targets not encoded (sentence missing or truncated): WordNet's first sense", unencoded)
        nearest = nearest_senses(vectors, sums[seen] / counts[seen, None], usable)
        key = fallback.copy()
        key[nearest.index] = keys[seen][nearest.to_numpy()]
        rule = np.where(np.isin(np.arange(len(targets)), nearest.index), NEAREST, FIRST_SENSE)
        predictions.append(
            pd.DataFrame({"dataset": targets.dataset, "id": targets.id, "layer": layer, "key": key, "rule": rule})
        )
        for name, part in targets.groupby("dataset", sort=False):
            scores.append(
                (
                    name,
                    layer,
                    score(key[part.index], part["keys"]),
                    100.0 * float(np.mean(rule[part.index] == NEAREST)),
                    len(part),
                )
            )
        log.info(
            "WSD layer %d: %d senses seen in SemCor; %d of %d targets by nearest sense",
            layer,
            len(seen),
            len(nearest),
            len(targets),
        )
    return (
        pd.DataFrame(scores, columns=["dataset", "layer", "f1", "coverage", "n_instances"]),
        pd.concat(predictions, ignore_index=True),
    )
