"""Ethayarajh (2019) geometry on constructed vectors with known answers, and the samplers."""

import itertools

import numpy as np
import pytest

from posart.geometry import anisotropy, cosine_rows, draw_token_pairs, select_words, self_similarity

A = np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
B = np.array([[0.0, 2.0], [2.0, 2.0], [4.0, 3.0]])  # cosines: orthogonal 0, parallel 1, 24/25


def test_cosine_rows_hand_computed():
    np.testing.assert_allclose(cosine_rows(A, B), [0.0, 1.0, 0.96])
    assert cosine_rows(A.astype(np.float16), B.astype(np.float16)).dtype == np.float64


def test_cosine_rows_rejects_zero_vectors_and_shape_mismatch():
    with pytest.raises(ValueError, match=r"rows \[1\]"):
        cosine_rows(A, np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="equal shapes"):
        cosine_rows(A, B[:2])


def test_anisotropy_is_mean_pair_cosine():
    assert anisotropy(A, B) == pytest.approx((0.0 + 1.0 + 0.96) / 3)
    assert anisotropy(A, 5 * A) == pytest.approx(1.0)


def test_self_similarity_hand_computed():
    # Word 1: e0, e1, (e0 + e1)/sqrt2 at any length: cosines 0, 1/sqrt2, 1/sqrt2 -> sqrt2 / 3.
    # Word 2: opposite vectors -> -1.  Identical vectors -> 1.
    word1 = np.array([[2.0, 0.0], [0.0, 0.5], [3.0, 3.0]])
    word2 = np.array([[1.0, 0.0], [-2.0, 0.0]])
    assert self_similarity([word1]) == pytest.approx(np.sqrt(2) / 3)
    assert self_similarity([word1, word2]) == pytest.approx((np.sqrt(2) / 3 - 1) / 2)
    assert self_similarity([np.tile([[0.3, -1.2, 4.0]], (5, 1))]) == pytest.approx(1.0)


def test_self_similarity_matches_brute_force_over_distinct_pairs():
    rng = np.random.default_rng(0)
    groups = [rng.normal(size=(m, 6)) + 1.0 for m in (2, 3, 7)]
    brute = np.mean(
        [np.mean([cosine_rows(g[[i]], g[[j]])[0] for i, j in itertools.permutations(range(len(g)), 2)]) for g in groups]
    )
    assert self_similarity(groups) == pytest.approx(brute)


def test_self_similarity_needs_two_occurrences():
    with pytest.raises(ValueError, match="word 1 has 1"):
        self_similarity([np.eye(2), np.ones((1, 2))])
    with pytest.raises(ValueError, match="at least one word"):
        self_similarity([])


# Six sentences; the first and last token of each is special, so sentences 1 ([3, 4]) and
# 3 ([9]) have no eligible token, and sentences 0 and 5 exactly one each (1 and 15).
OFFSETS = np.array([0, 3, 5, 9, 10, 14, 17])
ELIGIBLE = np.ones(17, bool)
ELIGIBLE[[0, 2, 3, 4, 5, 8, 9, 10, 13, 14, 16]] = False
SENTENCE = np.repeat(np.arange(6), np.diff(OFFSETS))


def test_draw_token_pairs_uses_distinct_sentences_and_eligible_tokens():
    for seed in range(20):
        first, second = draw_token_pairs(OFFSETS, ELIGIBLE, n_pairs=2, seed=seed)
        tokens = np.concatenate([first, second])
        assert first.shape == second.shape == (2,)
        assert ELIGIBLE[tokens].all()
        # 4 usable sentences, 2 pairs: each usable sentence used exactly once.
        assert sorted(SENTENCE[tokens]) == [0, 2, 4, 5]
        assert {1, 15} <= set(tokens.tolist())


def test_draw_token_pairs_is_seeded_and_reaches_every_candidate():
    a = draw_token_pairs(OFFSETS, ELIGIBLE, 2, seed=3)
    b = draw_token_pairs(OFFSETS, ELIGIBLE, 2, seed=3)
    np.testing.assert_array_equal(a, b)
    seen = {int(t) for seed in range(200) for t in np.concatenate(draw_token_pairs(OFFSETS, ELIGIBLE, 2, seed))}
    assert seen == set(np.flatnonzero(ELIGIBLE).tolist())


def test_draw_token_pairs_errors():
    with pytest.raises(ValueError, match="only 4 have one"):
        draw_token_pairs(OFFSETS, ELIGIBLE, n_pairs=3, seed=0)
    with pytest.raises(ValueError, match="offsets"):
        draw_token_pairs(np.array([0, 3, 16]), ELIGIBLE, n_pairs=1, seed=0)


WORDS = {"the": {1, 2, 3, 4}, "cat": {1, 2}, "sat": {3}, "mat": {2, 4, 5}, "on": {1, 2, 3}}


def test_select_words_filters_by_distinct_sentences():
    picked = select_words(WORDS, min_sentences=3, n_words=10, seed=0)
    assert picked.words == ["mat", "on", "the"] and picked.n_eligible == 3


def test_select_words_is_seeded_and_independent_of_mapping_order():
    reordered = dict(reversed(list(WORDS.items())))
    picks = {seed: select_words(WORDS, 2, 2, seed) for seed in range(10)}
    for seed, picked in picks.items():
        assert picked == select_words(reordered, 2, 2, seed)
        assert len(picked.words) == 2 and picked.n_eligible == 4
        assert picked.words == sorted(picked.words) and set(picked.words) <= {"the", "cat", "mat", "on"}
    assert len({tuple(p.words) for p in picks.values()}) > 1
