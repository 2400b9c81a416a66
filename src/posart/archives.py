"""Extraction, one function per format of a download source: a plain file, a zip, a tar.

Each writes the members a source maps (archive member -> path in data_dir) to staged
temporary paths and returns {relative path: sha256 of what it wrote}. Output paths come
from the registry only, never from member names, so an archive cannot write outside
data_dir. A tar source may also `repack` member globs into a reproducible .tar.gz (IMDB's
splits, kept as archives because the reviews are 100,000 small files). Hand-written with
`zipfile` and `tarfile`: the download tools of `datasets`/`torchtext` keep their own cache
layout and could not map members into ours.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import BinaryIO, Mapping

from posart.checksums import CHUNK, sha256_file

Staged = Mapping[str, Path]  # relative path in data_dir -> the temporary file to write


def _copy(stream: BinaryIO, target: Path) -> str:
    """Copy a stream to a file; return the sha256 of what was written."""
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def copy_file(download: Path, source: Mapping, staged: Staged) -> dict[str, str]:
    """format file: the download is the file itself (`target`)."""
    with open(download, "rb") as handle:
        return {source["target"]: _copy(handle, staged[source["target"]])}


def extract_zip(download: Path, source: Mapping, staged: Staged) -> dict[str, str]:
    """format zip: each mapped member that the archive holds."""
    written = {}
    with zipfile.ZipFile(download) as archive:
        names = set(archive.namelist())
        for member, rel in source.get("members", {}).items():
            if member in names:
                with archive.open(member) as stream:
                    written[rel] = _copy(stream, staged[rel])
    return written


def extract_tar(download: Path, source: Mapping, staged: Staged) -> dict[str, str]:
    """format tar (any compression, read as a stream): mapped members, and repacked globs."""
    members, repack = source.get("members", {}), source.get("repack", {})
    written: dict[str, str] = {}
    packs: dict[str, dict[str, bytes]] = {rel: {} for rel in repack}
    with tarfile.open(download, mode="r|*") as archive:
        for info in archive:
            name = info.name.removeprefix("./")
            if info.isfile() and name in members:
                written[members[name]] = _copy(archive.extractfile(info), staged[members[name]])
            for rel, patterns in repack.items():
                if info.isfile() and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                    packs[rel][name] = archive.extractfile(info).read()
    for rel, files in packs.items():
        if files:
            write_tar_gz(staged[rel], files)
            written[rel] = sha256_file(staged[rel])
    return written


def write_tar_gz(path: str | os.PathLike, members: Mapping[str, bytes]) -> None:
    """A reproducible .tar.gz: sorted members, mtime 0, uid/gid 0, mode 0644, gzip mtime 0."""
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(members[name]))


EXTRACTORS = {"file": copy_file, "zip": extract_zip, "tar": extract_tar}


def extract(download: Path, source: Mapping, staged: Staged, origin: str) -> dict[str, str]:
    """Everything `source` maps, by its format; a member the archive lacks is an error naming `origin`."""
    written = EXTRACTORS[source["format"]](download, source, staged)
    absent = [member for member, rel in source.get("members", {}).items() if rel not in written]
    absent += [" | ".join(patterns) for rel, patterns in source.get("repack", {}).items() if rel not in written]
    if absent:
        raise ValueError(f"{origin}: the archive has no member(s) {', '.join(absent)}")
    return written
