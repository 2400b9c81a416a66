"""The shared linear classifier and the supervised-task helpers built on it."""

import logging

import numpy as np
import pandas as pd
import pytest
import torch

from posart.linear import last_epoch_fall, train_linear
from posart.tables import best_layer
from posart.tasks.supervised import evaluate_layer

TRAINING = dict(epochs=30, batch_size=16, lr=0.05, seed=0)


def blobs(n_per_class=40, d=5, seed=0):
    """Three well-separated classes: class c is centred at 6 * e_c, noise std 0.5."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    X = 6.0 * np.eye(d)[y] + rng.normal(scale=0.5, size=(len(y), d))
    return X.astype(np.float32), y


def test_separable_data_reaches_100_percent():
    X, y = blobs()
    model = train_linear(X, y, 3, **TRAINING)
    assert model.accuracy(X, y) == 100.0
    X_new, y_new = blobs(seed=1)
    assert model.accuracy(X_new, y_new) == 100.0
    assert model.weight.shape == (5, 3) and model.weight.dtype == np.float32
    # Column c of the weight scores class c: the logits are X @ weight + bias.
    np.testing.assert_array_equal(model.predict(X), np.argmax(X @ model.weight + model.bias, axis=1))


def test_same_seed_same_weights_and_global_rng_untouched():
    X, y = blobs()
    state = torch.get_rng_state()
    a = train_linear(X, y, 3, **TRAINING)
    assert torch.equal(torch.get_rng_state(), state)
    b = train_linear(X, y, 3, **TRAINING)
    c = train_linear(X, y, 3, **{**TRAINING, "seed": 1})
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)
    assert not np.array_equal(a.weight, c.weight)


def test_no_bias():
    X, y = blobs()
    model = train_linear(X, y, 3, **TRAINING, bias=False)
    assert model.bias is None
    assert set(model.state_dict()) == {"weight"}
    assert model.state_dict()["weight"].shape == (3, 5)  # torch layout: (n_classes, d)
    assert set(train_linear(X, y, 3, **TRAINING).state_dict()) == {"weight", "bias"}


def test_batch_size_is_respected(monkeypatch):
    seen = []
    original = torch.nn.functional.cross_entropy

    def spy(logits, target, *args, **kwargs):
        seen.append(len(target))
        return original(logits, target, *args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", spy)
    epochs = []
    X, y = blobs(n_per_class=4)
    y = y[:10] % 2
    train_linear(
        X[:10], y, 2, epochs=2, batch_size=4, lr=0.01, seed=0, progress=lambda epoch, loss: epochs.append((epoch, loss))
    )
    assert seen == [4, 4, 2, 4, 4, 2]
    assert [e for e, _ in epochs] == [1, 2] and all(loss > 0 for _, loss in epochs)


def test_labels_are_checked():
    X, y = blobs()
    with pytest.raises(ValueError, match=r"0\.\.1"):
        train_linear(X, y, 2, **TRAINING)


def test_evaluate_layer_reports_every_split_with_w_only_by_default():
    X, y = blobs()
    split = lambda s: (X[s::3], y[s::3])
    result, model = evaluate_layer(split(0), split(1), split(2), 3, **TRAINING)
    assert result == {"train": 100.0, "dev": 100.0, "test": 100.0}
    assert set(model.state_dict()) == {"weight"} and model.bias is None  # the paper's W, no bias
    _, biased = evaluate_layer(split(0), split(1), split(2), 3, **TRAINING, bias=True)
    assert set(biased.state_dict()) == {"weight", "bias"}


def test_losses_per_epoch_are_kept():
    X, y = blobs()
    reported = []
    model = train_linear(X, y, 3, **TRAINING, progress=lambda epoch, loss: reported.append(loss))
    assert model.losses == reported and len(reported) == TRAINING["epochs"]
    assert model.losses[-1] < model.losses[0]


def test_last_epoch_fall_hand_computed():
    assert last_epoch_fall([2.0, 1.0, 0.8]) == pytest.approx(0.2)
    assert last_epoch_fall([1.0, 1.0]) == 0.0
    assert last_epoch_fall([0.5, 0.6]) == pytest.approx(-0.2)  # rising: not "still falling"
    assert last_epoch_fall([1.0]) is None


def test_an_unconverged_probe_is_named_in_a_warning(caplog):
    caplog.set_level(logging.INFO, logger="posart")
    X, y = blobs()
    split = lambda s: (X[s::3], y[s::3])
    short = {**TRAINING, "epochs": 2, "lr": 0.01}
    evaluate_layer(split(0), split(1), split(2), 3, **short, convergence_tolerance=0.01, name="layer 4")
    assert "layer 4 training loss per epoch: " in caplog.text
    assert "layer 4 has not converged: the loss fell by" in caplog.text
    caplog.clear()
    evaluate_layer(split(0), split(1), split(2), 3, **short, convergence_tolerance=1.0, name="layer 4")
    assert "has not converged" not in caplog.text


def test_best_layer_selects_by_dev_and_reports_test():
    rows = []
    for method, dev, test in [("raw", [70, 80, 80], [90, 60, 75]), ("clip", [50, 40, 55], [10, 20, 30])]:
        for layer in range(3):
            rows += [
                ("sst2", layer, method, "dev", dev[layer]),
                ("sst2", layer, method, "test", test[layer]),
                ("sst2", layer, method, "train", 99.0),
            ]
    frame = pd.DataFrame(rows, columns=["task", "layer", "method", "split", "accuracy"])
    chosen = best_layer(frame).set_index("method")
    # raw: dev ties at layers 1 and 2 -> the lower layer, 1, whose test accuracy is 60.
    assert chosen.loc["raw", ["layer", "selection_accuracy", "accuracy"]].tolist() == [1, 80, 60]
    assert chosen.loc["clip", ["layer", "selection_accuracy", "accuracy"]].tolist() == [2, 55, 30]
    by_test = best_layer(frame, select_by="test").set_index("method")
    assert by_test.loc["raw", ["layer", "accuracy"]].tolist() == [0, 90]
    with pytest.raises(ValueError, match="validation"):
        best_layer(frame, select_by="validation")
