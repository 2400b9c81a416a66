#!/usr/bin/env bash
# Run by Snakemake inside the environment of envs/fairseq.yaml right after creating it (conda
# deployment). fairseq-fixed compiles against the environment's torch, hence no build isolation;
# torchaudio, which its metadata pulls in, breaks `import transformers` beside torch 2.13 and
# text pretraining never uses it. The pin equals pyproject's `fairseq` extra (tested).
set -euo pipefail
pip install --no-build-isolation "fairseq-fixed==0.12.3.1"
pip uninstall -y torchaudio
