"""JSON-schema validation that fills every default and says which key (and line) is wrong.

Snakemake's `validate(..., set_default=True)` fills a default only when it sits directly
beside the property; a default reached through `$ref` (`seed: {$ref: "#/$defs/seed"}`)
was never applied, so a partial section failed later with a bare KeyError. Here defaults
are looked up through local `$ref`s too, and every error names the key path, the file
and line where that key is written (when known), and what is allowed.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Mapping

import jsonschema

from posart import yamlfile

_BASE = jsonschema.Draft202012Validator
_NO_DEFAULT = object()


class SchemaError(ValueError):
    """A document that does not follow its schema; the message lists every violation."""


def read(path: str | os.PathLike) -> dict:
    """A schema file (YAML), checked to be a valid Draft 2020-12 schema."""
    schema = yamlfile.load(path).data
    _BASE.check_schema(schema)
    return schema


def validate(
    document: Any,
    schema: Mapping,
    *,
    fill_defaults: bool = False,
    lines: Mapping[tuple, str] | None = None,
    what: str = "config",
) -> None:
    """Raise SchemaError listing every violation; with `fill_defaults`, fill missing keys in place."""
    cls = jsonschema.validators.extend(_BASE, {"properties": _filling(schema)}) if fill_defaults else _BASE
    errors = sorted(cls(schema).iter_errors(document), key=lambda e: [str(k) for k in e.absolute_path])
    if errors:
        raise SchemaError(
            f"{what} does not follow its schema:\n" + "\n".join(f"  {describe(e, lines or {})}" for e in errors)
        )


def key_path(key: tuple) -> str:
    """("models", "minilm", "source") -> "models.minilm.source"; indices as [i]."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def located(key: tuple, lines: Mapping[tuple, str]) -> str:
    """ "file:line: key.path" for the key, or the nearest enclosing key whose line is known."""
    where = next((lines[key[:n]] for n in range(len(key), 0, -1) if key[:n] in lines), None)
    return f"{where + ': ' if where else ''}{key_path(key)}"


def describe(error: jsonschema.ValidationError, lines: Mapping[tuple, str]) -> str:
    return f"{located(tuple(error.absolute_path), lines)}: {error.message}"


def _filling(root: Mapping):
    """The `properties` keyword, extended to fill each missing property's default first."""

    def properties(validator, properties, instance, schema):
        if validator.is_type(instance, "object"):
            for name, subschema in properties.items():
                default = _default(root, subschema)
                if name not in instance and default is not _NO_DEFAULT:
                    instance[name] = copy.deepcopy(default)
        yield from _BASE.VALIDATORS["properties"](validator, properties, instance, schema)

    return properties


def _default(root: Mapping, subschema: Mapping):
    """The default of a property: its own, else that of the schema its local `$ref` points to."""
    seen = set()
    while isinstance(subschema, Mapping):
        if "default" in subschema:
            return subschema["default"]
        ref = subschema.get("$ref")
        if ref is None or ref in seen:
            return _NO_DEFAULT
        if not ref.startswith("#/"):
            raise SchemaError(f"only local $refs (#/...) are supported, not {ref!r}")
        seen.add(ref)
        subschema = root
        for part in ref[2:].split("/"):
            subschema = subschema[part.replace("~1", "/").replace("~0", "~")]
    return _NO_DEFAULT
