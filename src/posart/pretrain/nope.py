"""RoBERTa without position embeddings, as a registered Hugging Face architecture.

"Without positional embeddings" (the paper's control model) means no position module at
all: a zero-initialised table could still learn positions, and a table that is merely
unused would still be saved, hashed and mistaken for one. The embedding layer here is
RoBERTa's minus the position table (same parameter names for everything else, so
fairseq conversion and per-architecture accessors treat both alike); the encoder is
RoBERTa's unchanged. Self-attention is then permutation-equivariant: the model is a bag of
words. Importing this module registers `model_type` "posart-roberta-nope" with
AutoConfig, AutoModel and AutoModelForMaskedLM, so a saved directory loads like any model.
"""

from __future__ import annotations

import torch
from huggingface_hub.dataclasses import strict
from torch import nn
from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, RobertaConfig
from transformers.models.roberta.modeling_roberta import (
    RobertaEncoder,
    RobertaForMaskedLM,
    RobertaLMHead,
    RobertaModel,
    RobertaPooler,
    RobertaPreTrainedModel,
)

MODEL_TYPE = "posart-roberta-nope"


@strict
class RobertaNopeConfig(RobertaConfig):
    """RobertaConfig whose `max_position_embeddings` is None: there is no position table."""

    model_type = MODEL_TYPE
    max_position_embeddings: int | None = None


class RobertaNopeEmbeddings(nn.Module):
    """Word + token-type embeddings, LayerNorm, dropout: RobertaEmbeddings minus positions."""

    def __init__(self, config: RobertaNopeConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        past_key_values_length: int = 0,
    ) -> torch.Tensor:
        """`position_ids` is accepted for RobertaModel's call signature and ignored: no positions here."""
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros(inputs_embeds.shape[:-1], dtype=torch.long, device=inputs_embeds.device)
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(embeddings))


class RobertaNopeModel(RobertaModel):
    """RobertaModel with RobertaNopeEmbeddings (its forward is inherited unchanged)."""

    config_class = RobertaNopeConfig
    config: RobertaNopeConfig

    def __init__(self, config: RobertaNopeConfig, add_pooling_layer: bool = True):
        RobertaPreTrainedModel.__init__(self, config)
        self.config = config
        self.gradient_checkpointing = False
        self.embeddings = RobertaNopeEmbeddings(config)
        self.encoder = RobertaEncoder(config)
        self.pooler = RobertaPooler(config) if add_pooling_layer else None
        self.post_init()


class RobertaNopeForMaskedLM(RobertaForMaskedLM):
    """RobertaForMaskedLM over RobertaNopeModel (same head, same tied weights)."""

    config_class = RobertaNopeConfig
    config: RobertaNopeConfig

    def __init__(self, config: RobertaNopeConfig):
        RobertaPreTrainedModel.__init__(self, config)
        self.roberta = RobertaNopeModel(config, add_pooling_layer=False)
        self.lm_head = RobertaLMHead(config)
        self.post_init()


AutoConfig.register(MODEL_TYPE, RobertaNopeConfig, exist_ok=True)
AutoModel.register(RobertaNopeConfig, RobertaNopeModel, exist_ok=True)
AutoModelForMaskedLM.register(RobertaNopeConfig, RobertaNopeForMaskedLM, exist_ok=True)
