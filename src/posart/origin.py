"""Where the outlier dims come from: embedding matrices and LayerNorm parameters (Luo et al. 2021, §3).

Three tidy frames, each a file of the output contract (design.md):
- `embedding_statistics` -> origin/embeddings.csv: per embedding kind (position, segment,
  token) and dim, over the table's rows: the mean, the share of rows whose maximum
  (minimum) element is that dim, and `is_outlier` by the same detector as hidden states
  (posart.detect). Position statistics use the rows real tokens can read: rows
  `position_offset .. end` (RoBERTa-style tables' unused row 0 and padding row 1 are left
  out); segment and token statistics use every row. A kind the model does not have (no
  segment table, or relative/rotary positions with no learned table) is one row with that
  kind and everything else empty: "no such table", not a crash. With very few rows (a
  2-row segment table) every row's own extreme reaches a share of >= 0.5, so the
  extreme-share test flags each row's argmax/argmin dim; read such flags with that in mind.
- `position_rows` -> origin/position_rows.csv: the values of configured rows of the
  position table, as in the paper's Figures 3-4. `index` is the 0-based row of the weight
  matrix (`position_embeddings.weight[index]`), so the paper's "k-th positional embedding"
  is index k-1. For RoBERTa-style models the token at sentence position p reads row
  p + pad_token_id + 1 (= p + 2), so the paper's RoBERTa "4th" (index 3) is the second token.
- `layernorm_ranks` -> origin/layernorm_ranks.csv: for every LayerNorm on the residual
  stream (the embedding norm as layer 0, then each block's `attention` and `output` norm
  as layer i+1), the rank of each hidden-state outlier dim within gamma and within beta.
  Rank 1 is the dim with the largest |value| (`rank_by: magnitude`, the default) or the
  largest signed value (`rank_by: value`, the paper's wording "top-6 largest values");
  ties share the best rank (competition ranking: 1 + the number of strictly larger entries).
  The paper's claims concern gamma (positive in practice, where both agree) and the
  largest beta of a max-outlier dim; magnitude also ranks the large negative beta of a
  min-outlier dim near the top instead of near d. `value` is the signed parameter.
  A norm that is not hidden_size wide (ELECTRA/RoFormer's embedding norm when
  embedding_size != hidden_size) lives in another space: its rows have empty rank and value.
`comparison` joins the embedding statistics with the hidden-state outlier dims.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from posart import architectures
from posart.detect import Criterion, outlier_mask, outlier_union, robust_z

log = logging.getLogger(__name__)

EMBEDDING_COLUMNS = ["model", "kind", "dim", "mean", "argmax_share", "argmin_share", "is_outlier"]
POSITION_ROW_COLUMNS = ["model", "index", "dim", "value"]
RANK_COLUMNS = ["model", "layer", "ln", "param", "dim", "rank", "value"]
RANK_BY = ("magnitude", "value")


def table_statistics(matrix: np.ndarray, criterion: Criterion) -> pd.DataFrame:
    """Per dim of a (rows, width) matrix: mean, argmax/argmin share over rows, detector flag."""
    rows, width = matrix.shape
    mean = matrix.mean(axis=0, dtype=np.float64)
    argmax_share = np.bincount(matrix.argmax(axis=1), minlength=width) / rows
    argmin_share = np.bincount(matrix.argmin(axis=1), minlength=width) / rows
    return pd.DataFrame(
        {
            "dim": np.arange(width),
            "mean": mean,
            "argmax_share": argmax_share,
            "argmin_share": argmin_share,
            "is_outlier": outlier_mask(mean, argmin_share, argmax_share, criterion),
        }
    )


def _used_rows(kind: str, matrix: np.ndarray, config) -> np.ndarray:
    return matrix[architectures.position_offset(config) :] if kind == "position" else matrix


def embedding_statistics(model_name: str, model, criterion: Criterion) -> pd.DataFrame:
    """The embeddings.csv frame: one row per (kind, dim); one empty row for a missing table."""
    tables = architectures.embedding_tables(model)
    parts = []
    for kind in architectures.KINDS:
        matrix = tables[kind]
        if matrix is None:
            log.info("%s: no %s embedding table", model_name, kind)
            parts.append(pd.DataFrame({"kind": [kind], "dim": [pd.NA]}))
            continue
        parts.append(table_statistics(_used_rows(kind, matrix, model.config), criterion).assign(kind=kind))
    frame = pd.concat(parts, ignore_index=True).assign(model=model_name)
    frame = frame.astype({"dim": "Int64", "is_outlier": "boolean"})
    return frame[EMBEDDING_COLUMNS]


def position_rows(model_name: str, model, rows: Sequence[int]) -> pd.DataFrame:
    """The position_rows.csv frame: configured rows of the position table, one row per (index, dim)."""
    table = architectures.embedding_tables(model)["position"]
    rows = [int(r) for r in rows]
    if table is None:
        log.info("%s: no position embedding table; position_rows.csv says so with empty dims", model_name)
        frame = pd.DataFrame({"model": model_name, "index": rows, "dim": pd.NA, "value": np.nan})
        return frame.astype({"dim": "Int64"})[POSITION_ROW_COLUMNS]
    bad = [r for r in rows if not 0 <= r < len(table)]
    if bad:
        raise ValueError(
            f"origin.position_rows: rows {bad} do not exist in {model_name}'s position table (rows 0..{len(table) - 1})"
        )
    width = table.shape[1]
    return pd.DataFrame(
        {
            "model": model_name,
            "index": np.repeat(rows, width),
            "dim": np.tile(np.arange(width), len(rows)),
            "value": table[rows].ravel(),
        }
    )[POSITION_ROW_COLUMNS]


def ranks(values: np.ndarray, rank_by: str = "magnitude") -> np.ndarray:
    """1-based rank of every element, 1 = largest |value| (magnitude) or largest value (value)."""
    if rank_by not in RANK_BY:
        raise ValueError(f"origin.rank_by must be one of {RANK_BY}, not {rank_by!r}")
    key = np.abs(values) if rank_by == "magnitude" else values
    # Competition ranking (scipy's rankdata(-key, method="min")) in numpy: the model-loading
    # env that runs this has no scipy.
    return np.searchsorted(np.sort(-key), -key, side="left").astype(np.int64) + 1


def layernorm_ranks(model_name: str, model, dims: Sequence[int], rank_by: str = "magnitude") -> pd.DataFrame:
    """The layernorm_ranks.csv frame: each outlier dim's rank in every LayerNorm's gamma and beta."""
    dims = np.asarray(sorted(int(d) for d in dims), dtype=np.int64)
    hidden = model.config.hidden_size
    if len(dims) and (dims.min() < 0 or dims.max() >= hidden):
        raise ValueError(f"outlier dims {dims.tolist()} are outside 0..{hidden - 1} for {model_name}")
    if not len(dims):
        log.info("%s: no outlier dims, so no LayerNorm ranks to report", model_name)
    parts = []
    for norm in architectures.layer_norms(model):
        for param, vector in (("gamma", norm.gamma), ("beta", norm.beta)):
            part = pd.DataFrame({"layer": norm.layer, "ln": norm.role, "param": param, "dim": dims})
            if vector is None or len(vector) != hidden:
                reason = "no such parameter" if vector is None else f"{len(vector)} wide, hidden size {hidden}"
                log.info("%s: %s (layer %d) %s: %s; ranks left empty", model_name, norm.path, norm.layer, param, reason)
                parts.append(part.assign(rank=pd.NA, value=np.nan))
                continue
            parts.append(part.assign(rank=ranks(vector, rank_by)[dims], value=vector[dims]))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.assign(model=model_name).astype({"rank": "Int64", "dim": "int64", "layer": "int64"})
    return frame[RANK_COLUMNS]


def comparison(embeddings: pd.DataFrame, outliers: pd.DataFrame, hidden_size: int) -> pd.DataFrame:
    """For each hidden-state outlier dim and embedding kind: the dim's statistics in that table.

    Columns: model, dim, hidden_layers (layers where the dim is a hidden-state outlier,
    ';'-joined), kind, is_outlier, argmax_share, argmin_share, mean, mean_z (robust z of
    the mean among the table's dims). A missing table, or one not hidden_size wide, gives
    empty values: its dims are not the hidden dims.
    """
    flagged = outliers[outliers.is_outlier.astype(bool)]
    layers = flagged.groupby("dim").layer.apply(lambda s: ";".join(str(int(v)) for v in sorted(s)))
    rows = []
    for kind, table in embeddings.groupby("kind", sort=False):
        table = table.dropna(subset=["dim"]).set_index("dim")
        same_space = len(table) == hidden_size
        z = pd.Series(robust_z(table["mean"].to_numpy(np.float64)), index=table.index) if same_space else None
        for dim, hidden_layers in layers.items():
            row = {"dim": int(dim), "hidden_layers": hidden_layers, "kind": kind}
            if same_space:
                stats = table.loc[dim]
                row.update(
                    is_outlier=bool(stats.is_outlier),
                    argmax_share=stats.argmax_share,
                    argmin_share=stats.argmin_share,
                    mean=stats["mean"],
                    mean_z=z.loc[dim],
                )
            rows.append(row)
    columns = ["dim", "hidden_layers", "kind", "is_outlier", "argmax_share", "argmin_share", "mean", "mean_z"]
    frame = pd.DataFrame(rows, columns=columns).assign(model=embeddings.model.iloc[0])
    return frame[["model"] + columns]


def summary(model_name: str, model) -> dict:
    """What the origin tables rest on: the architecture entry, which tables exist, widths, offset."""
    arch = architectures.lookup(model.config.model_type)
    tables = architectures.embedding_tables(model)
    return {
        "model": model_name,
        "model_type": model.config.model_type,
        "hidden_size": int(model.config.hidden_size),
        "position_offset": architectures.position_offset(model.config),
        "tables": {kind: None if table is None else list(table.shape) for kind, table in tables.items()},
        "layer_norms": [norm.path for norm in architectures.layer_norms(model)],
        "note": arch.note,
    }


def trace(
    model_name: str,
    model,
    outliers: pd.DataFrame,
    position_row_indices: Sequence[int],
    rank_by: str,
    criterion: Criterion,
) -> dict:
    """Every origin result for one model and the outlier table of its traced corpus."""
    embeddings = embedding_statistics(model_name, model, criterion)
    return {
        "embeddings": embeddings,
        "position_rows": position_rows(model_name, model, position_row_indices),
        "layernorm_ranks": layernorm_ranks(model_name, model, outlier_union(outliers), rank_by),
        "comparison": comparison(embeddings, outliers, model.config.hidden_size),
        "summary": summary(model_name, model),
    }
