"""Fetch, extraction and checksum verification, against archives served from 127.0.0.1 only."""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import io
import logging
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from posart import archives, checksums, corpora, download, registry


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An HTTP server on 127.0.0.1 (free port) serving the files of a temporary directory."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


TOY = {
    "toy/train.tsv": b"sentence\tlabel\ngood \t1\n",
    "toy/dev.tsv": b"sentence\tlabel\nbad \t0\n",
    "toy/unused.txt": b"not extracted",
}
TOY_MEMBERS = {"toy/train.tsv": "TOY/train.tsv", "toy/dev.tsv": "TOY/dev.tsv"}


def toy_downloads(url: str, data: bytes, **extra) -> dict:
    source = {"url": url, "format": "zip", "sha256": sha(data), "members": TOY_MEMBERS} | extra
    return {"toy": {"sources": [source]}}


def serve(server, name: str, data: bytes) -> str:
    root, base = server
    (root / name).write_bytes(data)
    return f"{base}/{name}"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.name.startswith(".") or p.suffix == ".part")


def test_fetch_zip_lands_in_layout(server, tmp_path):
    data = zip_bytes(TOY)
    url = serve(server, "toy.zip", data)
    written = download.fetch("toy", tmp_path / "data", downloads=toy_downloads(url, data))
    assert written == {"TOY/train.tsv": sha(TOY["toy/train.tsv"]), "TOY/dev.tsv": sha(TOY["toy/dev.tsv"])}
    assert (tmp_path / "data/TOY/train.tsv").read_bytes() == TOY["toy/train.tsv"]
    assert corpora.read_glue_sst2(tmp_path / "data/TOY/dev.tsv").label.tolist() == [0]
    assert sorted(p.name for p in (tmp_path / "data").rglob("*") if p.is_file()) == ["dev.tsv", "train.tsv"]


def test_fetch_mirror_override_keeps_the_checksum(server, tmp_path):
    data = zip_bytes(TOY)
    mirror = serve(server, "mirror.zip", data)
    downloads = toy_downloads(f"http://127.0.0.1:{closed_port()}/canonical.zip", data)
    download.fetch("toy", tmp_path, url_override=mirror, downloads=downloads)
    assert (tmp_path / "TOY/dev.tsv").is_file()


def test_corrupted_archive_is_rejected_and_prior_files_kept(server, tmp_path):
    good = zip_bytes(TOY)
    bad = zip_bytes(TOY | {"toy/train.tsv": b"sentence\tlabel\ntampered \t0\n"})
    url = serve(server, "corrupt.zip", bad)
    prior = tmp_path / "TOY/train.tsv"
    prior.parent.mkdir()
    prior.write_bytes(b"earlier copy")
    with pytest.raises(checksums.ChecksumError) as error:
        download.fetch("toy", tmp_path, downloads=toy_downloads(url, good))
    message = str(error.value)
    assert url in message and sha(good) in message and sha(bad) in message
    assert prior.read_bytes() == b"earlier copy"
    assert not (tmp_path / "TOY/dev.tsv").exists() and leftovers(tmp_path) == []


def test_member_differing_from_expected_checksum_writes_nothing(server, tmp_path):
    data = zip_bytes(TOY)
    url = serve(server, "toy2.zip", data)
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  TOY/dev.tsv\n")
    with pytest.raises(checksums.ChecksumError, match="TOY/dev.tsv: expected 0{64}"):
        download.fetch("toy", tmp_path, downloads=toy_downloads(url, data, sha256=None))
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["SHA256SUMS"]


def test_missing_member_is_an_error(server, tmp_path):
    data = zip_bytes({"toy/train.tsv": b"x"})
    url = serve(server, "partial.zip", data)
    with pytest.raises(ValueError, match="no member.* toy/dev.tsv"):
        download.fetch("toy", tmp_path, downloads=toy_downloads(url, data))
    assert not (tmp_path / "TOY/train.tsv").exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_host_says_how_to_use_a_local_copy(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/SST-2.zip"
    with pytest.raises(download.DownloadError, match=r"cannot reach .*point `data_dir` at the copy") as error:
        download.fetch("toy", tmp_path, downloads=toy_downloads(url, b""))
    assert leftovers(tmp_path) == []
    assert "shared" not in str(error.value) and "/work" not in str(error.value)  # no development machine's path


def test_http_error_is_reported(server, tmp_path):
    _, base = server
    with pytest.raises(download.DownloadError, match=r"HTTP 404.*download_mirrors"):
        download.fetch("toy", tmp_path, downloads=toy_downloads(f"{base}/absent.zip", b""))


def test_tar_repack_is_reproducible_and_recorded(server, tmp_path):
    reviews = {
        "aclImdb/train/pos/0_9.txt": b"Great fun.",
        "aclImdb/train/neg/1_2.txt": b"Dull.<br />Long.",
        "aclImdb/train/unsup/5_0.txt": b"unlabelled",
        "aclImdb/README": b"readme",
    }
    data = tar_bytes(reviews)
    url = serve(server, "imdb.tar.gz", data)
    source = {
        "url": url,
        "format": "tar",
        "sha256": sha(data),
        "members": {"aclImdb/README": "TOY/README"},
        "repack": {"IMDB/aclImdb_train.tar.gz": ["aclImdb/train/pos/*.txt", "aclImdb/train/neg/*.txt"]},
    }
    downloads = {"imdb": {"sources": [source]}}
    first = download.fetch("imdb", tmp_path / "a", downloads=downloads)
    second = download.fetch("imdb", tmp_path / "b", downloads=downloads)
    assert first == second
    frame = corpora.read_imdb(tmp_path / "a/IMDB/aclImdb_train.tar.gz", "train")
    assert frame.to_dict("list") == {"text": ["Dull. Long.", "Great fun."], "label": [0, 1]}
    sums = checksums.read_checksums((tmp_path / "a/SHA256SUMS").read_text(), "SHA256SUMS")
    assert sums == {"IMDB/aclImdb_train.tar.gz": first["IMDB/aclImdb_train.tar.gz"]}
    assert checksums.verify(tmp_path / "a", ["IMDB/aclImdb_train.tar.gz"]) == sums


def test_one_extractor_per_format_the_registry_allows():
    formats = registry_schema()["$defs"]["source"]["properties"]["format"]["enum"]
    assert sorted(archives.EXTRACTORS) == sorted(formats)


def registry_schema():
    from posart import schema

    return schema.read(registry._resource("datasets.schema.yaml"))


def test_write_tar_gz_is_byte_reproducible(tmp_path):
    members = {"b.txt": b"two", "a.txt": b"one"}
    archives.write_tar_gz(tmp_path / "1.tar.gz", members)
    archives.write_tar_gz(tmp_path / "2.tar.gz", dict(reversed(members.items())))
    assert (tmp_path / "1.tar.gz").read_bytes() == (tmp_path / "2.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "1.tar.gz") as archive:
        assert [(m.name, m.mtime, m.uid) for m in archive] == [("a.txt", 0, 0), ("b.txt", 0, 0)]


def test_fetch_rejects_unknown_dataset_and_ambiguous_override(tmp_path):
    downloads = registry.load().downloads
    with pytest.raises(ValueError, match="unknown download 'nope'; the registry has"):
        download.fetch("nope", tmp_path, downloads)
    with pytest.raises(ValueError, match="sources; give url_override as"):
        download.fetch("sick", tmp_path, downloads, url_override="http://127.0.0.1:1/x.zip")


# --- verify --------------------------------------------------------------------------------


def test_verify_local_sums_missing_mismatch_unverified(tmp_path, caplog):
    (tmp_path / "a.txt").write_bytes(b"alpha")
    (tmp_path / "b.txt").write_bytes(b"beta")
    (tmp_path / "SHA256SUMS").write_text(f"{sha(b'alpha')}  a.txt\n")
    with caplog.at_level(logging.WARNING, logger="posart.checksums"):
        assert checksums.verify(tmp_path, ["a.txt", "b.txt"]) == {"a.txt": sha(b"alpha"), "b.txt": sha(b"beta")}
    assert "unverified" in caplog.text and "b.txt" in caplog.text
    (tmp_path / "a.txt").write_bytes(b"changed")
    with pytest.raises(checksums.ChecksumError, match=r"a\.txt: expected sha256 .* found"):
        checksums.verify(tmp_path, ["a.txt"])
    with pytest.raises(FileNotFoundError, match="c.txt"):
        checksums.verify(tmp_path, ["a.txt", "c.txt"])


def test_verify_falls_back_to_canonical_checksums(tmp_path):
    """A canonical path with other content fails unless data_dir/SHA256SUMS lists it."""
    mine = b"sentence\tlabel\nmine \t1\n"
    (tmp_path / "SST-2").mkdir()
    (tmp_path / "SST-2/dev.tsv").write_bytes(mine)
    with pytest.raises(checksums.ChecksumError, match="SST-2/dev.tsv"):
        checksums.verify(tmp_path, ["SST-2/dev.tsv"])
    sums = tmp_path / "elsewhere.sha256"
    sums.write_text(f"{sha(mine)}  SST-2/dev.tsv\n")
    assert list(checksums.verify(tmp_path, ["SST-2/dev.tsv"], checksum_file=sums)) == ["SST-2/dev.tsv"]


def test_malformed_checksum_file_is_named(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "SHA256SUMS").write_text("not a checksum line\n")
    with pytest.raises(ValueError, match=r"SHA256SUMS:1: not a sha256sum line"):
        checksums.verify(tmp_path, ["a.txt"])


# --- the packaged checksums ---------------------------------------------------------------


@pytest.mark.realdata
def test_canonical_checksums_are_the_manifest(shared_data):
    with open(shared_data / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        manifest = {row["relative_path"]: row["sha256"] for row in csv.DictReader(handle, delimiter="\t")}
    assert checksums.expected_checksums(shared_data) == manifest


@pytest.mark.realdata
def test_verify_real_files(shared_data):
    relative = ["SST-2/dev.tsv", "STS/STS13-en-test/STS.input.FNWN.txt", "SICK/SICK_test_annotated.txt"]
    assert checksums.verify(shared_data, relative) == {
        rel: checksums.expected_checksums(shared_data)[rel] for rel in relative
    }
