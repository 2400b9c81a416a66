"""Formatting and lint: snakefmt for the workflow, ruff for Python (line length 120, pyproject).

snakefmt runs with snakefmt's default directive order, written out in pyproject.toml
([tool.snakefmt]); `ruff format --check` covers the whole tree.
"""

import subprocess

from workflow import BIN, REPO


def run(*command):
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True)


def test_snakefmt():
    result = run("snakefmt", "--check", "Snakefile", "rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint():
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
