"""Where each encoder architecture keeps its embedding tables and LayerNorms: one table, keyed by HF model_type.

Tracing outliers to their origin (Luo et al. 2021, §3) reads the position, segment and token
embedding matrices, the embedding LayerNorm and each layer's two LayerNorms. Hugging Face
names these differently per architecture, so every name lives in `ARCHITECTURES` below and
nowhere else. Paths are dotted attribute paths from the *base* model (`model.base_model`,
i.e. what `AutoModel` returns); per-layer norm paths are relative to one block of `layers`.

Adding an architecture is one entry: build a tiny random model of it
(`transformers.AutoModel.from_config`), read `named_parameters()`, and write the paths.
`None` means "this architecture has no such part"; a path that resolves to `None` at run
time (e.g. DeBERTa with `position_biased_input: false`) means the same for that model.
Either way the caller gets `None`, never a crash: relative or rotary position schemes have
no learned absolute position table, and their remaining analysis still runs.

LayerNorm roles: `attention` is the norm after the self-attention sublayer, `output` the
norm after the feed-forward sublayer (BERT's `attention.output.LayerNorm` / `output.LayerNorm`,
DistilBERT's `sa_layer_norm` / `output_layer_norm`). Block `i` (0-based) produces hidden-state
layer `i + 1`, so its norms are reported as layer `i + 1`; the embedding LayerNorm is layer 0.

Position offset: RoBERTa-style models number positions from `pad_token_id + 1` (rows below
are the unused row 0 and the padding row), so the token at 0-based sentence position p
reads table row `p + position_offset(config)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from torch import nn

KINDS = ("position", "segment", "token")
NORM_ROLES = ("attention", "output")
EMBEDDING_NORM = "embedding"


@dataclass(frozen=True)
class Architecture:
    """Attribute paths of one architecture's embedding tables and LayerNorms (None: has none)."""

    token: str
    position: str | None
    segment: str | None
    embedding_norm: str | None
    layers: str
    attention_norm: str
    output_norm: str
    padding_offset: bool = False  # position ids start at pad_token_id + 1 (RoBERTa, fairseq style)
    note: str = ""


BERT = Architecture(
    token="embeddings.word_embeddings",
    position="embeddings.position_embeddings",
    segment="embeddings.token_type_embeddings",
    embedding_norm="embeddings.LayerNorm",
    layers="encoder.layer",
    attention_norm="attention.output.LayerNorm",
    output_norm="output.LayerNorm",
)
ROBERTA = replace(BERT, padding_offset=True)

ARCHITECTURES: dict[str, Architecture] = {
    "bert": BERT,
    "roberta": ROBERTA,
    "xlm-roberta": ROBERTA,
    "camembert": ROBERTA,
    "data2vec-text": ROBERTA,
    "longformer": ROBERTA,
    "ibert": replace(ROBERTA, note="integer-only LayerNorm (IntLayerNorm); its weight and bias are read"),
    "xlm-roberta-xl": replace(
        ROBERTA,
        embedding_norm=None,
        attention_norm="attention.self_attn_layer_norm",
        output_norm="LayerNorm",
        note="pre-LN: the norms scale each sublayer's input, not the residual stream",
    ),
    "electra": replace(
        BERT,
        note="embedding tables and their LayerNorm are embedding_size wide; "
        "a projection maps them to hidden_size when the two differ",
    ),
    "deberta": replace(BERT, note="position table only with position_biased_input: true"),
    "deberta-v2": replace(
        BERT, note="position table only with position_biased_input: true; segment table only with type_vocab_size > 0"
    ),
    "roformer": replace(BERT, position=None, note="rotary positions: no learned absolute table"),
    "mpnet": replace(
        ROBERTA,
        segment=None,
        attention_norm="attention.LayerNorm",
        note="absolute positions plus a relative attention bias",
    ),
    "distilbert": Architecture(
        token="embeddings.word_embeddings",
        position="embeddings.position_embeddings",
        segment=None,
        embedding_norm="embeddings.LayerNorm",
        layers="transformer.layer",
        attention_norm="sa_layer_norm",
        output_norm="output_layer_norm",
    ),
    # RoBERTa pretrained without position embeddings (posart.pretrain.nope): RoBERTa's names, no table.
    "posart-roberta-nope": replace(
        ROBERTA, position=None, padding_offset=False, note="pretrained without position embeddings: a bag of words"
    ),
}

PADDING_OFFSET_POSITIONS = tuple(sorted(name for name, arch in ARCHITECTURES.items() if arch.padding_offset))


class UnsupportedArchitecture(ValueError):
    """A model_type with no entry in ARCHITECTURES, or an entry that does not fit the model."""


@dataclass(frozen=True)
class Norm:
    """One LayerNorm's parameters; gamma/beta are None for a norm without that affine part."""

    layer: int
    role: str
    path: str
    gamma: np.ndarray | None
    beta: np.ndarray | None


def lookup(model_type: str) -> Architecture:
    """The table entry for a model_type; an unknown one is an error naming the known ones."""
    try:
        return ARCHITECTURES[model_type]
    except KeyError:
        raise UnsupportedArchitecture(
            f"model_type {model_type!r} has no entry in posart.architectures.ARCHITECTURES "
            f"(known: {', '.join(sorted(ARCHITECTURES))}); add one: the attribute paths of its "
            f"embedding tables and LayerNorms"
        ) from None


def position_offset(config: Any) -> int:
    """Table row of the token at sentence position 0 (pad_token_id + 1 for RoBERTa-style models)."""
    return config.pad_token_id + 1 if config.model_type in PADDING_OFFSET_POSITIONS else 0


def _resolve(root: nn.Module, path: str, model_type: str) -> Any:
    node = root
    for part in path.split("."):
        if not hasattr(node, part):
            raise UnsupportedArchitecture(
                f"model_type {model_type!r}: {type(root).__name__} has no {path!r} (stopped at {part!r}); "
                f"the entry in posart.architectures.ARCHITECTURES does not fit this model"
            )
        node = getattr(node, part)
    return node


def _array(parameter) -> np.ndarray | None:
    return None if parameter is None else parameter.detach().cpu().float().numpy().copy()


def embedding_tables(model: nn.Module) -> dict[str, np.ndarray | None]:
    """{kind: (rows, width) float32 matrix or None} for kind in KINDS; the model's own rows, all of them."""
    base = model.base_model
    arch = lookup(base.config.model_type)
    out = {}
    for kind in KINDS:
        path = getattr(arch, kind)
        module = None if path is None else _resolve(base, path, base.config.model_type)
        out[kind] = None if module is None else _array(module.weight)
    return out


def layer_norms(model: nn.Module) -> list[Norm]:
    """Every LayerNorm on the residual stream: the embedding norm (layer 0), then two per block."""
    base = model.base_model
    model_type = base.config.model_type
    arch = lookup(model_type)
    norms = []
    if arch.embedding_norm is not None:
        norms.append(_norm(base, arch.embedding_norm, 0, EMBEDDING_NORM, model_type))
    for index, block in enumerate(_resolve(base, arch.layers, model_type)):
        for role, path in zip(NORM_ROLES, (arch.attention_norm, arch.output_norm)):
            norms.append(_norm(block, path, index + 1, role, model_type, prefix=f"{arch.layers}.{index}."))
    return norms


def _norm(root: nn.Module, path: str, layer: int, role: str, model_type: str, prefix: str = "") -> Norm:
    module = _resolve(root, path, model_type)
    return Norm(
        layer=layer,
        role=role,
        path=prefix + path,
        gamma=_array(getattr(module, "weight", None)),
        beta=_array(getattr(module, "bias", None)),
    )
