"""Convert a fairseq RoBERTa checkpoint to the Hugging Face masked LM (RoBERTa, or no-PE).

Transformers no longer ships a RoBERTa converter, and the old one loaded the checkpoint
through fairseq's hub interface; this one maps the state dict by name, so it runs without
fairseq (the checkpoint is a pickle that needs `omegaconf` only). Every fairseq tensor must
be used and every Hugging Face tensor filled, otherwise it is an error naming them. The
segment embedding, which fairseq RoBERTa does not have, is zero. Equality of hidden states
with fairseq's own is tested (tests/test_pretrain_fairseq.py).
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import PreTrainedTokenizerBase, RobertaForMaskedLM

from posart.pretrain import architecture
from posart.pretrain.presets import Preset

ENCODER = "encoder.sentence_encoder."
LAYER_PARTS = {
    "self_attn.q_proj": "attention.self.query",
    "self_attn.k_proj": "attention.self.key",
    "self_attn.v_proj": "attention.self.value",
    "self_attn.out_proj": "attention.output.dense",
    "self_attn_layer_norm": "attention.output.LayerNorm",
    "fc1": "intermediate.dense",
    "fc2": "output.dense",
    "final_layer_norm": "output.LayerNorm",
}
TOP_LEVEL = {
    ENCODER + "embed_tokens.weight": "roberta.embeddings.word_embeddings.weight",
    ENCODER + "embed_positions.weight": "roberta.embeddings.position_embeddings.weight",
    ENCODER + "layernorm_embedding.weight": "roberta.embeddings.LayerNorm.weight",
    ENCODER + "layernorm_embedding.bias": "roberta.embeddings.LayerNorm.bias",
    "encoder.lm_head.dense.weight": "lm_head.dense.weight",
    "encoder.lm_head.dense.bias": "lm_head.dense.bias",
    "encoder.lm_head.layer_norm.weight": "lm_head.layer_norm.weight",
    "encoder.lm_head.layer_norm.bias": "lm_head.layer_norm.bias",
    "encoder.lm_head.bias": "lm_head.bias",
}
TIED = "encoder.lm_head.weight"  # fairseq ties it to embed_tokens, as Transformers ties lm_head.decoder


def hf_name(name: str) -> str | None:
    """The Transformers parameter name for a fairseq one (None: not a parameter to convert)."""
    if name in TOP_LEVEL:
        return TOP_LEVEL[name]
    if name.startswith(ENCODER + "layers."):
        index, rest = name[len(ENCODER + "layers.") :].split(".", 1)
        module, kind = rest.rsplit(".", 1)
        if module in LAYER_PARTS:
            return f"roberta.encoder.layer.{index}.{LAYER_PARTS[module]}.{kind}"
    return None


def convert_state(fairseq_state: dict[str, torch.Tensor], model: RobertaForMaskedLM) -> None:
    """Copy a fairseq state dict into `model` in place; anything unmatched is an error."""
    target = model.state_dict()
    filled = set()
    unknown = []
    for name, tensor in fairseq_state.items():
        if name.endswith(".version") or name == TIED:
            continue
        mapped = hf_name(name)
        if mapped is None or mapped not in target:
            unknown.append(name)
            continue
        if target[mapped].shape != tensor.shape:
            raise ValueError(
                f"fairseq {name} has shape {tuple(tensor.shape)}, Transformers {mapped} "
                f"{tuple(target[mapped].shape)}: the preset does not match the checkpoint"
            )
        target[mapped].copy_(tensor)
        filled.add(mapped)
    if TIED in fairseq_state and not torch.equal(fairseq_state[TIED], fairseq_state[ENCODER + "embed_tokens.weight"]):
        raise ValueError("fairseq lm_head.weight is not tied to embed_tokens (--untie-weights-roberta?)")
    target["roberta.embeddings.token_type_embeddings.weight"].zero_()
    filled |= {"roberta.embeddings.token_type_embeddings.weight", "lm_head.decoder.weight", "lm_head.decoder.bias"}
    missing = sorted(set(target) - filled)
    if unknown or missing:
        raise ValueError(
            f"fairseq checkpoint does not map onto the model: unmatched fairseq tensors {unknown}, "
            f"unfilled Transformers tensors {missing}"
        )


def read_checkpoint(path: str | Path) -> dict:
    """A fairseq checkpoint file: our own run's, so a trusted pickle (it holds its config objects)."""
    return torch.load(path, map_location="cpu", weights_only=False)


def updates(checkpoint: dict) -> int:
    """How many optimiser updates the checkpoint has done."""
    return int(checkpoint["optimizer_history"][-1]["num_updates"])


def load_as_hf(
    checkpoint: dict, preset: Preset, tokenizer: PreTrainedTokenizerBase, position_embeddings: bool
) -> RobertaForMaskedLM:
    """The Transformers masked LM (eval mode) holding a fairseq checkpoint's weights."""
    model = architecture.masked_lm(preset, tokenizer, position_embeddings)
    with torch.no_grad():
        convert_state(checkpoint["model"], model)
    return model.eval()
