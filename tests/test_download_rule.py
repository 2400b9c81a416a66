"""The workflow's download rule fetches a dataset from a mirror on loopback and verifies it."""

import functools
import http.server
import tarfile
import threading

import pytest

from workflow import copy_workflow, snakemake

pytestmark = pytest.mark.realdata

URL = "http://ixa2.si.ehu.eus/stswiki/images/4/48/Stsbenchmark.tar.gz"
MEMBERS = ["sts-train.csv", "sts-dev.csv", "sts-test.csv", "readme.txt", "LICENSE.txt"]


@pytest.fixture
def mirror(shared_data, tmp_path):
    """An HTTP server on 127.0.0.1 serving an STS-B archive built from the real files."""
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "Stsbenchmark.tar.gz", "w:gz") as archive:
        for name in MEMBERS:
            archive.add(shared_data / "stsbenchmark" / name, arcname=f"stsbenchmark/{name}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/Stsbenchmark.tar.gz", served
    server.shutdown()


def test_download_rule_fetches_verifies_and_protects(mirror, tmp_path):
    url, served = mirror
    workdir = copy_workflow(tmp_path / "wf")
    data = tmp_path / "data"
    target = data / "stsbenchmark" / "sts-test.csv"
    result = snakemake(
        workdir,
        "--cores",
        "1",
        str(target),
        "--config",
        "download=True",
        f"data_dir={data}",
        f"download_mirrors={{'{URL}': '{url}'}}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert target.is_file() and not target.stat().st_mode & 0o222  # write-protected
    assert (workdir / "logs" / "download_stsb" / "stsb.log").is_file()


def test_corrupt_mirror_fails_and_writes_nothing(mirror, tmp_path):
    url, served = mirror
    archive = served / "Stsbenchmark.tar.gz"
    with tarfile.open(archive, "w:gz") as broken:  # same members, one file altered
        for name in MEMBERS:
            path = tmp_path / name
            path.write_text("tampered\n")
            broken.add(path, arcname=f"stsbenchmark/{name}")
    workdir = copy_workflow(tmp_path / "wf")
    data = tmp_path / "data"
    result = snakemake(
        workdir,
        "--cores",
        "1",
        str(data / "stsbenchmark" / "sts-test.csv"),
        "--config",
        "download=True",
        f"data_dir={data}",
        f"download_mirrors={{'{URL}': '{url}'}}",
    )
    assert result.returncode != 0
    log = (workdir / "logs" / "download_stsb" / "stsb.log").read_text()
    assert "sts-" in log and "sha256" in log.lower()
    assert not (data / "stsbenchmark" / "sts-test.csv").exists()
