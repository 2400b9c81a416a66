"""WiC threshold accuracies and best-(layer, threshold) selection, hand-computed."""

import numpy as np
import pandas as pd
import pytest

from posart.tables import best_rows
from posart.tasks.wic import baseline_all_true, wic_accuracies

COSINES = np.array([0.2, 0.6, 0.8, 0.4])
LABELS = np.array([False, True, True, False])


def test_accuracy_per_threshold():
    # 0.1: all "same" -> 2/4; 0.5: [F, T, T, F] -> 4/4; 0.7: [F, F, T, F] -> 3/4; 0.9: none -> 2/4.
    np.testing.assert_allclose(wic_accuracies(COSINES, LABELS, [0.1, 0.5, 0.7, 0.9]), [50, 100, 75, 50])


def test_threshold_is_strict():
    # cosine 0.6 == threshold 0.6 is predicted "different": [F, F, T, F] -> 3/4.
    assert wic_accuracies(COSINES, LABELS, [0.6]).tolist() == [75.0]


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="boolean"):
        wic_accuracies(COSINES, LABELS.astype(int), [0.5])
    with pytest.raises(ValueError, match="equal-length"):
        wic_accuracies(COSINES[:3], LABELS, [0.5])


def test_baseline_all_true():
    assert baseline_all_true(LABELS) == 50.0
    assert baseline_all_true(np.array([True, True, True, False])) == 75.0


def test_best_breaks_ties_by_lowest_layer_then_threshold():
    frame = pd.DataFrame(
        {
            "model": "m",
            "method": "raw",
            "layer": [3, 1, 1, 2, 0],
            "threshold": [0.5, 0.7, 0.3, 0.1, 0.9],
            "accuracy": [60.0, 60.0, 60.0, 55.0, 59.9],
        }
    )
    for order in (frame, frame.iloc[::-1]):
        row = best_rows(order, ["model", "method"], "accuracy").iloc[0]
        assert (row.layer, row.threshold, row.accuracy) == (1, 0.3, 60.0)
    assert best_rows(frame.iloc[:0], ["model", "method"], "accuracy").empty
