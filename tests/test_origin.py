"""Embedding statistics, position rows and LayerNorm ranks, against hand values and the raw weights."""

import numpy as np
import pandas as pd
import pytest

from posart import models, origin
from posart.detect import Criterion
from test_architectures import EXPECTED, randomise
from tiny_models import ARCHITECTURES, NO_POSITION_TABLE, build

CRITERION = Criterion()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_origin")
    return {
        arch: randomise(models.load(arch, {"source": "path", "path": str(build(arch, root / arch))}).model)
        for arch in ARCHITECTURES + NO_POSITION_TABLE
    }


def test_table_statistics_by_hand():
    matrix = np.array([[1.0, 5.0, -2.0], [0.0, 3.0, 4.0], [2.0, -1.0, 0.0], [0.0, 9.0, -3.0]])
    frame = origin.table_statistics(matrix, CRITERION)
    np.testing.assert_allclose(frame["mean"], [0.75, 4.0, -0.25])
    # row maxima at dims 1, 2, 0, 1; row minima at dims 2, 0, 1, 2
    np.testing.assert_allclose(frame.argmax_share, [0.25, 0.5, 0.25])
    np.testing.assert_allclose(frame.argmin_share, [0.25, 0.25, 0.5])
    assert frame.is_outlier.all()  # with 4 rows every share is >= 0.25 > 0.2: the documented small-table caveat


def test_ranks_by_magnitude_and_by_value():
    values = np.array([0.5, -3.0, 2.0, 2.0, -0.1])
    assert origin.ranks(values, "magnitude").tolist() == [4, 1, 2, 2, 5]
    assert origin.ranks(values, "value").tolist() == [3, 5, 1, 1, 4]
    with pytest.raises(ValueError, match="rank_by"):
        origin.ranks(values, "size")


def independent_rank(vector: np.ndarray, dim: int) -> int:
    """1 + how many entries are strictly larger in magnitude."""
    return 1 + int((np.abs(vector) > abs(vector[dim])).sum())


MODELS = ARCHITECTURES + NO_POSITION_TABLE + ("minilm",)


@pytest.fixture(scope="module")
def every_model(tiny, minilm):
    return {**tiny, "minilm": minilm.model}


@pytest.mark.parametrize("arch", MODELS)
def test_layernorm_ranks_match_the_weights(every_model, arch):
    model = every_model[arch]
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    _, (embedding, attention, output), _ = EXPECTED.get(arch, EXPECTED["bert"])
    hidden = model.config.hidden_size
    dims = [0, 3, hidden - 1]
    frame = origin.layernorm_ranks("m", model, dims)
    assert list(frame.columns) == origin.RANK_COLUMNS
    assert len(frame) == (1 + 2 * model.config.num_hidden_layers) * 2 * len(dims)
    for row in frame.itertuples():
        name = {"embedding": embedding, "attention": attention, "output": output}[row.ln].format(i=row.layer - 1)
        vector = state[f"{name}.{'weight' if row.param == 'gamma' else 'bias'}"]
        if len(vector) != hidden:  # ELECTRA/RoFormer embedding norm: embedding_size wide
            assert row.ln == "embedding" and pd.isna(row.rank) and np.isnan(row.value)
            continue
        assert row.rank == independent_rank(vector, row.dim)
        assert row.value == pytest.approx(float(vector[row.dim]))


@pytest.mark.parametrize("arch", MODELS)
def test_embedding_statistics_match_the_weights(every_model, arch):
    model = every_model[arch]
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    keys, _, offset = EXPECTED.get(arch, EXPECTED["bert"])
    frame = origin.embedding_statistics("m", model, CRITERION)
    assert list(frame.columns) == origin.EMBEDDING_COLUMNS
    for kind, key in keys.items():
        part = frame[frame.kind == kind]
        if key is None:  # the missing table is one row that says so
            assert len(part) == 1 and part.dim.isna().all() and part["mean"].isna().all()
            continue
        matrix = state[key][offset:] if kind == "position" else state[key]
        assert part.dim.tolist() == list(range(matrix.shape[1]))
        np.testing.assert_allclose(part["mean"], matrix.mean(axis=0), rtol=1e-5, atol=1e-7)
        for dim in (0, matrix.shape[1] - 1):
            row = part[part.dim == dim].iloc[0]
            assert row.argmax_share == pytest.approx(np.mean(matrix.argmax(axis=1) == dim))
            assert row.argmin_share == pytest.approx(np.mean(matrix.argmin(axis=1) == dim))


@pytest.mark.parametrize("arch", ["bert", "roberta", "minilm"])
def test_position_rows_are_table_rows(every_model, arch):
    model = every_model[arch]
    weight = model.state_dict()["embeddings.position_embeddings.weight"].numpy()
    frame = origin.position_rows("m", model, [3, 0])
    assert list(frame.columns) == origin.POSITION_ROW_COLUMNS
    assert frame["index"].unique().tolist() == [3, 0]
    np.testing.assert_array_equal(frame[frame["index"] == 3].value, weight[3])
    with pytest.raises(ValueError, match=r"origin.position_rows.*\[9999\]"):
        origin.position_rows("m", model, [0, 9999])


@pytest.mark.parametrize("arch", NO_POSITION_TABLE)
def test_no_position_table_gives_rows_saying_so_and_the_rest_runs(tiny, arch):
    model = tiny[arch]
    rows = origin.position_rows("m", model, [0, 1])
    assert rows["index"].tolist() == [0, 1] and rows.dim.isna().all() and rows.value.isna().all()
    ranks = origin.layernorm_ranks("m", model, [1, 2])
    assert ranks["rank"].notna().sum() >= 2 * 2 * 2 * model.config.num_hidden_layers


def test_no_outlier_dims_give_an_empty_rank_table(tiny):
    frame = origin.layernorm_ranks("m", tiny["bert"], [])
    assert frame.empty and list(frame.columns) == origin.RANK_COLUMNS


def test_dims_outside_the_model_are_an_error(tiny):
    with pytest.raises(ValueError, match=r"outside 0\.\.31"):
        origin.layernorm_ranks("m", tiny["bert"], [32])


def test_comparison_joins_hidden_outliers_with_each_table():
    embeddings = pd.concat(
        [
            pd.DataFrame(
                {
                    "model": "m",
                    "kind": "position",
                    "dim": range(4),
                    "mean": [0.0, 5.0, 0.1, -0.1],
                    "argmax_share": [0.0, 1.0, 0.0, 0.0],
                    "argmin_share": [0.0, 0.0, 0.5, 0.5],
                    "is_outlier": [False, True, False, False],
                }
            ),
            pd.DataFrame({"model": "m", "kind": "segment", "dim": [pd.NA], "mean": [np.nan]}),
        ]
    ).astype({"dim": "Int64"})
    outliers = pd.DataFrame({"layer": [0, 1, 2, 1], "dim": [1, 1, 1, 3], "is_outlier": [True, True, False, True]})
    frame = origin.comparison(embeddings, outliers, hidden_size=4)
    position = frame[frame.kind == "position"].set_index("dim")
    assert position.loc[1, "hidden_layers"] == "0;1" and position.loc[3, "hidden_layers"] == "1"
    assert bool(position.loc[1, "is_outlier"]) and not bool(position.loc[3, "is_outlier"])
    assert frame[frame.kind == "segment"].is_outlier.isna().all()


def test_figures_3_and_layernorm_heatmap_are_drawn(tiny, tmp_path):
    from posart import figures

    model = tiny["roberta"]
    rows = origin.position_rows("roberta", model, [0, 2, 3])
    figures.position_embeddings(rows, [1, 5], tmp_path / "fig3.png", offset=2)
    figures.layernorm_ranks(origin.layernorm_ranks("roberta", model, [1, 5, 7]), tmp_path / "ln.png")
    figures.position_embeddings(origin.position_rows("r", tiny["roformer"], [0]), [1], tmp_path / "none.png")
    figures.layernorm_ranks(origin.layernorm_ranks("b", tiny["bert"], []), tmp_path / "empty.png")
    for name in ("fig3", "ln", "none", "empty"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
