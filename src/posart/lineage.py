"""Which weights an artifact descends from; one model's weights are never mixed with another's.

Every provenance record carries `models`: {model name: weight hash} over everything the
artifact was made from (its inputs' `models`, plus the model the job loaded itself). A job
whose inputs name one model with two hashes (a WiC cache of new weights and a clip map
fitted on a corpus cache of the old ones) would report numbers that belong to neither
model; `combine` refuses it and names both files. Several models side by side (a paper
table) are fine: only the same name with two hashes is a mixture.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping


class MixedWeightsError(RuntimeError):
    """Inputs made from different weights of the same model; names both files."""


def models_of(record: Mapping) -> dict[str, str]:
    """{model name: weight hash} that a provenance record descends from."""
    models = dict(record.get("models") or {})
    own = record.get("model") or {}
    if own.get("name") and own.get("weight_hash"):
        models.setdefault(own["name"], own["weight_hash"])
    return models


def combine(sources: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Merge {source file: {model: hash}}; refuse a model that appears with two hashes."""
    seen: dict[str, tuple[str, str]] = {}
    for source, models in sources.items():
        for name, digest in models.items():
            first = seen.setdefault(name, (digest, source))
            if first[0] != digest:
                raise MixedWeightsError(
                    f"model {name!r} comes from different weights in {first[1]} (weight hash "
                    f"{first[0][:16]}) and {source} (weight hash {digest[:16]}); refusing to combine them. "
                    f"Rerun the workflow so that both are made from the current weights"
                )
    return {name: digest for name, (digest, _) in sorted(seen.items())}


def mixtures(records: Iterable[Mapping]) -> list[str]:
    """One line per model that appears with several weight hashes among `records` (a chain)."""
    where: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        for name, digest in models_of(record).items():
            where[name][digest].append(str(record["artifact"]))
    lines = []
    for name, by_hash in sorted(where.items()):
        if len(by_hash) > 1:
            parts = "; ".join(
                f"weight hash {digest[:16]} in {', '.join(sorted(set(paths))[:3])}"
                + (" …" if len(set(paths)) > 3 else "")
                for digest, paths in by_hash.items()
            )
            lines.append(f"model {name!r} mixes {len(by_hash)} sets of weights: {parts}")
    return lines
