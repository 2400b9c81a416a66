"""Pretrain RoBERTa from scratch, with and without position embeddings (the paper's §3 control).

One concept per module: `presets` (sizes and optimisation), `corpus` (WikiExtractor text ->
train/valid lines), `bpe` (tokenizer), `blocks` (token streams and fairseq-style blocks),
`prepare` (all of that once per corpus), `nope` (the registered no-position-embedding
architecture), `architecture` (model configs), `perplexity` (fixed-mask validation),
`curves` (progress and tidy curves), `export` (complete HF directories), `finish`
(export + final perplexity + summary), `masking` (training masks), `outlier_summary`,
`table4` and `figure` (the paper artefacts),
`transformers_backend` and `fairseq_backend` (training), `fairseq_convert` (fairseq -> HF).
"""
