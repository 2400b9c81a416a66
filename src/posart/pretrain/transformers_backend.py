"""Pretrain a RoBERTa masked LM from scratch with the Transformers Trainer.

The Trainer provides what a long run needs and is well kept: the optimiser and schedule
of Table 4 (AdamW, linear warm-up then polynomial decay to 0, gradient clipping),
checkpoints every `save_every` steps with optimiser, scheduler and RNG states,
resumption from the last one, and seeding. Masks are drawn per (seed, epoch, block) as
fairseq does (posart.pretrain.masking), which makes resumption exact; padding is
Transformers' token-classification collator. posart adds fixed-mask validation perplexity every
`eval_every` steps (posart.pretrain.perplexity), progress lines with tokens/s, tidy curves,
and the export to a complete Hugging Face directory.
One deviation from fairseq: the Trainer exempts biases and LayerNorm weights from weight
decay, fairseq decays every parameter.

Run directory: `checkpoints/checkpoint-<step>/`, `model/` (the result), `curves.csv`,
`summary.json`. Rerunning with the same arguments resumes from the last checkpoint.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from transformers import DataCollatorForTokenClassification, Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer_callback import PrinterCallback
from transformers.trainer_utils import get_last_checkpoint
from transformers.utils import logging as transformers_logging

from posart.pretrain import architecture, curves, finish, perplexity, prepare
from posart.pretrain.masking import MaskedBlockDataset
from posart.pretrain.presets import Preset


class Monitor(TrainerCallback):
    """Progress lines with tokens/s, and validation perplexity every `eval_every` steps."""

    def __init__(self, preset: Preset, reporter: curves.Reporter, valid: perplexity.MaskedBlocks, pad_id: int):
        self.preset, self.reporter, self.valid, self.pad_id = preset, reporter, valid, pad_id
        self.clock: tuple[float, int] | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.clock = (time.perf_counter(), state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or "loss" not in logs:
            return
        now, step = time.perf_counter(), state.global_step
        started, since = self.clock
        rate = (step - since) * self.preset.batch_size * self.preset.tokens_per_sample / max(now - started, 1e-9)
        self.clock = (now, step)
        state.log_history[-1]["tokens_per_s"] = rate
        self.reporter.train(step, logs["loss"], logs.get("learning_rate", float("nan")), rate)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        step = state.global_step
        if step % self.preset.eval_every and step != state.max_steps:
            return
        result = perplexity.masked_perplexity(model, self.valid, self.pad_id, device=args.device)
        state.log_history.append({"step": step, "valid_loss": result["loss"], "valid_perplexity": result["perplexity"]})
        self.reporter.valid(step, result["loss"], result["perplexity"])


def training_arguments(preset: Preset, checkpoints: Path, seed: int) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(checkpoints),
        max_steps=preset.max_steps,
        per_device_train_batch_size=preset.batch_size,
        learning_rate=preset.learning_rate,
        warmup_steps=preset.warmup_steps,
        lr_scheduler_type="polynomial",
        lr_scheduler_kwargs={"lr_end": 0.0, "power": 1.0},
        weight_decay=preset.weight_decay,
        adam_beta1=preset.adam_beta1,
        adam_beta2=preset.adam_beta2,
        adam_epsilon=preset.adam_eps,
        max_grad_norm=preset.clip_norm,
        save_strategy="steps",
        save_steps=preset.save_every,
        logging_steps=preset.log_every,
        eval_strategy="no",
        seed=seed,
        data_seed=seed,
        report_to=[],
        disable_tqdm=True,
        use_cpu=preset.device == "cpu",
        dataloader_num_workers=0,
        save_only_model=False,
    )


def records(history: list[dict]) -> list[dict]:
    """Trainer log history -> curve records (train and valid)."""
    out = []
    for entry in history:
        if "loss" in entry:
            out.append(
                {
                    "step": entry["step"],
                    "split": "train",
                    "loss": entry["loss"],
                    "learning_rate": entry.get("learning_rate", np.nan),
                    "tokens_per_s": entry.get("tokens_per_s", np.nan),
                }
            )
        if "valid_loss" in entry:
            out.append(
                {
                    "step": entry["step"],
                    "split": "valid",
                    "loss": entry["valid_loss"],
                    "perplexity": entry["valid_perplexity"],
                }
            )
    return out


def train(
    prep_dir: str | Path,
    run_dir: str | Path,
    preset: Preset,
    position_embeddings: bool,
    seed: int,
    run: str,
    threads: int | None = None,
    callbacks: Sequence[TrainerCallback] = (),
) -> dict:
    """Train (or resume) one model; write `model/`, `curves.csv`, `summary.json`; return the summary.

    `threads` sets torch's intra-op threads: on a shared CPU, more threads than free cores
    make every step many times slower (threads spin waiting for each other).
    """
    if threads:
        torch.set_num_threads(threads)
    transformers_logging.disable_progress_bar()
    run_dir = Path(run_dir)
    checkpoints = run_dir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    tokenizer = prepare.load_tokenizer(prep_dir)
    bos, pad_id = tokenizer.bos_token_id, tokenizer.pad_token_id
    train_blocks = prepare.split_blocks(prep_dir, "train", preset.tokens_per_sample, bos)
    valid = finish.validation_set(prep_dir, tokenizer, preset, seed)
    set_seed(seed)
    model = architecture.masked_lm(preset, tokenizer, position_embeddings)
    reporter = curves.Reporter(run, preset.max_steps)
    trainer = Trainer(
        model=model,
        args=training_arguments(preset, checkpoints, seed),
        train_dataset=MaskedBlockDataset(
            train_blocks, tokenizer.mask_token_id, tokenizer.all_special_ids, len(tokenizer), preset.mask_prob, seed
        ),
        data_collator=DataCollatorForTokenClassification(tokenizer),
        callbacks=[Monitor(preset, reporter, valid, pad_id), *callbacks],
    )
    trainer.remove_callback(PrinterCallback)  # Monitor prints the progress lines
    resume = get_last_checkpoint(str(checkpoints))
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume)
    curves.save(run_dir / "curves.csv", curves.tidy(run, "transformers", records(trainer.state.log_history)))
    fields = {
        "run": run,
        "backend": "transformers",
        "position_embeddings": position_embeddings,
        "resumed_from": resume,
        "steps": trainer.state.global_step,
        "train_blocks": len(train_blocks),
        "seconds_this_session": time.perf_counter() - started,
    }
    return finish.finish(run_dir, trainer.model, tokenizer, valid, preset, seed, fields, device=trainer.args.device)
