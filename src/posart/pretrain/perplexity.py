"""Validation perplexity of a masked LM, on fixed masks so that every model sees the same test.

Masks are drawn once from `seed`: in each block, `mask_prob` of the tokens that are not
`<s>`/`</s>` (at least one) are replaced by `<mask>` (all of them: no 80/10/10 mixing at
test time); perplexity is exp(mean cross-entropy in nats) over the masked tokens. The same
function scores the transformers backend's model and the fairseq model after conversion,
so their numbers are directly comparable (fairseq's own log reports base-2 losses on its
own masks; that number is kept in the training curves too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch


@dataclass(frozen=True)
class MaskedBlocks:
    inputs: list[np.ndarray]
    targets: list[np.ndarray]  # -100 where not masked

    @property
    def n_masked(self) -> int:
        return int(sum((t != -100).sum() for t in self.targets))


def fixed_masks(
    blocks: Sequence[np.ndarray], mask_id: int, special_ids: Sequence[int], mask_prob: float, seed: int
) -> MaskedBlocks:
    """Mask `mask_prob` of each block's ordinary tokens, reproducibly from `seed`."""
    rng = np.random.default_rng(seed)
    inputs, targets = [], []
    for block in blocks:
        candidates = np.flatnonzero(~np.isin(block, special_ids))
        if not len(candidates):
            continue
        chosen = rng.choice(candidates, size=max(1, round(mask_prob * len(candidates))), replace=False)
        target = np.full_like(block, -100)
        target[chosen] = block[chosen]
        masked = block.copy()
        masked[chosen] = mask_id
        inputs.append(masked)
        targets.append(target)
    return MaskedBlocks(inputs, targets)


def pad(rows: Sequence[np.ndarray], value: int) -> torch.Tensor:
    """Stack 1-d arrays into a (n, longest) tensor, right-padded with `value`."""
    out = np.full((len(rows), max(len(r) for r in rows)), value, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return torch.from_numpy(out)


@torch.no_grad()
def masked_perplexity(
    model: torch.nn.Module, masked: MaskedBlocks, pad_id: int, batch_size: int = 32, device: str = "cpu"
) -> dict:
    """{loss (nats/token), perplexity, n_masked} of a masked-LM on fixed masks."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(masked.inputs), batch_size):
        inputs = pad(masked.inputs[start : start + batch_size], pad_id).to(device)
        targets = pad(masked.targets[start : start + batch_size], -100).to(device)
        logits = model(input_ids=inputs, attention_mask=(inputs != pad_id).long()).logits
        keep = targets != -100
        total += torch.nn.functional.cross_entropy(logits[keep].float(), targets[keep], reduction="sum").item()
        count += int(keep.sum())
    model.train(was_training)
    if count == 0:
        raise ValueError("no masked token to score")
    loss = total / count
    return {"loss": loss, "perplexity": math.exp(loss), "n_masked": count}
