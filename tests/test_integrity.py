"""Never silently wrong, in the workflow: new weights re-encode, jobs run this checkout's code,
outputs follow the umask, and interrupted runs leave nothing behind.

One small run (a tiny random BERT as a `path` model, up to one outlier table) in a temporary
copy of the workflow; the tests then change one thing each and ask Snakemake.
"""

import json
import os
import subprocess
import sys
import sysconfig

import h5py
import pytest

from tiny_models import perturb
from workflow import copy_workflow, dry_run_jobs, snakemake, tiny_model_run

pytestmark = pytest.mark.slow
TARGET = "results/tiny/outliers/sst2.csv"
CHAIN = {"model_identity": 1, "encode": 1, "join_shards": 1, "stats": 1, "outliers": 1}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model_run(tmp_path_factory.mktemp("integrity"), TARGET)


def recorded_hash(workdir):
    return json.loads((workdir / "results/tiny/identity.json").read_text())["weight_hash"]


def test_nothing_to_do_while_the_weights_stay(tiny):
    workdir, _ = tiny
    assert dry_run_jobs(workdir, "--cores", "1", TARGET) == {}


def test_new_weights_of_the_same_architecture_are_re_encoded(tiny):
    workdir, model = tiny
    before = recorded_hash(workdir)
    perturb(model)
    assert dry_run_jobs(workdir, "--cores", "1", TARGET) == CHAIN
    result = snakemake(workdir, "--cores", "2", TARGET)
    assert result.returncode == 0, result.stderr[-4000:]
    after = recorded_hash(workdir)
    assert after != before
    with h5py.File(workdir / "results/tiny/activations/corpus/sst2.h5", "r") as h5:
        assert h5.attrs["weight_hash"] == after
    outliers = json.loads((workdir / f"{TARGET}.prov.json").read_text())
    assert outliers["models"] == {"tiny": after}
    assert dry_run_jobs(workdir, "--cores", "1", TARGET) == {}


def test_a_killed_encodes_leftovers_go_on_its_next_run_and_only_its_own(tiny):
    workdir, _ = tiny
    shards = workdir / "results/tiny/activations/corpus/sst2"
    own = shards / ".shard0of1.h5.0123abcd.part"
    other = shards / ".shard1of2.h5.0123abcd.part"  # another target's, maybe being written now
    for leftover in (own, other):
        leftover.write_bytes(b"\0" * (1 << 20))
    target = shards.relative_to(workdir) / "shard0of1.h5"
    result = snakemake(workdir, "--cores", "2", str(target), "--forcerun", "encode")  # targets first:
    # --forcerun takes every word after it as a rule name
    assert result.returncode == 0, result.stderr[-4000:]
    assert not own.exists() and other.exists()
    assert str(own.relative_to(workdir)) in (workdir / "logs/encode/tiny/corpus/sst2/shard0of1.log").read_text()
    other.unlink()


def test_outputs_follow_a_group_writable_umask(tiny):
    workdir, _ = tiny
    result = snakemake(workdir, "--cores", "1", "results/data/sts.csv", "--forcerun", "prepare_sts", umask=0o002)
    assert result.returncode == 0, result.stderr[-4000:]
    for name in ("sts.csv", "sts.csv.prov.json"):
        assert (workdir / "results/data" / name).stat().st_mode & 0o777 == 0o664, name


def test_jobs_import_this_checkout_even_with_another_checkouts_editable_install(tiny, tmp_path):
    """A second checkout, installed in editable mode into the environment that runs snakemake."""
    workdir, _ = tiny
    other = copy_workflow(tmp_path / "other")
    marker = tmp_path / "other_checkout_imported"
    with open(other / "src/posart/__init__.py", "a") as init:
        init.write(f"\nopen({str(marker)!r}, 'a').write('imported')\n")
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    [site] = env.glob("lib/python*/site-packages")
    (site / "__editable__.posart-0.1.0.pth").write_text(f"{other / 'src'}\n")  # what pip install -e writes
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = env / "bin" / "python"
    shown = subprocess.run(
        [python, "-c", "import posart; print(posart.__file__)"], capture_output=True, text=True, cwd=tmp_path
    )
    assert shown.stdout.strip() == str(other / "src/posart/__init__.py")  # the other install is active
    marker.unlink()
    result = snakemake(workdir, "--cores", "1", "results/data/sts.csv", "--forcerun", "prepare_sts", python=python)
    assert result.returncode == 0, result.stderr[-4000:]
    assert not marker.exists()
    code = json.loads((workdir / "results/data/sts.csv.prov.json").read_text())["code"]
    assert code["package"] == str(workdir / "src" / "posart")
    from posart import checkout

    assert code["package_sha256"] == checkout.source_sha256.__wrapped__(workdir / "src" / "posart")
    assert os.path.realpath(workdir / "scripts/posart") == code["package"]
