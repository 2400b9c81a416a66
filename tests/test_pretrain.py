"""Pretraining (transformers backend): presets, corpus, blocks, masks, the no-PE architecture,
export, resume after a kill, and a tiny real run on the Wikipedia sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from posart import models
from posart.pretrain import architecture, blocks, corpus, export, perplexity, prepare, presets
from posart.pretrain.nope import MODEL_TYPE, RobertaNopeModel
from pretrain_corpus import write_corpus

MICRO = dict(
    layers=2,
    hidden=32,
    ffn=64,
    heads=2,
    tokens_per_sample=32,
    vocab_size=300,
    batch_size=8,
    max_steps=12,
    warmup_steps=2,
    save_every=4,
    eval_every=6,
    log_every=2,
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pretrain")
    files = write_corpus(root / "wiki")
    prepare.prepare(files, root / "prepared", vocab_size=300, tokens_per_sample=32, valid_fraction=0.25, seed=0)
    return root / "prepared"


# --- presets ---------------------------------------------------------------------------


def test_paper_preset_is_table_4():
    """Table 4 of the paper, typed from the paper."""
    paper = presets.get("paper")
    assert (paper.layers, paper.hidden, paper.ffn, paper.heads, paper.head_size) == (12, 768, 3072, 12, 64)
    assert (paper.dropout, paper.warmup_steps, paper.max_steps, paper.learning_rate) == (0.1, 10_000, 200_000, 1e-4)
    assert (paper.batch_size, paper.weight_decay, paper.lr_decay) == (256, 0.01, "polynomial")
    assert (paper.adam_eps, paper.adam_beta1, paper.adam_beta2, paper.clip_norm) == (1e-6, 0.9, 0.98, 0.5)


def test_small_presets_keep_table_4_optimisation():
    paper = presets.get("paper")
    for name in ("small", "tiny"):
        preset = presets.get(name)
        assert (
            preset.adam_eps,
            preset.adam_beta1,
            preset.adam_beta2,
            preset.clip_norm,
            preset.weight_decay,
            preset.dropout,
        ) == (paper.adam_eps, paper.adam_beta1, paper.adam_beta2, paper.clip_norm, paper.weight_decay, paper.dropout)
    assert presets.get("small").layers == 4


def test_preset_errors_name_the_key():
    with pytest.raises(KeyError, match="no_such"):
        presets.get("tiny", {"no_such": 1})
    with pytest.raises(KeyError, match="huge"):
        presets.get("huge")
    assert presets.get("tiny", {"max_steps": 7}).max_steps == 7


# --- corpus, tokenizer, blocks -----------------------------------------------------------


def test_split_is_seeded_and_by_document():
    ids = [str(i) for i in range(40)]
    first, again, other = (corpus.split_documents(ids, 0.1, seed) for seed in (3, 3, 4))
    assert first == again and first != other and len(first) == 4
    assert corpus.split_documents(ids[:2], 0.01, 0) and len(corpus.split_documents(ids[:2], 0.99, 0)) == 1
    with pytest.raises(ValueError, match="at least 2"):
        corpus.split_documents(["1"], 0.5, 0)


def test_prepared_text_drops_markup_and_keeps_documents_whole(prepared):
    train, valid = corpus.read_split(prepared, "train"), corpus.read_split(prepared, "valid")
    summary = json.loads((prepared / "corpus.json").read_text())
    assert (len(train), len(valid)) == (summary["train_lines"], summary["valid_lines"]) == (54, 18)
    assert (summary["train_documents"], summary["valid_documents"]) == (9, 3)
    assert not any("</dl>" in line or line.startswith("Article") for line in train + valid)


def test_tokenizer_follows_fairseq_layout(prepared):
    tokenizer = prepare.load_tokenizer(prepared)
    assert len(tokenizer) == 300
    assert [
        tokenizer.bos_token_id,
        tokenizer.pad_token_id,
        tokenizer.eos_token_id,
        tokenizer.unk_token_id,
        tokenizer.mask_token_id,
    ] == [0, 1, 2, 3, 299]


def test_streams_end_every_line_with_eos(prepared):
    tokenizer = prepare.load_tokenizer(prepared)
    ids, lengths = blocks.load_stream(prepared / "valid.npz")
    ends = np.cumsum(lengths) - 1
    assert (ids[ends] == tokenizer.eos_token_id).all() and (ids == tokenizer.eos_token_id).sum() == len(lengths)
    first = tokenizer(corpus.read_split(prepared, "valid")[0], add_special_tokens=False)["input_ids"]
    assert ids[: lengths[0]].tolist() == first + [tokenizer.eos_token_id]


def test_make_blocks_hand_computed():
    made = blocks.make_blocks(np.array([5, 6, 7, 8, 9]), tokens_per_sample=3, bos=0)
    assert [b.tolist() for b in made] == [[0, 5, 6], [0, 7, 8], [0, 9]]
    with pytest.raises(ValueError, match="at least 2"):
        blocks.make_blocks(np.array([5]), 1, 0)


def test_fixed_masks_are_reproducible_and_skip_specials():
    rows = [np.array([0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2]), np.array([0, 2])]
    masked = perplexity.fixed_masks(rows, mask_id=99, special_ids=[0, 1, 2], mask_prob=0.2, seed=5)
    again = perplexity.fixed_masks(rows, mask_id=99, special_ids=[0, 1, 2], mask_prob=0.2, seed=5)
    assert len(masked.inputs) == 1  # a block of specials only has nothing to mask
    assert masked.n_masked == 2  # round(0.2 x 10)
    assert all((a == b).all() for a, b in zip(masked.inputs, again.inputs))
    hidden = masked.inputs[0] == 99
    assert (masked.targets[0][hidden] == rows[0][hidden]).all() and not hidden[[0, -1]].any()


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    class Uniform(torch.nn.Module):
        def forward(self, input_ids, attention_mask):
            return type("Out", (), {"logits": torch.zeros(*input_ids.shape, 50)})()

    masked = perplexity.fixed_masks([np.arange(3, 20)], mask_id=49, special_ids=[0, 1, 2], mask_prob=0.3, seed=0)
    result = perplexity.masked_perplexity(Uniform(), masked, pad_id=1)
    assert result["perplexity"] == pytest.approx(50.0)


# --- the no-position-embedding architecture ---------------------------------------------


def random_pair(prepared):
    tokenizer = prepare.load_tokenizer(prepared)
    preset = presets.get("tiny", MICRO)
    built = []
    for position_embeddings in (True, False):
        torch.manual_seed(0)
        built.append(architecture.masked_lm(preset, tokenizer, position_embeddings).eval())
    return tokenizer, built


def hidden_states(model, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.stack(model(input_ids=ids, output_hidden_states=True).hidden_states)[:, 0]


def assert_bag_of_words(model, ids: torch.Tensor, permutation: torch.Tensor):
    states, permuted = hidden_states(model, ids), hidden_states(model, ids[:, permutation])
    torch.testing.assert_close(permuted, states[:, permutation], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(permuted.mean(dim=1), states.mean(dim=1), atol=1e-5, rtol=1e-5)


def test_nope_is_a_bag_of_words_and_pe_is_not(prepared):
    _, (with_pe, without_pe) = random_pair(prepared)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(4, 299, (1, 24), generator=generator)
    permutation = torch.randperm(24, generator=generator)
    assert_bag_of_words(without_pe, ids, permutation)
    states, permuted = hidden_states(with_pe, ids), hidden_states(with_pe, ids[:, permutation])
    assert (permuted.mean(dim=1) - states.mean(dim=1)).abs().max() > 1e-2


def test_nope_has_no_position_module(prepared):
    _, (with_pe, without_pe) = random_pair(prepared)
    assert any("position_embeddings" in name for name in with_pe.state_dict())
    assert not any("position" in name for name in without_pe.state_dict())
    assert without_pe.config.model_type == MODEL_TYPE and without_pe.config.max_position_embeddings is None
    assert not any(isinstance(m, torch.nn.Embedding) and m.num_embeddings == 34 for m in without_pe.modules())


def test_export_loads_with_posart_models_and_hashes_stably(prepared, tmp_path):
    tokenizer, (_, without_pe) = random_pair(prepared)
    directory = export.save_model(without_pe, tokenizer, tmp_path / "nope", seed=0)
    first = models.load("nope", {"source": "path", "path": str(directory)})
    second = models.load("nope", {"source": "path", "path": str(directory)})
    assert isinstance(first.model, RobertaNopeModel)
    assert first.weight_hash == second.weight_hash  # the pooler is saved, not drawn at load time
    assert "roberta.pooler.dense.weight" in load_file(directory / "model.safetensors")
    ids = torch.randint(4, 299, (1, 10))
    torch.testing.assert_close(hidden_states(first.model, ids), hidden_states(without_pe.roberta, ids))
    assert first.max_length == 32  # the tokenizer's limit: there is no position table to bound it


# --- training, kill and resume ------------------------------------------------------------

CHILD = """
import os, signal, sys
from transformers import TrainerCallback
from posart.pretrain import presets, transformers_backend

class KillAfterSave(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step == int(os.environ.get("KILL_AFTER", "0")):
            os.kill(os.getpid(), signal.SIGKILL)

preset = presets.get("tiny", {MICRO})
transformers_backend.train(sys.argv[1], sys.argv[2], preset, sys.argv[3] == "pe", seed=0, run="micro",
                           threads=1, callbacks=[KillAfterSave()])
"""


def train_child(prepared: Path, run_dir: Path, kill_after: int = 0, pe: bool = True):
    script = run_dir.parent / "child.py"
    script.write_text(CHILD.replace("{MICRO}", repr(MICRO)))
    env = {**os.environ, "KILL_AFTER": str(kill_after)}
    return subprocess.run(
        [sys.executable, str(script), str(prepared), str(run_dir), "pe" if pe else "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def uninterrupted(prepared) -> Path:
    run_dir = prepared.parent / "uninterrupted"
    result = train_child(prepared, run_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir


@pytest.mark.slow
def test_training_reports_progress_and_curves(uninterrupted):
    curves = pd.read_csv(uninterrupted / "curves.csv")
    assert list(curves.columns) == ["run", "backend", "step", "split", "metric", "value"]
    train = curves[curves.split == "train"]
    assert set(train.metric) == {"loss", "learning_rate", "tokens_per_s"}
    assert sorted(train[train.metric == "loss"].step) == [2, 4, 6, 8, 10, 12]
    valid = curves[(curves.split == "valid") & (curves.metric == "perplexity")]
    assert valid.step.tolist() == [6, 12]
    summary = json.loads((uninterrupted / "summary.json").read_text())
    assert summary["steps"] == 12 and summary["resumed_from"] is None
    assert summary["valid_perplexity"] == pytest.approx(valid.value.iloc[-1])
    assert summary["valid_perplexity"] < 300  # better than a uniform guess over the vocabulary
    assert sorted(p.name for p in (uninterrupted / "checkpoints").iterdir()) == [
        "checkpoint-12",
        "checkpoint-4",
        "checkpoint-8",
    ]


@pytest.mark.slow
def test_resume_after_kill_reaches_the_same_weights(prepared, uninterrupted, tmp_path):
    run_dir = tmp_path / "killed"
    killed = train_child(prepared, run_dir, kill_after=8)
    assert killed.returncode == -9 and not (run_dir / "model").exists()
    resumed = train_child(prepared, run_dir)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "step 10/12" in resumed.stderr and "step 2/12" not in resumed.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["resumed_from"].endswith("checkpoint-8")
    expected, got = (load_file(d / "model" / "model.safetensors") for d in (uninterrupted, run_dir))
    assert expected.keys() == got.keys()
    for name in expected:  # bit-identical: checkpoints restore optimiser, scheduler, data order and RNGs
        torch.testing.assert_close(got[name], expected[name], atol=0, rtol=0, msg=name)
    steps = pd.read_csv(run_dir / "curves.csv").query("split == 'train' and metric == 'loss'").step
    assert sorted(steps) == [2, 4, 6, 8, 10, 12]


# --- real data ----------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_tiny_pretraining_on_the_wikipedia_sample(shared_data, tmp_path):
    """Prepare 40 real articles, train the tiny pair briefly, load both like any model."""
    from posart.pretrain import transformers_backend

    files = corpus.expand([str(shared_data / "wikipedia/enwiki_wikiextractor/AA/wiki_00")])
    preset = presets.get("tiny", {"max_steps": 60, "save_every": 30, "eval_every": 30})
    summary = prepare.prepare(
        files,
        tmp_path / "prepared",
        preset.vocab_size,
        preset.tokens_per_sample,
        valid_fraction=0.1,
        seed=0,
        max_documents=38,
    )
    assert (summary["train_documents"], summary["valid_documents"]) == (34, 4)
    results = {}
    for position_embeddings in (True, False):
        run_dir = tmp_path / ("pe" if position_embeddings else "nope")
        results[position_embeddings] = transformers_backend.train(
            tmp_path / "prepared", run_dir, preset, position_embeddings, seed=0, run=run_dir.name, threads=1
        )
        loaded = models.load(run_dir.name, {"source": "path", "path": str(run_dir / "model")})
        assert loaded.n_layers == preset.layers + 1 and loaded.dim == preset.hidden
    for result in results.values():
        assert 1 < result["valid_perplexity"] < preset.vocab_size


# --- outlier summary ------------------------------------------------------------------------


def test_layer_summary_hand_computed():
    from posart.detect import Criterion
    from posart.pretrain.outlier_summary import layer_summary

    mean = np.zeros((2, 4))
    mean[1, 2] = 50.0
    high = np.array([[0.25, 0.25, 0.25, 0.25], [0.1, 0.0, 0.9, 0.0]])
    low = np.array([[0.4, 0.2, 0.2, 0.2], [0.3, 0.3, 0.0, 0.4]])
    stats = {"token_mean": mean, "token_argmax_share": high, "token_argmin_share": low}
    table = layer_summary("m", stats, Criterion(share_threshold=0.5, z_threshold=6.0))
    assert table[["layer", "argmax_dim", "argmin_dim"]].values.tolist() == [[0, 0, 0], [1, 2, 3]]
    assert table.argmax_share.tolist() == [0.25, 0.9] and table.argmin_share.tolist() == [0.4, 0.4]
    assert table.outlier_dims.tolist() == ["", "2"] and (table.chance_share == 0.25).all()


def test_table4_and_training_curves(tmp_path):
    from posart.pretrain import figure, table4

    summary = {
        "preset": presets.get("paper").as_dict(),
        "position_embeddings": False,
        "backend": "fairseq",
        "steps": 200_000,
        "valid_perplexity": 354.04,
        "vocabulary": 50265,
    }
    outliers = pd.DataFrame(
        {
            "model": ["nope"] * 2,
            "layer": [0, 1],
            "argmax_dim": [3, 81],
            "argmax_share": [0.01, 0.8256],
            "argmin_dim": [5, 7],
            "argmin_share": [0.02, 0.3],
            "chance_share": [1 / 768] * 2,
            "outlier_dims": ["", "81"],
        }
    )
    numbers, hyper, shown = table4.build({"nope": summary}, outliers)
    rows = dict(zip(hyper["hyper-parameter"], hyper["nope"]))
    assert rows["number of layers"] == "12" and rows["Adam (eps, beta1, beta2)"] == "(1e-06, 0.9, 0.98)"
    assert rows["validation perplexity"] == "354.04" and rows["position embeddings"] == "no"
    assert shown["most often max: dim (share %)"].tolist() == ["3 (1.00)", "81 (82.56)"]
    assert list(numbers.columns) == table4.COLUMNS and set(numbers.section) == {"hyperparameters", "outliers"}
    table4.write(numbers, hyper, shown, tmp_path / "t.csv", tmp_path / "t.md", tmp_path / "t.tex", "Table 4.")
    assert "82.56" in (tmp_path / "t.md").read_text() and "tabular" in (tmp_path / "t.tex").read_text()
    curves = pd.DataFrame(
        {
            "run": "nope",
            "backend": "fairseq",
            "step": [1, 2, 2],
            "split": ["train", "train", "valid"],
            "metric": ["loss", "loss", "perplexity"],
            "value": [9.0, 8.0, 300.0],
        }
    )
    figure.training_curves(curves, tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
