"""Save a pretrained masked LM as a complete Hugging Face directory, atomically.

Complete means: `AutoModel` (which has a pooler that masked-LM pretraining never trains)
finds every weight in the file. Otherwise Transformers would draw the pooler at random
on every load, and the weight hash that identifies the model in every downstream
provenance record would change from one load to the next. The pooler is therefore saved,
initialised as Transformers does (normal(0, initializer_range), zero bias) from `seed`.
The directory is written beside its target and renamed into place, so an interrupted
export never leaves a half-written model behind.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import PreTrainedModel, PreTrainedTokenizerBase

WEIGHTS = "model.safetensors"


def pooler_weights(hidden: int, initializer_range: float, seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    weight = torch.empty(hidden, hidden).normal_(0.0, initializer_range, generator=generator)
    return {"roberta.pooler.dense.weight": weight, "roberta.pooler.dense.bias": torch.zeros(hidden)}


def save_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: str | Path, seed: int) -> Path:
    """Write model (+ pooler), config and tokenizer to `directory`, replacing it if present."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        weights = load_file(tmp / WEIGHTS)
        if set(weights) & {"roberta.pooler.dense.weight"}:
            raise RuntimeError("the model already has a pooler; expected a masked LM without one")
        config = model.config
        weights.update(pooler_weights(config.hidden_size, config.initializer_range, seed))
        save_file(weights, tmp / WEIGHTS, metadata={"format": "pt"})
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
