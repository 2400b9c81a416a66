"""The dataset registry: one entry per dataset posart reads, and the downloads behind them.

Every fact about a dataset lives in `resources/datasets.yaml`: its files (relative to
data_dir), reader, granularity, display name, number of classes, and the download that
provides its files (the `downloads` entry whose sources write them, `posart.download`),
with checksums. prepare, the workflow, the config schema's allowed
values, the download rules and the paper tables all read it from here, so adding a dataset
in a known format is one registry entry. The file's shape is checked by
`resources/datasets.schema.yaml`; reader names are checked against `posart.readers`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Mapping

from posart import readers, schema, yamlfile


def _resource(name: str) -> Path:
    return Path(str(resources.files("posart") / "resources" / name))


@dataclass(frozen=True)
class Dataset:
    name: str
    task: str
    display: str
    description: str
    reader: str
    parts: Mapping[str, tuple[str, ...]]
    options: Mapping = field(default_factory=dict)
    granularity: str | None = None
    n_classes: int | None = None
    no_download: str | None = None

    def files(self, parts=None) -> list[str]:
        """Relative paths of the named parts (default: all), in registry order."""
        chosen = list(self.parts) if parts is None else list(parts)
        unknown = [p for p in chosen if p not in self.parts]
        if unknown:
            raise ValueError(f"dataset {self.name!r} has no part(s) {unknown}; it has {list(self.parts)}")
        return [path for part in chosen for path in self.parts[part]]


@dataclass(frozen=True)
class Registry:
    datasets: Mapping[str, Dataset]
    downloads: Mapping[str, Mapping]

    def dataset(self, name: str) -> Dataset:
        if name not in self.datasets:
            raise ValueError(f"unknown dataset {name!r}; the registry has {', '.join(self.datasets)}")
        return self.datasets[name]

    def task(self, task: str) -> dict[str, Dataset]:
        """The datasets a stage reads, in registry order."""
        return {name: entry for name, entry in self.datasets.items() if entry.task == task}

    def display_names(self, task: str) -> dict[str, str]:
        return {name: entry.display for name, entry in self.task(task).items()}


def load(path: str | os.PathLike | None = None) -> Registry:
    """The registry in `path` (default: the packaged one), validated."""
    return _packaged() if path is None else _parse(Path(path))


@functools.cache
def _packaged() -> Registry:
    return _parse(_resource("datasets.yaml"))


def _parse(path: Path) -> Registry:
    document = yamlfile.load(path)
    schema.validate(
        document.data,
        schema.read(_resource("datasets.schema.yaml")),
        lines=document.lines,
        what=f"dataset registry {path}",
    )
    datasets = {}
    for name, entry in document.data["datasets"].items():
        if entry["reader"] not in readers.READERS:
            raise ValueError(
                f"{schema.located(('datasets', name, 'reader'), document.lines)}: unknown "
                f"reader {entry['reader']!r}; posart.readers has {', '.join(readers.READERS)}"
            )
        parts = {part: tuple(files) for part, files in entry.pop("parts").items()}
        datasets[name] = Dataset(name=name, parts=parts, **entry)
    return Registry(datasets, document.data["downloads"])
