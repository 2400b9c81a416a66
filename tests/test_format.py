"""Formatting and lint: snakefmt for the workflow, ruff for Python (line length 120, pyproject).

snakefmt runs with snakefmt's default directive order, written out in pyproject.toml
([tool.snakefmt]). `ruff format --check` covers FORMATTED: the files formatted so far;
the rest are formatted in one commit when the parallel branches are merged, and this list
then becomes the whole tree.
"""

import subprocess

from workflow import BIN, REPO

FORMATTED = [
    "demo/make_treebank.py",
    "demo/make_wsd_data.py",
    "scripts",
    "src/posart/architectures.py",
    "src/posart/archives.py",
    "src/posart/checksums.py",
    "src/posart/cli.py",
    "src/posart/config.py",
    "src/posart/contract.py",
    "src/posart/corpora/__init__.py",
    "src/posart/corpora/raganato.py",
    "src/posart/corpora/semcor.py",
    "src/posart/corpora/sense_tagged.py",
    "src/posart/corpora/senteval_sts.py",
    "src/posart/corpora/wikiextractor.py",
    "src/posart/corpora/treebank.py",
    "src/posart/corpora/wordnet.py",
    "src/posart/data_check.py",
    "src/posart/download.py",
    "src/posart/fitting.py",
    "src/posart/geometry.py",
    "src/posart/origin.py",
    "src/posart/prepare.py",
    "src/posart/pretrain",
    "src/posart/probe.py",
    "src/posart/probe_weights.py",
    "src/posart/readers.py",
    "src/posart/registry.py",
    "src/posart/schema.py",
    "src/posart/span_pooling.py",
    "src/posart/tables.py",
    "src/posart/tasks",
    "src/posart/writable.py",
    "src/posart/yamlfile.py",
    "tests/pretrain_corpus.py",
    "tests/test_architectures.py",
    "tests/test_config.py",
    "tests/test_contract.py",
    "tests/test_failures.py",
    "tests/test_fitting.py",
    "tests/test_format.py",
    "tests/test_grammar.py",
    "tests/test_origin.py",
    "tests/test_origin_realdata.py",
    "tests/test_paper_settings.py",
    "tests/test_prepare.py",
    "tests/test_pretrain.py",
    "tests/test_pretrain_fairseq.py",
    "tests/test_pretrain_workflow.py",
    "tests/test_probe.py",
    "tests/test_registry.py",
    "tests/test_rules.py",
    "tests/test_tables.py",
    "tests/test_wikiextractor.py",
    "tests/test_writable.py",
    "tests/test_wsd.py",
    "tests/test_wsd_corpora.py",
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
