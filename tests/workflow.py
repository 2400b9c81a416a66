"""Run the workflow from a temporary copy of the repository, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = (
    "Snakefile",
    "config.yaml",
    "rules",
    "scripts",
    "schemas",
    "envs",
    "profiles",
    "report",
    "demo",
    "src",
    "configs",
)
BIN = Path(sys.executable).parent


def copy_workflow(target: Path) -> Path:
    """Copy the workflow (not results, not .git) to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, target / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def snakemake(
    workdir: Path,
    *args: str,
    timeout: int = 1800,
    env: dict | None = None,
    umask: int | None = None,
    python: Path | None = None,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess:
    """`snakemake ARGS` in `workdir` with this interpreter's environment on PATH (or `python -m snakemake`);
    `prefix` is a command that runs it (e.g. setpriv with fewer privileges)."""
    command = [str(python), "-m", "snakemake"] if python else [str(BIN / "snakemake")]
    return subprocess.run(
        [*prefix, *command, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env),
        preexec_fn=None if umask is None else lambda: os.umask(umask),
    )


def environment(extra: dict | None = None) -> dict:
    """This process's environment with this interpreter's bin first on PATH."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(extra or {})}


def tiny_model_run(root: Path, *targets: str) -> tuple[Path, Path]:
    """A workflow copy whose config.yaml has one model, a tiny random BERT (`path`), run to `targets`.

    Cheaper than the demo's MiniLM. Returns (workdir, model directory), both under `root`.
    """
    import yaml
    from tiny_models import build

    workdir = copy_workflow(root / "wf")
    model = build("bert", root / "tiny-bert")
    config = {
        **yaml.safe_load((REPO / "config.yaml").read_text()),
        "models": {"tiny": {"source": "path", "path": str(model)}},
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, "--cores", "2", *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir, model


def dry_run_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """{rule: number of jobs} that a dry run would execute."""
    result = snakemake(workdir, "-n", "--quiet", "rules", *args)
    assert result.returncode == 0, result.stderr + result.stdout
    return job_stats(result.stdout + result.stderr)


def job_stats(output: str) -> dict[str, int]:
    """{rule: number of jobs} from the "Job stats" table Snakemake prints before it runs (or would run)."""
    jobs: dict[str, int] = {}
    lines = output.splitlines()
    if "Job stats:" not in lines:
        return jobs
    for line in lines[lines.index("Job stats:") + 3 :]:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs
