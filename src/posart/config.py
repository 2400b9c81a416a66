"""The run's configuration: which files, merged how, validated and cross-checked, once.

A named config describes the whole run. The files given with `--configfile` are the
config, merged in order (a later file overrides an earlier one key by key); `config.yaml`,
the demo, is read only when no file is given. (Snakemake itself would merge a named config
over the demo's, so the paper run would also encode the demo's model with the demo's
sample sizes.) `--config key=value` overrides are merged last.

Each file is read strictly (duplicate keys and syntax errors name file and line,
`posart.yamlfile`), then validated by the JSON schema with every default filled, also
those behind `$ref` (`posart.schema`). Names the registry owns (STS datasets, supervised
tasks, WiC splits, corpus readers) are marked `x-registry` in the schema and become enums
here, so a new dataset needs no schema edit. `check` then tests what a schema cannot
express: cross-references between sections, that `data_dir` and `path` models exist.
The result is canonicalised (sorted keys): Snakemake compares params by their text.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from posart import readers, registry, schema, yamlfile

DEFAULT_FILE = "config.yaml"
Lines = dict[tuple, str]


class ConfigError(ValueError):
    """A config that cannot mean what it says; the message names the key (and file:line)."""


def load(
    files: Sequence[str | os.PathLike], overrides: Mapping | None = None, *, schema_path: str | os.PathLike
) -> dict:
    """The validated, default-filled, cross-checked and canonicalised config of a run."""
    config, lines = merged(files, overrides)
    schema.validate(
        config,
        registry_schema(schema_path),
        fill_defaults=True,
        lines=lines,
        what=" + ".join(map(str, files)) + (" + --config" if overrides else ""),
    )
    check(config, lines)
    return canonical(config)


def merged(files: Sequence[str | os.PathLike], overrides: Mapping | None = None) -> tuple[dict, Lines]:
    """The files merged in order, then the overrides; and where each key was set."""
    config: dict = {}
    lines: Lines = {}
    for path in files:
        document = yamlfile.load(path)
        if not isinstance(document.data, dict):
            raise ConfigError(
                f"{path}: a config is a mapping of keys (models, corpora, ...), not {type(document.data).__name__}"
            )
        _merge(config, document.data)
        lines.update(document.lines)
    typed = {key: _typed(value) for key, value in (overrides or {}).items()}
    _merge(config, typed)
    lines.update({key: "--config" for key in _key_paths(typed)})
    return config, lines


def _merge(base: dict, update: Mapping) -> None:
    """Snakemake's key-by-key merge: nested mappings merge, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def _typed(value: Any, depth: int = 0) -> Any:
    """--config values typed as YAML at every depth (Snakemake leaves nested scalars as strings)."""
    if isinstance(value, Mapping):
        return {key: _typed(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item, depth + 1) for item in value]
    if isinstance(value, str) and depth > 0:
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return value if isinstance(parsed, (dict, list)) else parsed
    return value


def _key_paths(value: Any, key: tuple = ()) -> list[tuple]:
    if isinstance(value, Mapping):
        return [path for k, v in value.items() for path in [key + (k,), *_key_paths(v, key + (k,))]]
    return []


def registry_schema(path: str | os.PathLike) -> dict:
    """The config schema with every `x-registry: KIND:NAME` node given the registry's names as its enum."""
    packaged = registry.load()
    names = {
        "datasets": lambda task: list(packaged.task(task)),
        "parts": lambda name: list(packaged.dataset(name).parts),
        "readers": lambda columns: readers.sentence_readers() if columns == "sentence" else None,
    }

    def inject(node):
        if isinstance(node, dict):
            if "x-registry" in node:
                kind, _, name = node["x-registry"].partition(":")
                allowed = names[kind](name) if kind in names else None
                if not allowed:
                    raise ConfigError(f"{path}: x-registry {node['x-registry']!r} names nothing in the registry")
                node["enum"] = allowed
            for value in node.values():
                inject(value)
        elif isinstance(node, list):
            for value in node:
                inject(value)

    document = schema.read(path)
    inject(document)
    return document


def check(config: Mapping, lines: Lines | None = None) -> None:
    """Cross-checks the schema cannot express; all problems in one error, each naming its key."""
    problems = _references(config) + _paths(config)
    if problems:
        raise ConfigError(
            "config:\n" + "\n".join(f"  {schema.located(key, lines or {})}: {text}" for key, text in problems)
        )


def _references(config: Mapping) -> list[tuple[tuple, str]]:
    corpora, outliers = set(config["corpora"]), config["outliers"]
    problems = [
        (("outliers", "corpora", i), f"corpus {name!r} is not defined under `corpora`")
        for i, name in enumerate(outliers["corpora"])
        if name not in corpora
    ]
    geometry = config["geometry"]["corpus"]
    if geometry is not None and geometry not in corpora:
        problems.append((("geometry", "corpus"), f"corpus {geometry!r} is not defined under `corpora`"))
    for name, entry in config["postprocess"].items():
        key = ("postprocess", name)
        if entry["corpus"] not in corpora:
            problems.append((key + ("corpus",), f"corpus {entry['corpus']!r} is not defined under `corpora`"))
        if entry["method"] == "clip" and entry["dims"] == "detected" and entry["corpus"] not in outliers["corpora"]:
            problems.append(
                (
                    key + ("corpus",),
                    f"clips the outliers detected on {entry['corpus']!r}, which is not in outliers.corpora",
                )
            )
        if entry["method"] == "clip" and isinstance(entry["dims"], dict):
            problems += [
                (key + ("dims",), f"no dims for model {model!r}")
                for model in sorted(set(config["models"]) - set(entry["dims"]))
            ]
        for task in ("sts", "supervised"):
            special = config[task]["special_tokens"]
            if entry.get("level") == "sentences" and special != outliers["special_tokens"]:
                problems.append(
                    (
                        key + ("level",),
                        f"fitted on sentence means pooled with outliers.special_tokens="
                        f"{outliers['special_tokens']}, but {task}.special_tokens="
                        f"{special}; make them agree",
                    )
                )
    return problems


def _paths(config: Mapping) -> list[tuple[tuple, str]]:
    problems = []
    data_dir = Path(config["data_dir"])
    if data_dir.exists() and not data_dir.is_dir():
        problems.append((("data_dir",), f"{data_dir} is not a directory"))
    elif not data_dir.exists() and not config["download"]:
        problems.append(
            (
                ("data_dir",),
                f"{data_dir} does not exist (relative to {Path.cwd()}); point it at the "
                f"datasets (layout: SST-2/train.tsv, ...) or set download: true",
            )
        )
    for name, entry in config["models"].items():
        if entry["source"] == "path" and not Path(entry["path"]).is_dir():
            state = "is not a directory" if Path(entry["path"]).exists() else "does not exist"
            problems.append((("models", name, "path"), f"model directory {entry['path']} {state}"))
    return problems


def canonical(value: Any) -> Any:
    """Dicts with sorted keys, recursively: Snakemake compares params by their text, so key
    order (which differs between YAML files and --config) must not look like a change."""
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value
