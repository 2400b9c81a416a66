"""Conda env files: every rule uses one, and their pins are exactly pyproject's.

conda cannot be installed here, so the env files are checked statically.
"""

import re
import tomllib

import yaml

from workflow import REPO

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;]+)$")


def requirements() -> list[str]:
    """The dependencies and every optional extra's (test, fairseq)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + [d for group in project["optional-dependencies"].values() for d in group]


def pyproject_pins():
    return dict(PIN.match(d).groups() for d in requirements())


def env_pins(path):
    env = yaml.safe_load(path.read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return dict(PIN.match(p).groups() for p in pip)


def test_every_pyproject_dependency_is_pinned():
    for dependency in requirements():
        assert PIN.match(dependency), f"{dependency} is not pinned with =="


def test_env_pins_equal_pyproject():
    pins = pyproject_pins()
    envs = sorted((REPO / "envs").glob("*.yaml"))
    assert len(envs) >= 3
    for path in envs:
        for name, version in env_pins(path).items():
            assert pins.get(name) == version, f"{path.name}: {name}=={version}, pyproject has {pins.get(name)}"


def test_every_rule_with_a_script_has_an_existing_conda_env():
    for smk in (REPO / "rules").glob("*.smk"):
        blocks = re.split(r"\n(?=\s*rule\b)", smk.read_text())
        for block in blocks:
            if "script:" not in block:
                continue
            match = re.search(r'conda:\s*\n\s*"\.\./(envs/[\w.-]+\.yaml)"', block)
            assert match, f"{smk.name}: a rule without a conda env:\n{block[:200]}"
            assert (REPO / match.group(1)).is_file()
