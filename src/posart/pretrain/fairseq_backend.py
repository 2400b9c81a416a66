"""Pretrain with fairseq, the paper's toolkit: fairseq-preprocess, fairseq-train, conversion.

The prepared token streams (posart.pretrain.prepare) are written as fairseq-preprocess
input, one line of BPE ids per text line, with a `dict.txt` listing every BPE symbol in id
order, so fairseq's dictionary indices equal the tokenizer's ids (`<mask>`, appended by the
masked_lm task, is the tokenizer's last id). fairseq-train then runs `--arch roberta_base`
with the preset's sizes (for the variant `roberta_base_nope`, which is roberta_base with
`no_token_positional_embeddings` set, see posart_fairseq) and the preset's optimisation; `--sample-break-mode none` packs blocks as posart.pretrain.blocks
does. Progress goes to the terminal and `train.log` as fairseq prints it (steps, loss,
words-per-second = tokens/s); the JSON log lines become the tidy curves. fairseq resumes by
itself from `checkpoint_last.pt`, saved every `save_every` updates. The last checkpoint is
converted to a Hugging Face directory (posart.pretrain.fairseq_convert) and scored with the
same fixed-mask validation perplexity as the transformers backend.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import numpy as np

from posart.atomic import write_text
from posart.pretrain import blocks, curves, fairseq_convert, finish, prepare
from posart.pretrain.presets import Preset

FIRST_SYMBOL = 4  # fairseq's Dictionary reserves <s>, <pad>, </s>, <unk>
PLUGIN = Path(__file__).with_name("posart_fairseq")  # registers roberta_base_nope
# fairseq 0.12 restores checkpoints with torch.load's old default (full unpickling), which
# torch >= 2.6 refuses; these checkpoints are the run's own files, so allow it for fairseq.
TRUSTED_CHECKPOINTS = {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}


class FairseqMissing(RuntimeError):
    """fairseq is not installed; the message says how to install it."""


def executable(name: str) -> str:
    """The fairseq console script next to this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if not found:
        raise FairseqMissing(f"{name} not found: install the fairseq extra (README, 'fairseq backend')")
    return found


def write_inputs(prep_dir: str | Path, out_dir: str | Path) -> Path:
    """`dict.txt` and `{train,valid}.bpe` for fairseq-preprocess; returns `out_dir`."""
    prep_dir, out_dir = Path(prep_dir), Path(out_dir)
    tokenizer = prepare.load_tokenizer(prep_dir)
    train_ids, _ = blocks.load_stream(prep_dir / "train.npz")
    counts = np.bincount(train_ids, minlength=len(tokenizer))
    symbols = range(FIRST_SYMBOL, tokenizer.mask_token_id)
    write_text(out_dir / "dict.txt", "".join(f"{i} {counts[i]}\n" for i in symbols))
    for split in ("train", "valid"):
        ids, lengths = blocks.load_stream(prep_dir / f"{split}.npz")
        lines = np.split(ids, np.cumsum(lengths)[:-1])
        # fairseq-preprocess appends </s> to every line itself
        write_text(out_dir / f"{split}.bpe", "".join(" ".join(map(str, line[:-1])) + "\n" for line in lines))
    return out_dir


def preprocess_command(inputs: Path, data_bin: Path) -> list[str]:
    return [
        executable("fairseq-preprocess"),
        "--only-source",
        "--srcdict",
        str(inputs / "dict.txt"),
        "--trainpref",
        str(inputs / "train.bpe"),
        "--validpref",
        str(inputs / "valid.bpe"),
        "--destdir",
        str(data_bin),
        "--workers",
        "1",
    ]


def train_command(preset: Preset, data_bin: Path, save_dir: Path, position_embeddings: bool, seed: int) -> list[str]:
    """fairseq-train arguments for a preset (Table 4's names in comments where they differ)."""
    command = [
        executable("fairseq-train"),
        str(data_bin),
        "--task",
        "masked_lm",
        "--criterion",
        "masked_lm",
        "--arch",
        "roberta_base",
        "--encoder-layers",
        str(preset.layers),
        "--encoder-embed-dim",
        str(preset.hidden),
        "--encoder-ffn-embed-dim",
        str(preset.ffn),
        "--encoder-attention-heads",
        str(preset.heads),
        "--max-positions",
        str(preset.tokens_per_sample),
        "--tokens-per-sample",
        str(preset.tokens_per_sample),
        "--sample-break-mode",
        "none",
        "--mask-prob",
        str(preset.mask_prob),
        "--dropout",
        str(preset.dropout),
        "--attention-dropout",
        str(preset.dropout),
        "--optimizer",
        "adam",
        "--adam-betas",
        f"({preset.adam_beta1},{preset.adam_beta2})",
        "--adam-eps",
        str(preset.adam_eps),
        "--weight-decay",
        str(preset.weight_decay),
        "--clip-norm",
        str(preset.clip_norm),
        "--lr",
        str(preset.learning_rate),
        "--lr-scheduler",
        "polynomial_decay",
        "--warmup-updates",
        str(preset.warmup_steps),
        "--total-num-update",
        str(preset.max_steps),
        "--max-update",
        str(preset.max_steps),
        "--batch-size",
        str(preset.batch_size),
        "--update-freq",
        "1",
        "--seed",
        str(seed),
        "--save-dir",
        str(save_dir),
        "--save-interval-updates",
        str(preset.save_every),
        "--keep-interval-updates",
        "2",
        "--no-epoch-checkpoints",
        "--validate-interval-updates",
        str(preset.eval_every),
        "--skip-invalid-size-inputs-valid-test",
        "--log-format",
        "json",
        "--log-interval",
        str(preset.log_every),
        "--num-workers",
        "0",
    ]
    if preset.device == "cpu":
        command.append("--cpu")
    if not position_embeddings:
        command[command.index("roberta_base")] = "roberta_base_nope"
        command += ["--user-dir", str(PLUGIN)]
    return command


def stream(command: list[str], log_path: Path, terminal: IO | None = None, env: dict | None = None) -> None:
    """Run `command`, copying every output line to `log_path` (appended) and the terminal."""
    terminal = sys.stderr if terminal is None else terminal
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for line in process.stdout:
            log.write(line)
            log.flush()
            print(line, end="", file=terminal, flush=True)
            curves.log.info(line.rstrip("\n"))  # the rule's log, through the adapter's logging
        if process.wait():
            raise RuntimeError(f"{Path(command[0]).name} failed with exit code {process.returncode}; see {log_path}")


def log_records(log_path: Path) -> list[dict]:
    """Curve records from fairseq's JSON log lines (train_inner and valid); losses to nats."""
    out = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        for tag, split in (("| train_inner | ", "train"), ("| valid | ", "valid")):
            if tag not in line:
                continue
            entry = json.loads(line.split(tag, 1)[1])
            prefix = "" if split == "train" else "valid_"
            record = {
                "step": int(entry[f"{prefix}num_updates"]),
                "split": split,
                "loss": float(entry[f"{prefix}loss"]) * math.log(2),
            }
            if split == "train":
                record.update(learning_rate=float(entry["lr"]), tokens_per_s=float(entry["wps"]))
            else:
                record["perplexity"] = math.exp(record["loss"])
            out.append(record)
    return out


def train(
    prep_dir: str | Path,
    run_dir: str | Path,
    preset: Preset,
    position_embeddings: bool,
    seed: int,
    run: str,
    threads: int | None = None,
) -> dict:
    """Train (or resume) one model with fairseq; write `model/`, `curves.csv`, `summary.json`.

    `threads` caps fairseq's torch threads (OMP_NUM_THREADS), as in the transformers backend.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    data_bin = run_dir / "data-bin"
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {}), **TRUSTED_CHECKPOINTS}
    if not (data_bin / "dict.txt").is_file():
        inputs = write_inputs(prep_dir, run_dir / "fairseq-input")
        stream(preprocess_command(inputs, run_dir / "data-bin.part"), run_dir / "train.log", env=env)
        (run_dir / "data-bin.part").rename(data_bin)
    last = run_dir / "checkpoints" / "checkpoint_last.pt"
    resumed = last.is_file()
    started = time.perf_counter()
    # fairseq would do one more update on a finished run before noticing max_update
    if not resumed or fairseq_convert.updates(fairseq_convert.read_checkpoint(last)) < preset.max_steps:
        stream(train_command(preset, data_bin, last.parent, position_embeddings, seed), run_dir / "train.log", env=env)
    curves.save(run_dir / "curves.csv", curves.tidy(run, "fairseq", log_records(run_dir / "train.log")))
    tokenizer = prepare.load_tokenizer(prep_dir)
    checkpoint = fairseq_convert.read_checkpoint(last)
    steps = fairseq_convert.updates(checkpoint)
    model = fairseq_convert.load_as_hf(checkpoint, preset, tokenizer, position_embeddings)
    fields = {
        "run": run,
        "backend": "fairseq",
        "position_embeddings": position_embeddings,
        "resumed": resumed,
        "steps": steps,
        "seconds_this_session": time.perf_counter() - started,
    }
    return finish.finish(
        run_dir, model, tokenizer, finish.validation_set(prep_dir, tokenizer, preset, seed), preset, seed, fields
    )
