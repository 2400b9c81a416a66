"""Strict YAML for configs and the dataset registry: errors say where.

PyYAML keeps the last of two equal keys without a word (two models with the same name:
one silently vanishes), and Snakemake reduces a syntax error to "not valid JSON or YAML".
Here a duplicate key is an error naming the file, the key and both lines; a syntax error
names the file, line and column; and the line of every key is kept, so that a later check
(the JSON schema) can point at the line of the value it rejects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import yaml

Key = tuple  # a path of mapping keys and sequence indices, e.g. ("models", "minilm", "source")


class YamlError(ValueError):
    """A YAML file that cannot be read as written (syntax error, duplicate key)."""


class Located(NamedTuple):
    data: Any
    lines: dict[Key, str]  # key path -> "file:line" where that key is written


def load(path: str | os.PathLike) -> Located:
    """The document in `path`, and where each of its keys is written."""
    path = Path(path)
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
        lines: dict[Key, str] = {}
        if node is not None:
            _index(loader, node, (), lines, path)
        return Located(loader.construct_document(node) if node is not None else None, lines)
    except yaml.MarkedYAMLError as error:
        mark, context = error.problem_mark or error.context_mark, ""
        if error.context and error.context_mark:
            start = error.context_mark
            context = f" ({error.context} that starts at line {start.line + 1}, column {start.column + 1})"
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise YamlError(f"{where}: YAML syntax error: {error.problem}{context}") from None
    except yaml.YAMLError as error:
        raise YamlError(f"{path}: not readable as YAML: {error}") from None
    finally:
        loader.dispose()


def _index(loader: yaml.SafeLoader, node: yaml.Node, key: Key, lines: dict[Key, str], path: Path) -> None:
    """Record the line of every key below `node`; a key written twice in one mapping is an error."""
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            name = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if name in first:
                where = ".".join(map(str, key + (name,)))
                raise YamlError(
                    f"{path}:{line}: duplicate key {where!r} (first written at line {first[name]}); "
                    f"YAML would silently keep only the last one"
                )
            first[name] = line
            lines[key + (name,)] = f"{path}:{line}"
            _index(loader, value_node, key + (name,), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[key + (index,)] = f"{path}:{item.start_mark.line + 1}"
            _index(loader, item, key + (index,), lines, path)
