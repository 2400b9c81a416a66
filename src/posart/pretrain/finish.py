"""What both backends do at the end of a run: export, score, and write `summary.json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from posart.atomic import write_text
from posart.pretrain import export, perplexity, prepare
from posart.pretrain.presets import Preset

EVAL_SEED_OFFSET = 1  # validation masks come from seed + 1, the training stream from seed


def validation_set(prep_dir: str | Path, tokenizer: PreTrainedTokenizerBase, preset: Preset, seed: int):
    """The fixed-mask validation blocks every model of a run is scored on."""
    blocks = prepare.split_blocks(prep_dir, "valid", preset.tokens_per_sample, tokenizer.bos_token_id)
    return perplexity.fixed_masks(
        blocks, tokenizer.mask_token_id, tokenizer.all_special_ids, preset.mask_prob, seed + EVAL_SEED_OFFSET
    )


def finish(
    run_dir: Path,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    valid: perplexity.MaskedBlocks,
    preset: Preset,
    seed: int,
    fields: dict,
    device: str = "cpu",
) -> dict:
    """Export `model` to `run_dir/model`, score it, write and return the summary (`fields` + scores)."""
    export.save_model(model, tokenizer, run_dir / "model", seed)
    final = perplexity.masked_perplexity(model, valid, tokenizer.pad_token_id, device=device)
    summary = {
        **fields,
        "seed": seed,
        "valid_loss": final["loss"],
        "valid_perplexity": final["perplexity"],
        "valid_masked_tokens": final["n_masked"],
        "vocabulary": len(tokenizer),  # the trained BPE's size: a small corpus may stop below the preset's
        "preset": preset.as_dict(),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    write_text(run_dir / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


# What a run keeps only while it may be resumed: checkpoints, and fairseq's binarised data and log.
WORK = ("checkpoints", "data-bin", "fairseq-input", "train.log")


def drop_work(run_dir: str | Path) -> None:
    """Remove a finished, exported run's working files (the workflow keeps only its declared results)."""
    for name in WORK:
        path = Path(run_dir) / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
