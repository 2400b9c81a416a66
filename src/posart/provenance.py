"""Provenance records: for every artifact, what made it, from what, with which settings.

Each workflow output `X` gets a sidecar `X.prov.json` holding its sha256, the rule, the
rule's parameters, its inputs (with their sha256, read from their own records, so nothing
is hashed twice), raw data checksums, model revision and weight hash (`models`: every model
the artifact descends from, see posart.lineage), code version (git commit, script hash, the
imported package's location and source hash) and package versions. `chain(X)` follows
inputs back to raw files; `posart audit X` prints that chain and checks it.

A record describes its artifact only while the artifact is the one it hashed: records hold
the artifact's size and mtime, and a reader whose artifact no longer matches them re-hashes
it (`verified`): a different sha256 (the file was changed or replaced behind the workflow's
back) is an error, never a silently wrong chain. A job removes its outputs' old records
when it starts (`clear`), so a failed job leaves no record of a file that is not there.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping

from posart import checkout, lineage
from posart.atomic import remove_temporaries, write_text
from posart.checksums import sha256_file as sha256

log = logging.getLogger(__name__)

SUFFIX = ".prov.json"
PACKAGES = (
    "posart",
    "torch",
    "transformers",
    "tokenizers",
    "h5py",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "snakemake",
)


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


class StaleRecordError(RuntimeError):
    """A provenance record that does not describe the file beside it; names both."""


def code_version(directory: str | Path) -> dict[str, Any]:
    """Git commit of the workflow checkout, whether it had uncommitted changes, and the package that ran."""

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "git_commit": commit,
        "git_dirty": bool(status) if status is not None else None,
        "package": str(checkout.location()),
        "package_sha256": checkout.source_sha256(),
    }


def config_hash(params: Any) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def verified(path: str | Path) -> dict | None:
    """The record of `path` if it still describes the file there; None if `path` has no record.

    Size and mtime equal to the recorded ones mean the file is untouched (no hashing, so
    large caches stay cheap); otherwise the file is re-hashed and must match the record.
    """
    record_path = sidecar(path)
    if not record_path.is_file():
        return None
    record = json.loads(record_path.read_text())
    problem = check(path, record, trust_mtime=True)
    if problem:
        raise StaleRecordError(
            f"{record_path} does not describe {path}: {problem}. The file was changed "
            f"outside the workflow; delete both and rerun to rebuild it"
        )
    return record


def check(path: str | Path, record: Mapping, trust_mtime: bool = False) -> str | None:
    """What is wrong between an artifact and its record (None when the record holds)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "the artifact is missing"
    if trust_mtime and (record.get("size"), record.get("mtime_ns")) == (info.st_size, info.st_mtime_ns):
        return None
    actual = sha256(path)
    if actual != record["sha256"]:
        return f"its sha256 is {actual[:16]}…, the record says {record['sha256'][:16]}…"
    return None


def input_records(paths: Iterable[str]) -> dict[str, dict | None]:
    """Each input's verified record (None for a raw input such as a data file)."""
    return {str(path): verified(path) for path in paths}


def input_hashes(records: Mapping[str, dict | None]) -> dict[str, str]:
    """Inputs' sha256: from their own records when they have one (hashed once), else computed."""
    return {path: record["sha256"] if record else sha256(path) for path, record in records.items()}


def clear(outputs: Iterable[str]) -> None:
    """A job starting over: no old record of its outputs, no temporary of an earlier attempt."""
    for output in outputs:
        sidecar(output).unlink(missing_ok=True)
        for leftover in remove_temporaries(output) + remove_temporaries(sidecar(output)):
            log.info("removed %s, left by an interrupted earlier run", leftover)


def write(
    outputs: Iterable[str],
    *,
    rule: str,
    inputs: Mapping[str, str],
    params: Any,
    script: str | None = None,
    workdir: str | Path = ".",
    extra: Mapping | None = None,
) -> None:
    """Write a record next to every output (after the outputs themselves are complete).

    `inputs` maps each input to its sha256 (see `input_hashes`).
    """
    base = {
        "rule": rule,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "params": params,
        "params_hash": config_hash(params),
        "inputs": dict(inputs),
        "code": {
            **code_version(workdir),
            "script": script,
            "script_sha256": sha256(script) if script and Path(script).is_file() else None,
        },
        "packages": package_versions(),
        "host": platform.node(),
        **(extra or {}),
    }
    for output in outputs:
        info = os.stat(output)
        record = {
            "artifact": str(output),
            "sha256": sha256(output),
            "size": info.st_size,
            "mtime_ns": info.st_mtime_ns,
            **base,
        }
        write_text(sidecar(output), json.dumps(record, indent=1, sort_keys=True, default=str))


def read(path: str | Path) -> dict:
    record = sidecar(path)
    if not record.is_file():
        raise FileNotFoundError(f"no provenance record for {path} (expected {record})")
    return json.loads(record.read_text())


def chain(path: str | Path, seen: set[str] | None = None, expected: str | None = None) -> dict:
    """The record of `path` with the records of its inputs nested under `upstream`.

    A raw input (no record of its own) carries the sha256 its consumer recorded (`expected`).
    """
    seen = set() if seen is None else seen
    node: dict[str, Any] = {"artifact": str(path)}
    if str(path) in seen:
        return {**node, "see_above": True}
    seen.add(str(path))
    if not sidecar(path).is_file():
        return {**node, "raw": True, "sha256": expected}
    record = read(path)
    node.update(record)
    node["upstream"] = [chain(p, seen, digest) for p, digest in record["inputs"].items()]
    return node


def nodes(node: Mapping) -> list[Mapping]:
    """Every artifact of a chain once, depth first."""
    found = [node] if not node.get("see_above") else []
    for upstream in node.get("upstream", []):
        found.extend(nodes(upstream))
    return found


def problems(node: Mapping, trust_mtime: bool = False) -> list[str]:
    """What a chain's records do not vouch for: artifacts missing or changed since they were
    recorded (sha256), raw inputs changed since they were read, one model's weights mixed."""
    found = []
    for item in nodes(node):
        if item.get("raw") and item.get("sha256") is None:
            continue
        problem = check(item["artifact"], item, trust_mtime=trust_mtime and not item.get("raw"))
        if problem:
            found.append(f"{item['artifact']}: {problem}")
    return found + lineage.mixtures(item for item in nodes(node) if not item.get("raw"))


def render(node: Mapping, depth: int = 0) -> list[str]:
    """Human-readable lines of a provenance chain, one indented block per artifact."""
    pad = "  " * depth
    if node.get("see_above"):
        return [f"{pad}- {node['artifact']} (see above)"]
    if node.get("raw"):
        return [f"{pad}- {node['artifact']} (raw input)"]
    lines = [
        f"{pad}- {node['artifact']}  [rule {node['rule']}, sha256 {node['sha256'][:16]}…]",
        f"{pad}    params: {json.dumps(node['params'], sort_keys=True, default=str)}",
    ]
    for key in ("data", "model", "models"):
        if node.get(key):
            lines.append(f"{pad}    {key}: {json.dumps(node[key], sort_keys=True)}")
    code = node["code"]
    lines.append(
        f"{pad}    code: git {code.get('git_commit')} dirty={code.get('git_dirty')} "
        f"script {code.get('script')} {str(code.get('script_sha256'))[:16]} "
        f"package {code.get('package')} {str(code.get('package_sha256'))[:16]}"
    )
    packages = node["packages"]
    lines.append(f"{pad}    packages: " + ", ".join(f"{k} {v}" for k, v in sorted(packages.items())))
    for upstream in node["upstream"]:
        lines.extend(render(upstream, depth + 1))
    return lines
