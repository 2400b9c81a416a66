"""Provenance records: for every artifact, what made it, from what, with which settings.

Each workflow output `X` gets a sidecar `X.prov.json` holding its sha256, the rule, the
rule's parameters, its inputs (with their sha256, read from their own records, so nothing
is hashed twice), raw data checksums, model revision and weight hash, code version (git
commit, script hash) and package versions. `chain(X)` follows inputs back to raw files;
`posart audit X` prints that chain.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping

from posart.atomic import write_text
from posart.checksums import sha256_file as sha256

SUFFIX = ".prov.json"
PACKAGES = ("posart", "torch", "transformers", "tokenizers", "h5py", "numpy", "pandas", "scipy",
            "matplotlib", "snakemake")


def sidecar(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def code_version(directory: str | Path) -> dict[str, Any]:
    """Git commit of the workflow checkout and whether it had uncommitted changes."""
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                                  text=True, check=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "git_dirty": bool(status) if status is not None else None}


def config_hash(params: Any) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def input_hash(path: str | Path) -> str:
    """An input's sha256: from its own provenance record when it has one, else computed."""
    record = sidecar(path)
    if record.is_file():
        return json.loads(record.read_text())["sha256"]
    return sha256(path)


def write(outputs: Iterable[str], *, rule: str, inputs: Iterable[str], params: Any,
          script: str | None = None, workdir: str | Path = ".", extra: Mapping | None = None) -> None:
    """Write a record next to every output (after the outputs themselves are complete)."""
    inputs = [str(p) for p in inputs]
    base = {
        "rule": rule,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "params": params,
        "params_hash": config_hash(params),
        "inputs": {path: input_hash(path) for path in inputs},
        "code": {**code_version(workdir), "script": script,
                 "script_sha256": sha256(script) if script and Path(script).is_file() else None},
        "packages": package_versions(),
        "host": platform.node(),
        **(extra or {}),
    }
    for output in outputs:
        write_text(sidecar(output), json.dumps({"artifact": str(output), "sha256": sha256(output), **base},
                                               indent=1, sort_keys=True, default=str))


def read(path: str | Path) -> dict:
    record = sidecar(path)
    if not record.is_file():
        raise FileNotFoundError(f"no provenance record for {path} (expected {record})")
    return json.loads(record.read_text())


def chain(path: str | Path, seen: set[str] | None = None) -> dict:
    """The record of `path` with the records of its inputs nested under `upstream`."""
    seen = set() if seen is None else seen
    node: dict[str, Any] = {"artifact": str(path)}
    if str(path) in seen:
        return {**node, "see_above": True}
    seen.add(str(path))
    if not sidecar(path).is_file():
        return {**node, "raw": True}
    record = read(path)
    node.update(record)
    node["upstream"] = [chain(p, seen) for p in record["inputs"]]
    return node


def render(node: Mapping, depth: int = 0) -> list[str]:
    """Human-readable lines of a provenance chain, one indented block per artifact."""
    pad = "  " * depth
    if node.get("see_above"):
        return [f"{pad}- {node['artifact']} (see above)"]
    if node.get("raw"):
        return [f"{pad}- {node['artifact']} (raw input)"]
    lines = [f"{pad}- {node['artifact']}  [rule {node['rule']}, sha256 {node['sha256'][:16]}…]",
             f"{pad}    params: {json.dumps(node['params'], sort_keys=True, default=str)}"]
    for key in ("data", "model"):
        if node.get(key):
            lines.append(f"{pad}    {key}: {json.dumps(node[key], sort_keys=True)}")
    code = node["code"]
    lines.append(f"{pad}    code: git {code.get('git_commit')} dirty={code.get('git_dirty')} "
                 f"script {code.get('script')} {str(code.get('script_sha256'))[:16]}")
    packages = node["packages"]
    lines.append(f"{pad}    packages: " + ", ".join(f"{k} {v}" for k, v in sorted(packages.items())))
    for upstream in node["upstream"]:
        lines.extend(render(upstream, depth + 1))
    return lines
