"""The Hugging Face configuration of a preset's RoBERTa, with or without position embeddings.

Matches fairseq's `roberta_base` architecture at the preset's sizes, so that both backends
train the same network and a fairseq checkpoint converts without loss: post-LayerNorm
layers, exact GELU, LayerNorm epsilon 1e-5 (fairseq's), learned positions numbered from
padding_idx + 1 (hence tokens_per_sample + 2 rows), no segment embeddings (one token type,
zero in conversions).
"""

from __future__ import annotations

from transformers import PreTrainedTokenizerBase, RobertaConfig, RobertaForMaskedLM

from posart.pretrain.nope import RobertaNopeConfig, RobertaNopeForMaskedLM
from posart.pretrain.presets import Preset


def config(preset: Preset, tokenizer: PreTrainedTokenizerBase, position_embeddings: bool) -> RobertaConfig:
    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=preset.hidden,
        num_hidden_layers=preset.layers,
        num_attention_heads=preset.heads,
        intermediate_size=preset.ffn,
        hidden_act="gelu",
        hidden_dropout_prob=preset.dropout,
        attention_probs_dropout_prob=preset.dropout,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    if position_embeddings:
        return RobertaConfig(max_position_embeddings=preset.tokens_per_sample + tokenizer.pad_token_id + 1, **common)
    return RobertaNopeConfig(**common)


def masked_lm(preset: Preset, tokenizer: PreTrainedTokenizerBase, position_embeddings: bool) -> RobertaForMaskedLM:
    """A freshly initialised masked LM (seed torch beforehand for reproducibility)."""
    cfg = config(preset, tokenizer, position_embeddings)
    return RobertaForMaskedLM(cfg) if position_embeddings else RobertaNopeForMaskedLM(cfg)
