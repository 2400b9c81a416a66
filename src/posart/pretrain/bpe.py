"""A byte-level BPE trained on the pretraining corpus, saved as a RoBERTa fast tokenizer.

The paper used RoBERTa's GPT-2 BPE (50,265 symbols), which cannot be fetched offline and
which no installed package ships. Training the same kind of tokenizer (byte-level BPE,
`tokenizers`' own implementation of GPT-2's scheme) on the training split is what
from-scratch pretraining normally does, and it lets each preset scale the vocabulary
with the model: a 50k vocabulary on a 4-layer, 128-wide model and 4M words would leave most
embeddings almost untrained. Ids follow fairseq's dictionary layout (`<s>`=0, `<pad>`=1,
`</s>`=2, `<unk>`=3, BPE symbols, `<mask>` last), so a fairseq checkpoint's embedding rows
are the tokenizer's ids without any remapping.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import ByteLevelBPETokenizer
from tokenizers.processors import RobertaProcessing
from transformers import RobertaTokenizerFast

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
MASK = "<mask>"


def train(train_txt: str | Path, vocab_size: int, out_dir: str | Path, max_length: int) -> RobertaTokenizerFast:
    """Train on `train_txt` to `vocab_size` symbols in all (`<mask>` included); save to `out_dir`."""
    bpe = ByteLevelBPETokenizer()
    bpe.train(
        [str(train_txt)], vocab_size=vocab_size - 1, min_frequency=2, special_tokens=SPECIALS, show_progress=False
    )
    bpe.add_special_tokens([MASK])
    bpe.post_processor = RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bpe.save(str(out_dir / "tokenizer.json"))
    tokenizer = RobertaTokenizerFast(tokenizer_file=str(out_dir / "tokenizer.json"), model_max_length=max_length)
    if tokenizer.mask_token_id != len(tokenizer) - 1 or tokenizer.convert_tokens_to_ids(SPECIALS) != [0, 1, 2, 3]:
        raise RuntimeError(f"tokenizer ids do not follow fairseq's layout: {tokenizer.all_special_ids}")
    tokenizer.save_pretrained(out_dir)
    return tokenizer
