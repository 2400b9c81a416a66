"""Training progress: one line per log step on the terminal and in the log, and tidy curves.

Both backends report the same quantities: steps, training loss (nats per masked token;
fairseq's base-2 losses are converted), learning rate, tokens per second, and validation
loss/perplexity. The curves file is tidy: one row per (step, split, metric) with columns
`run, backend, step, split, metric, value`.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Iterable, Mapping

import pandas as pd

from posart.atomic import write_csv

log = logging.getLogger("posart.pretrain")

COLUMNS = ["run", "backend", "step", "split", "metric", "value"]


class Reporter:
    """Writes progress lines to the logger and to `stream` (the terminal by default)."""

    def __init__(self, run: str, total_steps: int, stream: IO | None = None):
        self.run, self.total_steps = run, total_steps
        self.stream = sys.stderr if stream is None else stream

    def _say(self, text: str) -> None:
        log.info(text)
        print(text, file=self.stream, flush=True)

    def train(self, step: int, loss: float, learning_rate: float, tokens_per_s: float) -> None:
        self._say(
            f"pretrain {self.run}: step {step}/{self.total_steps} loss {loss:.4f} "
            f"lr {learning_rate:.3g} tokens/s {tokens_per_s:,.0f}"
        )

    def valid(self, step: int, loss: float, perplexity: float) -> None:
        self._say(
            f"pretrain {self.run}: step {step}/{self.total_steps} valid loss {loss:.4f} perplexity {perplexity:.2f}"
        )


def tidy(run: str, backend: str, records: Iterable[Mapping]) -> pd.DataFrame:
    """Rows from records {step, split, metric: value, ...}; the last record wins per (step, split, metric)."""
    rows = [
        (run, backend, int(r["step"]), r["split"], metric, float(value))
        for r in records
        for metric, value in r.items()
        if metric not in ("step", "split")
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.drop_duplicates(["step", "split", "metric"], keep="last")
    return frame.sort_values(["split", "metric", "step"], kind="stable").reset_index(drop=True)


def save(path, frame: pd.DataFrame) -> None:
    write_csv(path, frame[COLUMNS])
