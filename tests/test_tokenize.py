"""Tokenisation: whitespace-word links, empty and over-long sentences, the columnar layout."""

import numpy as np

from posart.tokenize import normalise, tokenise, word_indices


def test_word_indices_by_hand():
    # "ab cd": [CLS] "ab" " cd" (a span that starts on the space) [SEP]; "e": [CLS] "e" "" [SEP]
    spans = np.array([[0, 0], [0, 2], [2, 5], [0, 0], [0, 0], [0, 1], [1, 1], [0, 0]])
    special = np.array([1, 0, 0, 1, 1, 0, 0, 1], bool)
    out = word_indices(["ab cd", "e"], np.array([4, 4]), spans, special)
    np.testing.assert_array_equal(out, [-1, 0, 1, -1, -1, 0, -1, -1])


def test_subwords_point_to_their_word(minilm):
    tokens, report = tokenise(minilm.tokenizer, ["unaffable  hello ,\tworld", "naïve café"], 512)
    # [CLS] una ##ffa ##ble hello , world [SEP] | [CLS] naive cafe [SEP]
    np.testing.assert_array_equal(tokens.word_index, [-1, 0, 0, 0, 1, 2, 3, -1, -1, 0, 1, -1])
    np.testing.assert_array_equal(tokens.offsets, [0, 8, 12])
    np.testing.assert_array_equal(tokens.position, [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3])
    np.testing.assert_array_equal(tokens.special, tokens.word_index == -1)
    assert tokens.texts == ["unaffable hello , world", "naïve café"]
    assert tokens.input_ids.tolist() == (
        minilm.tokenizer("unaffable hello , world")["input_ids"] + minilm.tokenizer("naïve café")["input_ids"]
    )
    assert (report.n_input, report.n_empty, report.n_truncated) == (2, 0, 0)


def test_empty_skipped_and_long_truncated_across_chunks(minilm):
    texts = ["a b", "", "word " * 20, " \n ", "c"]
    tokens, report = tokenise(minilm.tokenizer, texts, max_length=8, batch_size=2)
    assert (report.n_input, report.n_empty, report.n_truncated) == (5, 2, 1)
    assert tokens.source_index.tolist() == [0, 2, 4]
    assert tokens.truncated.tolist() == [False, True, False]
    assert tokens.lengths.tolist() == [4, 8, 3]
    np.testing.assert_array_equal(tokens.word_index[4:12], [-1, 0, 1, 2, 3, 4, 5, -1])
    part = tokens.sentences(1, 3)
    assert part.texts == [normalise("word " * 20), "c"] and part.offsets.tolist() == [0, 8, 11]
