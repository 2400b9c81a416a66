"""The packaged MiniLM on real SST-2 splits: position probe per layer, and origin of the detected dims.

Small seeded samples keep CI short; the full-size run is the workflow's job. Numbers are
printed (pytest -s) and bounded by what a reviewer would accept, never pinned.
"""

import numpy as np
import pytest

from posart import encode, origin, prepare, probe, stats
from posart.cache import ActivationCache
from posart.detect import Criterion, outlier_table, outlier_union

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

SAMPLES = {"train": 300, "dev": 150, "test": 150}


@pytest.fixture(scope="module")
def sst2_splits(shared_data, minilm, tmp_path_factory):
    root = tmp_path_factory.mktemp("probe_real")
    caches = {}
    for split, n in SAMPLES.items():
        sentences, _ = prepare.prepare_probe("glue_sst2", split, shared_data, n, 0)
        encode.encode(minilm, prepare.texts(sentences), root / f"{split}.h5", dtype="float16")
        caches[split] = ActivationCache(root / f"{split}.h5")
    yield caches
    for cache in caches.values():
        cache.close()


def test_probe_accuracy_per_layer_on_real_sst2(sst2_splits):
    settings = probe.ProbeSettings(epochs=5)  # paper settings otherwise: P = 300, batch 128, Adam 1e-3
    result, accuracy, contributions = probe.run("minilm", sst2_splits, settings)
    table = accuracy.pivot(index="layer", columns="split", values="accuracy")
    print("MiniLM position-probe accuracy (x100) on SST-2 samples", SAMPLES, "\n", table.round(1))
    assert table.index.tolist() == list(range(7)) and set(table.columns) == {"train", "dev", "test"}
    position = sst2_splits["test"].field("position")
    chance = 100.0 * np.bincount(position).max() / len(position)
    assert table.loc[0, "test"] > max(50.0, 8 * chance), (table.loc[0, "test"], chance)
    assert table.loc[0, "test"] > table.loc[6, "test"]  # position fades with depth (Fig. 5a)
    assert set(contributions.layer) == set(range(7)) and (contributions.contribution >= 0).all()
    overall = contributions[contributions.position == "all"]
    assert len(overall) == 7 * 384


def test_origin_of_the_dims_detected_on_real_sst2(sst2_splits, minilm):
    moments = stats.compute(sst2_splits["train"])
    outliers = outlier_table("minilm", "sst2", moments, Criterion())
    dims = outlier_union(outliers)
    assert dims, "MiniLM flags outlier dims on SST-2 (see test_realdata)"
    ranks = origin.layernorm_ranks("minilm", minilm.model, dims)
    embeddings = origin.embedding_statistics("minilm", minilm.model, Criterion())
    compared = origin.comparison(embeddings, outliers, minilm.dim)
    assert len(ranks) == 13 * 2 * len(dims) and ranks["rank"].between(1, 384).all()
    assert set(compared.dim) == set(dims) and set(compared.kind) == {"position", "segment", "token"}
    best = ranks.groupby(["ln", "param", "dim"])["rank"].min().unstack("dim")
    print("outlier dims:", dims, "\nbest LayerNorm rank per dim over layers:\n", best)
    print(compared[compared.is_outlier.fillna(False).astype(bool)])
