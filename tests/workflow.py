"""Run the workflow from a temporary copy of the repository, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ("Snakefile", "config.yaml", "rules", "scripts", "schemas", "envs", "profiles",
                  "report", "demo", "src", "configs")
BIN = Path(sys.executable).parent


def copy_workflow(target: Path) -> Path:
    """Copy the workflow (not results, not .git) to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def snakemake(workdir: Path, *args: str, timeout: int = 1800, env: dict | None = None,
              umask: int | None = None, python: Path | None = None) -> subprocess.CompletedProcess:
    """`snakemake ARGS` in `workdir` with this interpreter's environment on PATH (or `python -m snakemake`)."""
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    command = [str(python), "-m", "snakemake"] if python else [str(BIN / "snakemake")]
    return subprocess.run([*command, *args], cwd=workdir, capture_output=True, text=True, timeout=timeout,
                          env=environment, preexec_fn=None if umask is None else lambda: os.umask(umask))


def dry_run_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """{rule: number of jobs} that a dry run would execute."""
    result = snakemake(workdir, "-n", "--quiet", "rules", *args)
    assert result.returncode == 0, result.stderr + result.stdout
    jobs: dict[str, int] = {}
    lines = (result.stdout + result.stderr).splitlines()
    if "Job stats:" not in lines:
        return jobs
    for line in lines[lines.index("Job stats:") + 3:]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs
