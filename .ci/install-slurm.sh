#!/usr/bin/env bash
# Install a single-node SLURM (slurmctld, slurmd, munge) for tests/test_slurm.py.
# Idempotent: does nothing when the binaries are already there, so CI can call it every run.
set -euo pipefail

missing=()
for bin in slurmctld slurmd sbatch squeue munged; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-slurm: slurm and munge already installed"
    exit 0
fi

echo "install-slurm: missing ${missing[*]}; installing slurm-wlm and munge"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
# Debian's packages start munge/slurm services only under systemd; the test starts its own daemons.
dpkg-query -W -f 'install-slurm: ${Package} ${Version}\n' slurm-wlm munge
