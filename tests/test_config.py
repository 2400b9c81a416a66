"""Bad configs fail before any job runs, with a message naming the key."""

import pytest
import yaml

from workflow import REPO, copy_workflow, snakemake


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("wf"))


def with_config(workdir, name, change):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    change(config)
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("name, change, expected", [
    ("wrong_type", lambda c: c["encode"].update(batch_tokens="many"), ["batch_tokens", "'many'"]),
    ("unknown_key", lambda c: c["encode"].update(bogus=1), ["bogus"]),
    ("unknown_source", lambda c: c["models"]["minilm"].update(source="ftp"), ["['minilm']['source']", "ftp"]),
    ("hf_without_revision", lambda c: c["models"].update(bert={"source": "hf", "id": "bert-base-uncased"}),
     ["revision"]),
    ("bad_aggregate", lambda c: c["sts"].update(aggregate="median"), ["aggregate", "median"]),
    ("pooling_mismatch", lambda c: (c["postprocess"]["whiten"].update(level="sentences"),
                                    c["sts"].update(special_tokens=False)), ["sts.special_tokens"]),
    ("undefined_corpus", lambda c: c["outliers"].update(corpora=["sst2", "nope"]), ["nope", "corpora"]),
])
def test_bad_config_fails_before_any_job(workdir, name, change, expected):
    result = snakemake(workdir, "-n", "--cores", "1", "--configfile", str(with_config(workdir, name, change)))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for text in expected:
        assert text in output, output[-2000:]
    assert not (workdir / "results").exists()


def test_default_config_validates_with_defaults_filled(workdir):
    result = snakemake(workdir, "-n", "--cores", "1", "--quiet", "all")
    assert result.returncode == 0, result.stderr[-3000:]
