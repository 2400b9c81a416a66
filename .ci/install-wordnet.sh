#!/usr/bin/env bash
# Install WordNet 3.0's dictionary files (Debian: wordnet-base, wordnet-sense-index) for the WSD
# tests and the workflow's `wsd.wordnet_dir` (default /usr/share/wordnet).
# Idempotent: does nothing when index.sense is already there, so CI can call it every run.
set -euo pipefail

if [ -f /usr/share/wordnet/index.sense ]; then
    echo "install-wordnet: WordNet already installed"
    exit 0
fi

echo "install-wordnet: installing wordnet-base and wordnet-sense-index"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index >/dev/null
dpkg-query -W -f 'install-wordnet: ${Package} ${Version}\n' wordnet-base wordnet-sense-index
