"""The workflow's habits, read from rules/*.smk: logs per rule, declared threads, get_ functions."""

import re

import pytest
import yaml

from workflow import REPO

RULES = {}
for _smk in sorted((REPO / "rules").glob("*.smk")):
    for _block in re.split(r"\n(?=rule\b|checkpoint\b|        rule:)", _smk.read_text())[1:]:
        _name = re.match(r"(?:rule|checkpoint) (\w+):", _block) or re.search(r'name:\s*\n\s*f"(\w+\{\w+\})"', _block)
        RULES[_name.group(1)] = _block


def test_rules_are_found():
    assert {"encode", "supervised", "prepare_sts", "table2_sts", "download_{_download}", "probe"} <= set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_logs_live_under_logs_rule(rule):
    log = re.search(r'log:\s*\n\s*f?"([^"]+)"', RULES[rule])
    assert log and log.group(1).startswith(f"logs/{rule}/"), RULES[rule][:300]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_script_using_threads_declares_them(rule):
    script = re.search(r'script:\s*\n\s*"\.\./(scripts/[\w.]+)"', RULES[rule])
    if script and "snakemake.threads" in (REPO / script.group(1)).read_text():
        assert re.search(r"\n    threads: \d+", RULES[rule]), f"rule {rule} uses snakemake.threads"


def test_input_and_params_functions_are_named_get():
    """A bare function name as an input or a param (Snakemake calls it with the wildcards)."""
    text = "".join(RULES.values())
    functions = set(re.findall(r"(?:^|=|unpack\()\s*([a-z][a-z_]*)[,)]\s*$", text, re.M))
    defined = set(re.findall(r"^def (\w+)\(wildcards\)", (REPO / "rules" / "common.smk").read_text(), re.M))
    assert functions and functions <= defined
    assert all(name.startswith("get_") for name in functions | defined)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_cluster_job_keeps_a_benchmark_record(rule):
    """A rule that is not local runs as a (cluster) job: its time and memory go to results/benchmarks/{rule}/."""
    if "localrule: True" in RULES[rule]:
        return
    benchmark = re.search(r'benchmark:\s*\n\s*f?"([^"]+)"', RULES[rule])
    assert benchmark and benchmark.group(1).startswith(f"results/benchmarks/{rule}/"), RULES[rule][:300]


@pytest.mark.parametrize("rule", sorted(rule for rule, block in RULES.items() if "benchmark:" in block))
def test_a_heavy_rule_has_a_memory_budget(rule):
    """results/paper/jobs.csv sets every heavy job's peak against its mem_mb: profiles/default gives one."""
    resources = yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())["set-resources"]
    assert resources.get(rule, {}).get("mem_mb", 0) > 0, f"profiles/default/config.yaml: no mem_mb for {rule}"
