"""The README gives exactly two set-up commands, and .ci/run runs the test one verbatim."""

import re

from workflow import REPO


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (REPO / "README.md").read_text(), re.S)


def test_two_setup_commands_demo_and_tests():
    setup = [c for c in readme_commands() if "pip install" in c]
    assert len(setup) == 2
    demo, tests = setup
    assert demo.endswith("snakemake --cores 2 all") and tests.endswith("pytest")


def test_ci_runs_the_readme_test_command_with_data_required():
    tests = [c for c in readme_commands() if "pip install" in c][1]
    ci = (REPO / ".ci" / "run").read_text()
    assert tests in ci.splitlines()
    assert "POSART_REQUIRE_DATA=1" in ci and "POSART_REQUIRE_FAIRSEQ=1" in ci
