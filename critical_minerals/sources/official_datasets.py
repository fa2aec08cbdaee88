"""The registry of official datasets and the fetch step that puts them, verified, into data/external/.

Each file is copied from a local mirror (``$MINERALS_DATA_MIRROR``, same layout as ``../shared/data``) when one is set,
otherwise downloaded from the official address — directly, or as a member of the official ZIP archive. Every file's
SHA-256 is checked against data/datasets.yaml before it is put in place; raw files are written once, read-only, and
never modified. Run alone with ``python -m critical_minerals.sources.official_datasets fetch``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

from ..core import paths
from ..core.errors import InputError

REQUIRED_DATASET_KEYS = ("title", "publisher", "citation", "url", "licence", "files")
DOWNLOAD_TIMEOUT_S = 60
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 400-file registry 10x faster


@dataclass(frozen=True)
class DataFile:
    dataset: str
    path: str  # relative to the dataset's folder, same as in the mirror
    sha256: str
    url: str | None = None  # direct download address
    archive: str | None = None  # name of the dataset's archive holding the file
    member: str | None = None  # the file's name inside that archive


@dataclass(frozen=True)
class Dataset:
    name: str
    meta: dict
    files: tuple[DataFile, ...]
    archives: dict = field(default_factory=dict)  # archive name -> {url, sha256 (optional)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Identity (device, inode), size, and modification and change times (ns) of each file whose SHA-256 matched, so an
# unchanged file is not hashed on every build. The change time (ctime) cannot be set back by the user: a file
# rewritten in place with its size and mtime restored still has a new ctime, and is hashed again.
VERIFIED_FILE = ".verified.json"


class Verified:
    """The memo of checked files in one fetched folder. A file is taken as verified only when everything the memo
    recorded of it is unchanged; `rehash` (--force, `datasets verify`) hashes every file regardless."""

    def __init__(self, dest: Path, rehash: bool = False):
        self.path = dest / VERIFIED_FILE
        self.rehash = rehash
        try:
            known = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        # a damaged or older memo (other fields) is simply not trusted
        self.known = (
            {
                key: value
                for key, value in known.items()
                if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)
            }
            if isinstance(known, dict)
            else {}
        )
        self.changed = False

    def sha256(self, target: Path) -> str:
        refuse_symlinks(target, self.path.parent)
        stat = target.stat()
        memo = self.known.get(self._key(target))
        if self.rehash or not memo or memo[0] != self._identity(stat):
            digest = sha256_of(target)
            if os.stat(target).st_ctime_ns == stat.st_ctime_ns:  # not changed while being hashed
                self.remember(target, digest, stat)
            return digest
        return memo[1]

    def remember(self, target: Path, digest: str, stat: os.stat_result | None = None) -> None:
        """A file whose content has this digest (hashed now, or installed from a verified copy)."""
        self.known[self._key(target)] = [self._identity(stat or target.stat()), digest]
        self.changed = True

    def _key(self, target: Path) -> str:
        return str(target.relative_to(self.path.parent))

    @staticmethod
    def _identity(stat: os.stat_result) -> list[int]:
        return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]

    def save(self) -> None:
        if self.changed:  # written whole and renamed, so parallel builds never read half a memo
            tmp = self.path.with_name(f"{VERIFIED_FILE}.{os.getpid()}")
            tmp.write_text(json.dumps(self.known), encoding="utf-8")
            os.replace(tmp, self.path)


def refuse_symlinks(target: Path, root: Path) -> None:
    """Fetched files and their folders are real files below the fetch folder: a symbolic link there could make the
    build read, or the fetch step chmod or overwrite, a file elsewhere."""
    relative = Path(os.path.relpath(target, root))
    for depth in range(len(relative.parts), 0, -1):
        path = root.joinpath(*relative.parts[:depth])
        if path.is_symlink():
            raise InputError(
                "is a symbolic link; fetched data must be real files",
                file=path,
                value=os.readlink(path),
                fix="delete the link and run `python -m critical_minerals.sources.official_datasets fetch`",
            )


def load_registry(path: Path = paths.REGISTRY_FILE) -> dict[str, Dataset]:
    """Read and check data/datasets.yaml: every dataset has its provenance fields, every file a checksum and a
    source."""
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except FileNotFoundError:
        raise InputError("dataset registry not found", file=path, fix="restore data/datasets.yaml from git") from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"not UTF-8 text (byte 0x{err.object[err.start]:02x})", file=path, fix="save the file as UTF-8"
        ) from None
    except yaml.YAMLError as err:
        raise InputError(
            f"not valid YAML ({' '.join(str(err).split())[:300]})", file=path, fix="correct the YAML syntax"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
        raise InputError(
            "expected a top-level mapping 'datasets:'", file=path, field="datasets", fix="see the file header"
        )
    registry = {}
    for name, meta in raw["datasets"].items():
        if not isinstance(meta, dict):
            raise InputError("dataset entry must be a mapping", file=path, field=name, value=meta)
        missing = [key for key in REQUIRED_DATASET_KEYS if not meta.get(key)]
        if missing:
            raise InputError(
                f"dataset {name!r} lacks {', '.join(missing)}",
                file=path,
                field=f"{name}.{missing[0]}",
                fix="record publisher, citation, official URL/DOI, licence and files for every dataset",
            )
        archives = meta.get("archives") or {}
        files = []
        for rel, entry in meta["files"].items():
            where = f"{name}.files.{rel}"
            digest = str((entry or {}).get("sha256", ""))
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise InputError(
                    "missing or malformed SHA-256",
                    file=path,
                    field=where,
                    value=digest or None,
                    fix="record the file's 64-hex-digit SHA-256 (sha256sum FILE)",
                )
            archive = entry.get("archive")
            if archive and archive not in archives:
                raise InputError(
                    "names an archive that is not declared",
                    file=path,
                    field=where,
                    value=archive,
                    fix=f"declare it under {name}.archives with its official URL",
                )
            if not archive and not entry.get("url"):
                raise InputError(
                    "has neither 'url' nor 'archive'",
                    file=path,
                    field=where,
                    fix="give the official download address or the archive holding the file",
                )
            files.append(DataFile(name, rel, digest, entry.get("url"), archive, entry.get("member") or Path(rel).name))
        info = {key: value for key, value in meta.items() if key not in ("files", "archives")}
        registry[name] = Dataset(name, info, tuple(files), archives)
    return registry


def local_path(dataset: str, rel: str, root: Path | None = None) -> Path:
    """Where a fetched file lives: data/external/<dataset>/<path>."""
    return (root or paths.external_dir()) / dataset / rel


def _checksum_error(file: DataFile, source: str, actual: str) -> str:
    return (
        f"{file.dataset}/{file.path}: SHA-256 mismatch for the copy from {source}: "
        f"expected {file.sha256}, got {actual}. The file differs from the recorded vintage; "
        f"restore the original file, or review the new one and record its checksum in data/datasets.yaml."
    )


def _install(tmp: Path, target: Path) -> None:
    """The verified copy in place of whatever is there; os.replace swaps the name itself, never writing through it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o444)  # raw data are never edited in place (tmp is our own new file in the scratch folder)
    os.replace(tmp, target)


def _download(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out)


@dataclass
class FetchReport:
    present: int = 0
    copied: int = 0
    downloaded: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.present} already present, {self.copied} copied from mirror, {self.downloaded} downloaded"


def fetch(
    registry: dict[str, Dataset] | None = None,
    *,
    datasets: list[str] | None = None,
    mirror: Path | None | str = "env",
    dest: Path | None = None,
    rehash: bool = False,
) -> FetchReport:
    """Make every registered file present and verified under `dest`; raise one InputError listing every problem.

    A file already present with the right checksum is left alone, so a second run does no work. `rehash`: hash every
    file, even those the memo proves unchanged (the build's --force).
    """
    registry = registry if registry is not None else load_registry()
    mirror = paths.mirror_dir() if mirror == "env" else (Path(mirror) if mirror else None)
    dest = dest or paths.external_dir()
    unknown = sorted(set(datasets or []) - set(registry))
    if unknown:
        raise InputError("unknown dataset", field="dataset", value=unknown[0], fix=f"choose from {sorted(registry)}")
    report = FetchReport()
    verified = Verified(_tmp_parent(dest), rehash)
    if mirror is not None and not mirror.is_dir():
        raise InputError(
            "mirror directory does not exist",
            field=paths.MIRROR_ENV,
            value=str(mirror),
            fix="point MINERALS_DATA_MIRROR at a copy of ../shared/data, or unset it to download",
        )
    with tempfile.TemporaryDirectory(prefix="fetch-", dir=_tmp_parent(dest)) as scratch:
        archives: dict[tuple[str, str], Path | str] = {}  # downloaded archive path, or the reason it failed
        for name in datasets or list(registry):
            dataset = registry[name]
            for file in dataset.files:
                target = local_path(name, file.path, dest)
                refuse_symlinks(target, dest)
                if target.exists() and verified.sha256(target) == file.sha256:
                    report.present += 1
                    continue
                tmp = Path(scratch) / f"{name}--{file.path.replace('/', '--')}"
                source, problem = _obtain(dataset, file, mirror, tmp, Path(scratch), archives)
                if problem:
                    report.problems.append(problem)
                    continue
                actual = sha256_of(tmp)
                if actual != file.sha256:
                    report.problems.append(_checksum_error(file, source, actual))
                    continue
                if target.exists() and not target.is_symlink():  # (links refused above) Windows cannot replace
                    os.chmod(target, 0o644)  # a read-only file
                _install(tmp, target)
                verified.remember(target, file.sha256)
                if mirror is not None:
                    report.copied += 1
                else:
                    report.downloaded += 1
    verified.save()
    if report.problems:
        report.problems = list(dict.fromkeys(report.problems))  # files of one failed archive: one line
        listed = report.problems[:20]
        more = len(report.problems) - len(listed)
        text = "\n  ".join(listed) + (f"\n  ... and {more} more" if more else "")
        if any(": download from " in problem for problem in report.problems):
            text += f"\n  {DOWNLOAD_FIX}"
        raise InputError(f"{len(report.problems)} dataset file(s) could not be fetched and verified:\n  {text}")
    return report


def _tmp_parent(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return dest  # same filesystem as the target, so os.replace is atomic


def _obtain(dataset, file, mirror, tmp, scratch, archives) -> tuple[str, str | None]:
    """Put the raw bytes of `file` at `tmp`; return (description of the source, problem or None)."""
    if mirror is not None:
        source = mirror / dataset.name / file.path
        if not source.is_file():
            return str(source), (
                f"{dataset.name}/{file.path}: missing from the mirror ({source}). "
                f"Restore it in the mirror, or unset {paths.MIRROR_ENV} to download it from {dataset.meta['url']}."
            )
        shutil.copyfile(source, tmp)
        return str(source), None
    if file.archive:
        archive = _archive(dataset, file.archive, scratch, archives)
        if isinstance(archive, str):
            return dataset.archives[file.archive]["url"], archive
        try:
            with zipfile.ZipFile(archive) as bundle, bundle.open(file.member) as member, open(tmp, "wb") as out:
                shutil.copyfileobj(member, out)
        except KeyError:
            return archive.name, (
                f"{dataset.name}/{file.path}: member {file.member!r} not found in {file.archive}; the publisher may "
                f"have reorganised the release. Set {paths.MIRROR_ENV} to a verified mirror, "
                "or update data/datasets.yaml."
            )
        return f"{file.archive}:{file.member}", None
    try:
        _download(file.url, tmp)
    except OSError as err:
        return file.url, _download_problem(f"{dataset.name}/{file.path}", file.url, err)
    return file.url, None


def _archive(dataset, name, scratch, archives) -> Path | str:
    """Download an archive once per fetch; return its path or the problem."""
    key = (dataset.name, name)
    if key not in archives:
        spec = dataset.archives[name]
        path = scratch / f"{dataset.name}--{name}"
        try:
            _download(spec["url"], path)
            expected = spec.get("sha256")
            if expected and sha256_of(path) != expected:
                archives[key] = (
                    f"{dataset.name}/{name}: archive SHA-256 mismatch: expected {expected}, got {sha256_of(path)}. "
                    f"The publisher has changed the archive; review it and record the new checksums, or use a mirror."
                )
            elif not zipfile.is_zipfile(path):
                archives[key] = f"{dataset.name}/{name}: download from {spec['url']} is not a ZIP archive."
            else:
                archives[key] = path
        except OSError as err:
            archives[key] = _download_problem(f"{dataset.name}/{name}", spec["url"], err)
    return archives[key]


DOWNLOAD_FIX = (
    f"Check the network, or set {paths.MIRROR_ENV} to a local copy of the datasets "
    "(e.g. ../shared/data)."
)  # said once after the list, not once per file


def _download_problem(what: str, url: str, err: OSError) -> str:
    return f"{what}: download from {url} failed ({err})."


def verify(registry: dict[str, Dataset] | None = None, dest: Path | None = None, rehash: bool = False) -> list[str]:
    """Problems with the fetched files (missing or altered); empty when all are as recorded. `rehash`: read every
    byte (`datasets verify`), not only of the files the memo cannot prove unchanged."""
    registry = registry if registry is not None else load_registry()
    verified = Verified(dest or paths.external_dir(), rehash)
    problems = []
    for dataset in registry.values():
        for file in dataset.files:
            target = local_path(dataset.name, file.path, dest)
            if not target.is_symlink() and not target.is_file():
                problems.append(f"{target}: missing; run `python -m critical_minerals.sources.official_datasets fetch`")
            elif (actual := verified.sha256(target)) != file.sha256:
                problems.append(f"{target}: SHA-256 {actual}, expected {file.sha256}; delete it and fetch again")
    verified.save()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m critical_minerals.sources.official_datasets", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    fetch_cmd = sub.add_parser("fetch", help="copy or download every registered file and verify its checksum")
    fetch_cmd.add_argument("--dataset", action="append", help="only this dataset (repeatable)")
    sub.add_parser("verify", help="check the fetched files against the registry")
    sub.add_parser("list", help="list datasets with publisher, licence and file count")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(f"datasets: {fetch(datasets=args.dataset).summary()} in {paths.external_dir()}")
        elif args.command == "verify":
            problems = verify(rehash=True)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                return 1
            print("datasets: all files present and verified")
        else:
            for name, dataset in load_registry().items():
                print(f"{name}: {dataset.meta['publisher']} | {dataset.meta['licence']} | {len(dataset.files)} files")
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


def registry_table(registry: dict[str, Dataset] | None = None) -> pd.DataFrame:
    """The registry as a table for the report: dataset, publisher, address, licence, version, file count."""
    import pandas as pd  # only the report needs it; the build's fast path does not

    registry = registry if registry is not None else load_registry()
    return pd.DataFrame(
        [
            {
                "dataset": name,
                "title": d.meta["title"],
                "publisher": d.meta["publisher"],
                "official address": d.meta["url"],
                "licence": d.meta["licence"],
                "version": d.meta.get("version", ""),
                "files": len(d.files),
            }
            for name, d in registry.items()
        ]
    )
