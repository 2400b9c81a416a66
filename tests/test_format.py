"""Formatting and lint: snakefmt for the workflow, ruff for Python (line length 120, pyproject).

snakefmt runs with snakefmt's default directive order, written out in pyproject.toml
([tool.snakefmt]). `ruff format --check` covers FORMATTED: the files formatted so far;
the rest are formatted in one commit when the parallel branches are merged, and this list
then becomes the whole tree.
"""

import subprocess

from workflow import BIN, REPO

FORMATTED = [
    "scripts",
    "src/posart/archives.py",
    "src/posart/checksums.py",
    "src/posart/cli.py",
    "src/posart/config.py",
    "src/posart/contract.py",
    "src/posart/corpora/senteval_sts.py",
    "src/posart/data_check.py",
    "src/posart/download.py",
    "src/posart/geometry.py",
    "src/posart/prepare.py",
    "src/posart/readers.py",
    "src/posart/registry.py",
    "src/posart/schema.py",
    "src/posart/tables.py",
    "src/posart/tasks",
    "src/posart/yamlfile.py",
    "tests/test_config.py",
    "tests/test_contract.py",
    "tests/test_format.py",
    "tests/test_prepare.py",
    "tests/test_registry.py",
    "tests/test_rules.py",
]


def run(*command):
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True)


def test_snakefmt():
    result = run("snakefmt", "--check", "Snakefile", "rules")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run("ruff", "format", "--check", *FORMATTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_lint():
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
