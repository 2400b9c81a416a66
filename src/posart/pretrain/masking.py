"""Masked-LM training examples whose masks depend only on (seed, epoch, block index).

This is fairseq's MaskTokensDataset scheme (RoBERTa's masking: `mask_prob` of the tokens,
80% replaced by `<mask>`, 10% by a random ordinary token, 10% kept), hand-written instead
of using Transformers' MLM collator for one reason: that collator draws from the global
torch RNG while the batch is built, and on resumption the Trainer restores the RNG only
*after* building the first batch, so a resumed run would see different masks from an
uninterrupted one. Seeding each example by (seed, epoch, index) makes resumption exact.
Special tokens are never masked (Transformers' convention; fairseq may mask `<s>`/`</s>`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


class MaskedBlockDataset(torch.utils.data.Dataset):
    """Blocks -> {input_ids, labels}; `set_epoch` (called by the data loader) changes the masks."""

    def __init__(
        self,
        blocks: Sequence[np.ndarray],
        mask_id: int,
        special_ids: Sequence[int],
        vocab_size: int,
        mask_prob: float,
        seed: int,
        random_prob: float = 0.1,
        keep_prob: float = 0.1,
    ):
        self.blocks, self.mask_id, self.vocab_size = blocks, mask_id, vocab_size
        self.special_ids = np.asarray(sorted(special_ids))
        self.ordinary = np.setdiff1d(np.arange(vocab_size), self.special_ids)
        self.mask_prob, self.random_prob, self.keep_prob = mask_prob, random_prob, keep_prob
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, index: int) -> dict:
        block = self.blocks[index]
        rng = np.random.default_rng((self.seed, self.epoch, index))
        candidates = np.flatnonzero(~np.isin(block, self.special_ids))
        # fairseq's count: the expected number, rounded up or down at random.
        count = min(len(candidates), int(self.mask_prob * len(candidates) + rng.random()))
        chosen = rng.choice(candidates, size=count, replace=False)
        labels = np.full_like(block, -100)
        labels[chosen] = block[chosen]
        inputs = block.copy()
        fate = rng.random(count)
        replace = fate >= self.random_prob + self.keep_prob
        randomise = fate < self.random_prob
        inputs[chosen[replace]] = self.mask_id
        inputs[chosen[randomise]] = rng.choice(self.ordinary, size=int(randomise.sum()))
        return {"input_ids": torch.from_numpy(inputs), "labels": torch.from_numpy(labels)}
