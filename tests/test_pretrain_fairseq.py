"""fairseq backend: command lines and log parsing (no fairseq needed), then a short real training
run of both models and the converted models' hidden states against fairseq's own.

The real runs need the fairseq extra; they skip without it unless POSART_REQUIRE_FAIRSEQ=1,
which CI sets, so that a missing fairseq fails there instead of passing silently.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import need
from posart import models
from posart.pretrain import fairseq_backend, fairseq_convert, prepare, presets
from posart.pretrain.nope import MODEL_TYPE
from pretrain_corpus import write_corpus
from test_pretrain import MICRO, assert_bag_of_words, hidden_states

TOLERANCE = 1e-4  # the bound for converted hidden states


def test_train_command_has_table_4_settings_and_the_variant_flag(tmp_path, monkeypatch):
    monkeypatch.setattr(fairseq_backend, "executable", lambda name: name)
    preset = presets.get("paper")
    with_pe = fairseq_backend.train_command(preset, tmp_path / "bin", tmp_path / "ckpt", True, seed=1)
    without = fairseq_backend.train_command(preset, tmp_path / "bin", tmp_path / "ckpt", False, seed=1)
    assert set(without) - set(with_pe) == {"roberta_base_nope", "--user-dir", str(fairseq_backend.PLUGIN)}
    flags = dict(zip(with_pe[2::2], with_pe[3::2]))
    assert flags["--arch"] == "roberta_base" and flags["--encoder-layers"] == "12"
    assert (flags["--lr"], flags["--warmup-updates"], flags["--max-update"], flags["--batch-size"]) == (
        "0.0001",
        "10000",
        "200000",
        "256",
    )
    assert (flags["--adam-betas"], flags["--adam-eps"], flags["--clip-norm"], flags["--weight-decay"]) == (
        "(0.9,0.98)",
        "1e-06",
        "0.5",
        "0.01",
    )
    assert flags["--lr-scheduler"] == "polynomial_decay" and "--cpu" not in with_pe


def test_log_records_convert_base_2_losses_to_nats(tmp_path):
    log = tmp_path / "train.log"
    log.write_text(
        '2026-01-01 | INFO | train_inner | {"epoch": 1, "loss": "2", "ppl": "4", "wps": "1000.5", '
        '"num_updates": "10", "lr": "0.0003"}\n'
        "2026-01-01 | INFO | fairseq_cli.train | begin validation\n"
        '2026-01-01 | INFO | valid | {"epoch": 1, "valid_loss": "3", "valid_ppl": "8", "valid_num_updates": "10"}\n'
    )
    train, valid = fairseq_backend.log_records(log)
    assert train == {
        "step": 10,
        "split": "train",
        "loss": pytest.approx(2 * math.log(2)),
        "learning_rate": 0.0003,
        "tokens_per_s": 1000.5,
    }
    assert valid["loss"] == pytest.approx(3 * math.log(2)) and valid["perplexity"] == pytest.approx(8.0)


def test_parameter_names_map_onto_transformers():
    assert (
        fairseq_convert.hf_name("encoder.sentence_encoder.layers.3.self_attn.k_proj.weight")
        == "roberta.encoder.layer.3.attention.self.key.weight"
    )
    assert (
        fairseq_convert.hf_name("encoder.sentence_encoder.layers.0.final_layer_norm.bias")
        == "roberta.encoder.layer.0.output.LayerNorm.bias"
    )
    assert fairseq_convert.hf_name("encoder.sentence_encoder.layers.0.unknown.bias") is None


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fairseq")
    files = write_corpus(root / "wiki")
    prepare.prepare(files, root / "prepared", vocab_size=300, tokens_per_sample=32, valid_fraction=0.25, seed=0)
    return root


def test_dictionary_indices_equal_tokenizer_ids(corpus_dir):
    inputs = fairseq_backend.write_inputs(corpus_dir / "prepared", corpus_dir / "inputs")
    symbols = [line.split()[0] for line in (inputs / "dict.txt").read_text().splitlines()]
    assert symbols == [str(i) for i in range(4, 299)]  # fairseq index = 4 + row = the id itself
    first = (inputs / "valid.bpe").read_text().splitlines()[0].split()
    tokenizer = prepare.load_tokenizer(corpus_dir / "prepared")
    text = (corpus_dir / "prepared" / "valid.txt").read_text().splitlines()[0]
    assert [int(i) for i in first] == tokenizer(text, add_special_tokens=False)["input_ids"]


@pytest.fixture(scope="module")
def fairseq_runs(corpus_dir) -> dict[bool, Path]:
    need(
        "POSART_REQUIRE_FAIRSEQ",
        importlib.util.find_spec("fairseq") is not None,
        "fairseq is not installed (pip install --no-build-isolation -e '.[fairseq]')",
    )
    preset = presets.get("tiny", MICRO)
    runs = {}
    for position_embeddings in (True, False):
        run_dir = corpus_dir / ("pe" if position_embeddings else "nope")
        fairseq_backend.train(
            corpus_dir / "prepared", run_dir, preset, position_embeddings, seed=0, run=run_dir.name, threads=1
        )
        runs[position_embeddings] = run_dir
    return runs


def fairseq_hidden_states(run_dir: Path, tokens: torch.Tensor, monkeypatch) -> torch.Tensor:
    """fairseq's own forward pass: (layers, tokens, dim) for one sentence."""
    from argparse import Namespace

    from fairseq import checkpoint_utils, utils

    utils.import_user_module(Namespace(user_dir=str(fairseq_backend.PLUGIN)))  # roberta_base_nope
    for name, value in fairseq_backend.TRUSTED_CHECKPOINTS.items():
        monkeypatch.setenv(name, value)
    (model,), _, _ = checkpoint_utils.load_model_ensemble_and_task(
        [str(run_dir / "checkpoints" / "checkpoint_last.pt")], arg_overrides={"data": str(run_dir / "data-bin")}
    )
    model.eval()
    with torch.no_grad():
        _, extra = model(tokens, features_only=True, return_all_hiddens=True)
    return torch.stack([state.transpose(0, 1) for state in extra["inner_states"]])[:, 0]


@pytest.mark.slow
@pytest.mark.parametrize("position_embeddings", [True, False])
def test_converted_hidden_states_equal_fairseq(fairseq_runs, position_embeddings, monkeypatch):
    run_dir = fairseq_runs[position_embeddings]
    loaded = models.load(run_dir.name, {"source": "path", "path": str(run_dir / "model")})
    assert (loaded.model.config.model_type == MODEL_TYPE) is not position_embeddings
    tokens = torch.tensor([[0, *np.random.default_rng(3).integers(4, 299, 29).tolist(), 2]])
    expected = fairseq_hidden_states(run_dir, tokens, monkeypatch)
    got = hidden_states(loaded.model, tokens)
    assert got.shape == expected.shape == (MICRO["layers"] + 1, 31, MICRO["hidden"])
    assert (got - expected).abs().max().item() < TOLERANCE
    if not position_embeddings:
        assert not any("position" in name for name in loaded.model.state_dict())
        assert_bag_of_words(loaded.model, tokens, torch.randperm(31, generator=torch.Generator().manual_seed(0)))


@pytest.mark.slow
def test_fairseq_run_reports_curves_and_perplexity(fairseq_runs):
    for run_dir in fairseq_runs.values():
        curves = pd.read_csv(run_dir / "curves.csv")
        assert set(curves.split) == {"train", "valid"}
        assert sorted(curves.query("split == 'train' and metric == 'loss'").step) == [2, 4, 6, 8, 10, 12]
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["steps"] == 12 and summary["backend"] == "fairseq"
        assert 1 < summary["valid_perplexity"] < 300
        assert "checkpoint_last.pt" in {p.name for p in (run_dir / "checkpoints").iterdir()}


@pytest.mark.slow
def test_fairseq_resumes_from_its_last_checkpoint(fairseq_runs, tmp_path):
    """Raising max_steps on a finished run continues from checkpoint_last.pt (update 12), not from scratch."""
    run_dir = Path(shutil.copytree(fairseq_runs[True], tmp_path / "pe"))
    summary = fairseq_backend.train(
        fairseq_runs[True].parent / "prepared",
        run_dir,
        presets.get("tiny", {**MICRO, "max_steps": 14}),
        True,
        seed=0,
        run=run_dir.name,
        threads=1,
    )
    assert summary["resumed"] and summary["steps"] == 14
    this_session = (run_dir / "train.log").read_text().split("$ ")[-1]
    assert "Loaded checkpoint" in this_session and '"num_updates": "14"' in this_session
    assert '"num_updates": "2"' not in this_session


def test_conda_post_deploy_installs_the_pinned_fairseq(repo):
    """envs/fairseq.post-deploy.sh installs fairseq-fixed (the env file cannot); same pin as pyproject."""
    import re
    import tomllib

    extra = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["optional-dependencies"]["fairseq"]
    pinned = next(d for d in extra if d.startswith("fairseq-fixed=="))
    script = (repo / "envs" / "fairseq.post-deploy.sh").read_text()
    assert re.findall(r'"(fairseq-fixed==[^"]+)"', script) == [pinned]
    assert "--no-build-isolation" in script and "pip uninstall -y torchaudio" in script
