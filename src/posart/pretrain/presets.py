"""Pretraining presets: model size and optimisation, one named set per compute budget.

`paper` is Table 4 of the paper (RoBERTa-base, 200k steps of batch 256 on 4 A100s, about
35 h per model): meant for a GPU cluster. Table 4 does not give the sample length or the
vocabulary: RoBERTa's defaults are used (512 tokens, a 50,265-symbol byte-level BPE).
`small` is a 4-layer model for a few thousand steps, where a CPU user can see whether
outliers emerge (under an hour per model on 2 cores). `tiny` exists to show that every step
runs (about a minute per model on 2 cores; the demo default). Everything that Table 4 fixes
and the small presets keep (Adam's epsilon and betas, weight decay, dropout, clipping,
polynomial decay, 15% masking) is shared; the small presets scale down sizes, steps, batch,
warm-up, and take ELECTRA-Small's peak learning rate (5e-4), a common choice for small
encoders trained briefly; nothing here was tuned towards any outcome.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Preset:
    layers: int
    hidden: int
    ffn: int
    heads: int
    tokens_per_sample: int
    vocab_size: int
    batch_size: int
    max_steps: int
    warmup_steps: int
    learning_rate: float
    save_every: int
    eval_every: int
    log_every: int
    weight_decay: float = 0.01
    lr_decay: str = "polynomial"
    adam_eps: float = 1e-6
    adam_beta1: float = 0.9
    adam_beta2: float = 0.98
    clip_norm: float = 0.5
    dropout: float = 0.1
    mask_prob: float = 0.15
    device: str = "cpu"

    @property
    def head_size(self) -> int:
        return self.hidden // self.heads

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Preset":
        """A copy with some fields replaced; unknown names are an error naming them."""
        known = {field.name for field in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(f"unknown pretraining setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **overrides)

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "head_size": self.head_size}


PRESETS = {
    "paper": Preset(
        layers=12,
        hidden=768,
        ffn=3072,
        heads=12,
        tokens_per_sample=512,
        vocab_size=50265,
        batch_size=256,
        max_steps=200_000,
        warmup_steps=10_000,
        learning_rate=1e-4,
        save_every=5_000,
        eval_every=5_000,
        log_every=100,
        device="cuda",
    ),
    "small": Preset(
        layers=4,
        hidden=128,
        ffn=512,
        heads=4,
        tokens_per_sample=128,
        vocab_size=4096,
        batch_size=16,
        max_steps=3_000,
        warmup_steps=300,
        learning_rate=5e-4,
        save_every=500,
        eval_every=500,
        log_every=50,
    ),
    "tiny": Preset(
        layers=2,
        hidden=64,
        ffn=256,
        heads=2,
        tokens_per_sample=64,
        vocab_size=1000,
        batch_size=16,
        max_steps=300,
        warmup_steps=30,
        learning_rate=5e-4,
        save_every=100,
        eval_every=100,
        log_every=20,
    ),
}


def get(name: str, overrides: Mapping[str, Any] | None = None) -> Preset:
    """The preset `name`, with `overrides` applied."""
    if name not in PRESETS:
        raise KeyError(f"unknown pretraining preset {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name].with_overrides(overrides or {})
