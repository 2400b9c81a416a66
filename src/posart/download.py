"""Fetch datasets from their canonical sources into the data layout, and verify checksums.

The registry (`resources/datasets.yaml`) says, per dataset, where each archive lives, its
sha256 where a public source states one, and which archive members become which files
of the layout (that of ../shared/data: `SST-2/train.tsv`, `stsbenchmark/sts-test.csv`,
...). Output paths come from the registry only, never from member names, so an archive
cannot write outside `data_dir`.

`fetch` downloads each source to a temporary file (streamed, hashed on the fly), rejects
it on a checksum mismatch before anything is extracted, then writes every mapped member
to a temporary sibling and renames them into place only when all are written and match
the expected file checksums; a failing source leaves its files in `data_dir` as they were.

Expected file checksums, per file: `{data_dir}/SHA256SUMS` (or an explicit checksum
file) where it lists the file, else the canonical checksums of the real files that
posart ships (`resources/canonical.sha256`, from ../shared/data/MANIFEST.tsv). So the
demo corpus, whose files have canonical names but other content, is checked against its
own SHA256SUMS, and a data directory without one against the real data. `verify` hashes
a file listed in neither and reports it as unverified. These are hand-written with `urllib`,
`hashlib`, `zipfile` and `tarfile` because the download tools of `datasets`/`torchtext`
would bring their own cache layout and could not map members into ours.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import hashlib
import http.client
import io
import logging
import os
import re
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from importlib import resources
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping


from posart import registry
from posart.atomic import atomic_path, write_text

log = logging.getLogger(__name__)

CHUNK = 1 << 20
TIMEOUT = 60
SUMS_NAME = "SHA256SUMS"
SUM_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


class ChecksumError(ValueError):
    """A download or a data file does not have the expected sha256."""


class DownloadError(OSError):
    """A source could not be downloaded (host unreachable, HTTP error)."""


def _resource(name: str):
    return resources.files("posart") / "resources" / name


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_checksums(text: str, origin: str) -> dict[str, str]:
    """{relative path: sha256} from `sha256sum` output; a malformed line names its origin."""
    sums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = SUM_LINE.fullmatch(line)
        if not match:
            raise ValueError(f"{origin}:{number}: not a sha256sum line: {line!r}")
        sums[match.group(2)] = match.group(1)
    return sums


def expected_checksums(data_dir: str | os.PathLike,
                       checksum_file: str | os.PathLike | None = None) -> dict[str, str]:
    """Canonical checksums, overridden by `checksum_file` (default `{data_dir}/SHA256SUMS`)."""
    sums = read_checksums(_resource("canonical.sha256").read_text(encoding="utf-8"), "canonical.sha256")
    local = Path(checksum_file) if checksum_file is not None else Path(data_dir) / SUMS_NAME
    if checksum_file is not None or local.is_file():
        sums.update(read_checksums(local.read_text(encoding="utf-8"), str(local)))
    return sums


def verify(data_dir: str | os.PathLike, relative_paths: Iterable[str],
           checksum_file: str | os.PathLike | None = None) -> dict[str, str]:
    """{relative path: sha256} of the files; a missing file or a mismatch raises, naming it.

    Expected values: `checksum_file` (default `{data_dir}/SHA256SUMS` if it exists) for the
    files it lists, the canonical checksums for the others. Files in neither are hashed,
    logged and returned as unverified.
    """
    relative_paths = list(dict.fromkeys(relative_paths))
    missing = [str(Path(data_dir) / rel) for rel in relative_paths if not (Path(data_dir) / rel).is_file()]
    if missing:
        raise FileNotFoundError(f"missing data file(s): {', '.join(missing)}")
    expected = expected_checksums(data_dir, checksum_file)
    actual = {rel: sha256_file(Path(data_dir) / rel) for rel in relative_paths}
    wrong = [f"{Path(data_dir) / rel}: expected sha256 {expected[rel]}, found {digest}"
             for rel, digest in actual.items() if rel in expected and expected[rel] != digest]
    if wrong:
        raise ChecksumError("checksum mismatch (if the data is meant to differ, list its sha256 in "
                            f"{Path(data_dir) / SUMS_NAME}): " + "; ".join(wrong))
    for rel in actual.keys() - expected.keys():
        log.warning("unverified (no expected checksum): %s sha256 %s", rel, actual[rel])
    return actual


def _unreachable_hint(data_dir: Path) -> str:
    return (f"Without network access, copy the files from a machine that has them (the layout of "
            f"../shared/data, e.g. SST-2/train.tsv) and point `data_dir` at a local copy "
            f"(config.yaml: data_dir: /path/to/data, download: false), or pass a mirror as "
            f"url_override; {data_dir} is unchanged.")


def _stream(url: str, out: BinaryIO, data_dir: Path) -> str:
    """Write the body of `url` to `out`, logging progress; return its sha256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = reported = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if done - reported >= max(total // 10, 8 * CHUNK):
                    log.info("%s: %.1f MB%s", url, done / 1e6, f" of {total / 1e6:.1f} MB" if total else "")
                    reported = done
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}. {_unreachable_hint(data_dir)}") from err
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as err:
        reason = getattr(err, "reason", err)
        raise DownloadError(f"cannot reach {url} ({reason}). {_unreachable_hint(data_dir)}") from err
    log.info("%s: downloaded %.1f MB", url, done / 1e6)
    return digest.hexdigest()


def _download(url: str, data_dir: Path) -> tuple[Path, str]:
    """Stream `url` to a temporary file in `data_dir` (deleted on failure); return it and its sha256."""
    handle = tempfile.NamedTemporaryFile(dir=data_dir, prefix=".download-", suffix=".part", delete=False)
    path = Path(handle.name)
    try:
        with handle:
            return path, _stream(url, handle, data_dir)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _copy(source: BinaryIO, target: Path) -> str:
    """Copy a stream to a file; return the sha256 of what was written."""
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def write_tar_gz(path: str | os.PathLike, members: Mapping[str, bytes]) -> None:
    """A reproducible .tar.gz: sorted members, mtime 0, uid/gid 0, mode 0644, gzip mtime 0."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed, \
            tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(members[name]))


def _extract(archive: Path, source: Mapping, url: str, staged: Mapping[str, Path]) -> dict[str, str]:
    """Write every mapped member to its staged path; return {relative path: sha256}."""
    members = source.get("members") or {}
    repack = source.get("repack") or {}
    written = {}
    if source["format"] == "file":
        with open(archive, "rb") as handle:
            written[source["target"]] = _copy(handle, staged[source["target"]])
    elif source["format"] == "zip":
        with zipfile.ZipFile(archive) as handle:
            names = set(handle.namelist())
            for member, rel in members.items():
                if member in names:
                    with handle.open(member) as stream:
                        written[rel] = _copy(stream, staged[rel])
    else:
        packs: dict[str, dict[str, bytes]] = {rel: {} for rel in repack}
        with tarfile.open(archive, mode="r|*") as handle:
            for info in handle:
                name = info.name.removeprefix("./")
                if info.isfile() and name in members:
                    written[members[name]] = _copy(handle.extractfile(info), staged[members[name]])
                for rel, patterns in repack.items():
                    if info.isfile() and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                        packs[rel][name] = handle.extractfile(info).read()
        for rel, files in packs.items():
            if files:
                write_tar_gz(staged[rel], files)
                written[rel] = sha256_file(staged[rel])
    absent = [member for member, rel in members.items() if rel not in written]
    absent += [" | ".join(patterns) for rel, patterns in repack.items() if rel not in written]
    if absent:
        raise ValueError(f"{url}: the archive has no member(s) {', '.join(absent)}")
    return written


def _record(data_dir: Path, checksums: Mapping[str, str]) -> None:
    """Add or replace lines of {data_dir}/SHA256SUMS."""
    path = data_dir / SUMS_NAME
    sums = read_checksums(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else {}
    sums.update(checksums)
    write_text(path, "".join(f"{digest}  {rel}\n" for rel, digest in sorted(sums.items())))


def _fetch_source(source: Mapping, url: str, data_dir: Path) -> dict[str, str]:
    archive, digest = _download(url, data_dir)
    try:
        if source["sha256"] is None:
            log.warning("%s: no published sha256; the extracted files are checked against the "
                        "expected file checksums instead", url)
        elif digest != source["sha256"]:
            raise ChecksumError(f"sha256 mismatch for {url}: expected {source['sha256']}, got {digest}; "
                                f"the download was deleted and {data_dir} is unchanged")
        expected = expected_checksums(data_dir)
        repacked = set(source.get("repack") or {})
        with contextlib.ExitStack() as stack:
            staged = {rel: stack.enter_context(atomic_path(data_dir / rel)) for rel in registry.source_targets(source)}
            written = _extract(archive, source, url, staged)
            wrong = [f"{rel}: expected {expected[rel]}, got {sha}" for rel, sha in written.items()
                     if rel not in repacked and rel in expected and expected[rel] != sha]
            if wrong:
                raise ChecksumError(f"{url}: extracted file(s) differ from the expected checksums "
                                    f"({'; '.join(wrong)}); nothing was written to {data_dir}")
        if repacked:
            log.info("%s: repacked %s; their sha256 are recorded in %s", url, sorted(repacked), data_dir / SUMS_NAME)
            _record(data_dir, {rel: written[rel] for rel in repacked})
        return written
    finally:
        archive.unlink(missing_ok=True)


def fetch(name: str, data_dir: str | os.PathLike, url_override: str | Mapping[str, str] | None = None,
          downloads: Mapping | None = None) -> dict[str, str]:
    """Download the registry's download entry `name` into `data_dir`; return {relative path: sha256} written.

    `url_override`: a mirror URL for a single-source entry, or {registry URL: mirror URL};
    the registry's checksums still apply. `downloads`: download entries (default: the
    packaged registry's).
    """
    downloads = registry.load().downloads if downloads is None else downloads
    if name not in downloads:
        raise ValueError(f"unknown download {name!r}; the registry has {', '.join(sorted(downloads))}")
    sources = downloads[name]["sources"]
    if isinstance(url_override, str):
        if len(sources) != 1:
            raise ValueError(f"{name} has {len(sources)} sources; give url_override as {{url: mirror}}")
        url_override = {sources[0]["url"]: url_override}
    overrides = dict(url_override or {})
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for source in sources:
        written.update(_fetch_source(source, overrides.get(source["url"], source["url"]), data_dir))
    return written
