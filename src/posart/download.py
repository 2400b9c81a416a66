"""Fetch a download entry of the dataset registry into data_dir, all or nothing.

The registry's `downloads` (resources/datasets.yaml) say where each archive of the data
layout lives, its sha256 where a public source states one, and which members become which
files (`SST-2/train.tsv`, `stsbenchmark/sts-test.csv`, ...). `fetch` streams each source to
a temporary file (hashed on the fly) and rejects it on a checksum mismatch before anything
is extracted; `posart.archives` then writes every mapped member to a temporary sibling,
and they are renamed into place only when all are written and match the expected file
checksums (`posart.checksums`). A failing source leaves data_dir as it was. Plain
`urllib`: one streamed GET per archive needs no more.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO, Mapping

from posart import archives, checksums
from posart.atomic import atomic_path

log = logging.getLogger(__name__)

TIMEOUT = 60


class DownloadError(OSError):
    """A source could not be downloaded (host unreachable, HTTP error)."""


def targets(source: Mapping) -> list[str]:
    """Relative paths in data_dir that one source writes."""
    if source["format"] == "file":
        return [source["target"]]
    return list(source.get("members", {}).values()) + list(source.get("repack", {}))


def entry_targets(entry: Mapping) -> list[str]:
    """Relative paths in data_dir that all sources of a download entry write."""
    return [path for source in entry["sources"] for path in targets(source)]


def _unreachable_hint(data_dir: Path) -> str:
    return (
        f"Without network access, copy the files from a machine that has them (the canonical "
        f"layout, e.g. SST-2/train.tsv) and point `data_dir` at the copy (data_dir: /path/to/data, "
        f"download: false), or give a mirror in `download_mirrors`; {data_dir} is unchanged."
    )


def _stream(url: str, out: BinaryIO, data_dir: Path) -> str:
    """Write the body of `url` to `out`, logging progress; return its sha256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = reported = 0
            while chunk := response.read(checksums.CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if done - reported >= max(total // 10, 8 * checksums.CHUNK):
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


def _fetch_source(source: Mapping, url: str, data_dir: Path) -> dict[str, str]:
    download, digest = _download(url, data_dir)
    try:
        if source["sha256"] is None:
            log.warning(
                "%s: no published sha256; the extracted files are checked against the expected file checksums instead",
                url,
            )
        elif digest != source["sha256"]:
            raise checksums.ChecksumError(
                f"sha256 mismatch for {url}: expected {source['sha256']}, got {digest}; "
                f"the download was deleted and {data_dir} is unchanged"
            )
        expected = checksums.expected_checksums(data_dir)
        repacked = set(source.get("repack", {}))
        with contextlib.ExitStack() as stack:
            staged = {rel: stack.enter_context(atomic_path(data_dir / rel)) for rel in targets(source)}
            written = archives.extract(download, source, staged, url)
            wrong = [
                f"{rel}: expected {expected[rel]}, got {sha}"
                for rel, sha in written.items()
                if rel not in repacked and rel in expected and expected[rel] != sha
            ]
            if wrong:
                raise checksums.ChecksumError(
                    f"{url}: extracted file(s) differ from the expected checksums "
                    f"({'; '.join(wrong)}); nothing was written to {data_dir}"
                )
        if repacked:
            log.info(
                "%s: repacked %s; their sha256 are recorded in %s",
                url,
                sorted(repacked),
                data_dir / checksums.SUMS_NAME,
            )
            checksums.record(data_dir, {rel: written[rel] for rel in repacked})
        return written
    finally:
        download.unlink(missing_ok=True)


def fetch(
    name: str, data_dir: str | os.PathLike, downloads: Mapping, url_override: str | Mapping[str, str] | None = None
) -> dict[str, str]:
    """Download entry `name` of `downloads` into `data_dir`; return {relative path: sha256} written.

    `downloads`: the registry's download entries (`registry.load().downloads`).
    `url_override`: a mirror URL for a single-source entry, or {registry URL: mirror URL};
    the registry's checksums still apply.
    """
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
