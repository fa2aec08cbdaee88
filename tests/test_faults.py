"""Faults and hostile input beyond malformed files (those are in test_bad_inputs.py): links from data in the report,
fetched files altered in place or replaced by links, the two-folder publish under a read-only target or a kill between
its swaps, a dead kernel, a full disk, an output folder that is a file or cannot be written, a damaged cache, and
valid tables in unusual forms. Each build runs as a user runs it, on the session's one copy of the project
(conftest.project); builds that must publish use a second scenario, `spare`, so the default report stays as the
first build made it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.engine import cache
from critical_minerals.report.chapters import followable, render_chapter
from critical_minerals.sources import official_datasets
from critical_minerals.sources.official_datasets import DataFile, Dataset

SPARE = "spare"
WORLD_2025 = "usgs_mcs2025/world/MCS2025_World_Data.csv"
OLD_MARK = ".published-before"  # a file only the old figures folder has: tells old from new


# ---------------------------------------------------------------- helpers


def published(project, scenario: str) -> dict[str, bytes]:
    folders = (project.root / "build" / scenario, project.root / "figures" / scenario)
    return {
        str(path.relative_to(project.root)): path.read_bytes()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def make_stale(project, scenario: str = SPARE) -> dict[str, bytes]:
    """Alter the published report (so the next build publishes again) and mark the published figures folder;
    returns the published files as they now are."""
    with open(project.root / "build" / scenario / "report.html", "a", encoding="utf-8") as handle:
        handle.write("<!-- edited -->\n")
    (project.root / "figures" / scenario / OLD_MARK).write_text("old\n", encoding="utf-8")
    return published(project, scenario)


PATCHED_BUILD = """
import sys
{patch}
from critical_minerals.engine.build import main
sys.exit(main(sys.argv[1:]))
"""


def build_with(project, patch: str, *args: str):
    """`python build.py ARGS` with a fault injected into the build process (not into the kernels)."""
    return subprocess.run(
        [sys.executable, "-c", PATCHED_BUILD.format(patch=patch), *args],
        cwd=project.root,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def check_failed(result, status: int, *words: str) -> str:
    output = result.stderr + result.stdout
    assert result.returncode == status, output[-3000:]
    for word in words:
        assert word in output, (word, output[-3000:])
    assert "Traceback" not in output, output[-3000:]
    return output


def log_named(project, output: str) -> Path:
    """The log file the message names, which holds the traceback."""
    name = output.split("details in ", 1)[1].split()[0]
    log = project.root / name if not os.path.isabs(name) else Path(name)
    assert "Traceback" in log.read_text(encoding="utf-8")
    return log


@contextmanager
def immutable(path: Path):
    """The folder read-only even for root (chattr +i): no entry in it can be renamed, added or removed."""
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("a folder read-only to this process needs root and chattr")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode:
        pytest.skip("the file system does not support chattr +i")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def edited(path: Path, edit):
    original = path.read_bytes()
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    try:
        changed = edit(original)
        path.write_bytes(changed)
        yield
    finally:
        path.write_bytes(original)


@pytest.fixture(scope="module")
def spare(project):
    """The project with a second scenario built (same parameters as default: every step comes from the cache)."""
    scenarios = project.root / "scenarios"
    (scenarios / f"{SPARE}.yaml").write_bytes((scenarios / "default.yaml").read_bytes())
    result = project.build("--scenario", SPARE)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


# ---------------------------------------------------------------- 1. text from data never becomes a live link


@pytest.mark.parametrize(
    "target, live",
    [
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:x", False),
        ("file:///etc/passwd", False),
        ("//evil.example", False),
        ("notes.html", False),
        ("https://www.usgs.gov/x?a=1&b=2", True),
        ("http://example.org", True),
        ("#ch01", True),
    ],
)
def test_only_http_and_in_document_links_are_followable(target, live):
    assert followable(target) is live


def test_links_in_chapters_and_in_markdown_from_data(tmp_path):
    """A chapter's own markdown and the markdown a cell displays (assembled from data): harmful targets show as
    text, http(s) and in-report links stay links, raw HTML from data shows as text."""
    from_data = (
        "[click](javascript:alert(1)) [ref][r] <javascript:alert(2)> ![pic](file:///etc/passwd) "
        '[usgs](https://www.usgs.gov) [up](#ch01) <a href="javascript:alert(3)">raw</a>\n\n'
        "[r]: JAVASCRIPT:alert(4)"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Chapter 1 — links\n\n[author](javascript:alert(5)) [ok](https://x.org)"),
            nbformat.v4.new_code_cell(
                "display(Markdown(text))",
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={"text/markdown": from_data, "text/plain": "<Markdown>"}
                    )
                ],
            ),
        ]
    )
    path = tmp_path / "01_links.ipynb"
    nbformat.write(notebook, path)
    chapter, _ = render_chapter(path)
    assert sorted(addresses(chapter.html)) == ["#ch01", "https://www.usgs.gov", "https://x.org"]
    assert "javascript:alert(1)" in chapter.html  # shown as text, so the reader sees where it pointed
    assert "&lt;a href=" in chapter.html  # raw HTML from data: text


def addresses(html: str) -> list[str]:
    """Every href and src of the page's real tags (as a browser parses them)."""
    from html.parser import HTMLParser

    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(value for name, value in attrs if name in ("href", "src") and value)

    Parser().feed(html)
    return found


# ---------------------------------------------------------------- 2. verification cannot be fooled


def one_file_registry(content: bytes) -> dict[str, Dataset]:
    return {
        "d": Dataset(
            "d", {}, (DataFile("d", "f.csv", hashlib.sha256(content).hexdigest(), url="https://example.org/f.csv"),)
        )
    }


def test_memo_rehashes_a_file_altered_in_place_with_size_and_mtime_kept(tmp_path):
    mirror, dest = tmp_path / "mirror", tmp_path / "dest"
    (mirror / "d").mkdir(parents=True)
    (mirror / "d" / "f.csv").write_bytes(b"a,b\n1,2\n")
    registry = one_file_registry(b"a,b\n1,2\n")
    official_datasets.fetch(registry, mirror=mirror, dest=dest)
    target = dest / "d" / "f.csv"
    before = target.stat()
    target.chmod(0o644)
    target.write_bytes(b"a,b\n9,2\n")  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime
    assert official_datasets.verify(registry, dest) != []  # the memo does not vouch for it: ctime changed


def test_force_and_verify_hash_every_file(tmp_path, monkeypatch):
    mirror, dest = tmp_path / "mirror", tmp_path / "dest"
    (mirror / "d").mkdir(parents=True)
    (mirror / "d" / "f.csv").write_bytes(b"x\n")
    registry = one_file_registry(b"x\n")
    official_datasets.fetch(registry, mirror=mirror, dest=dest)
    hashed = []
    real = official_datasets.sha256_of
    monkeypatch.setattr(official_datasets, "sha256_of", lambda path: hashed.append(path) or real(path))
    official_datasets.fetch(registry, mirror=mirror, dest=dest)
    assert hashed == []  # unchanged and proven so by the memo
    official_datasets.fetch(registry, mirror=mirror, dest=dest, rehash=True)
    assert len(hashed) == 1
    monkeypatch.setattr(official_datasets, "load_registry", lambda: registry)
    monkeypatch.setenv("MINERALS_DATA_DIR", str(dest))
    assert official_datasets.main(["verify"]) == 0 and len(hashed) == 2  # the command reads every byte


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_fetch_refuses_a_symlink_and_never_writes_through_it(tmp_path, linked):
    mirror, dest, outside = tmp_path / "mirror", tmp_path / "dest", tmp_path / "outside"
    (mirror / "d").mkdir(parents=True)
    (mirror / "d" / "f.csv").write_bytes(b"x\n")
    registry = one_file_registry(b"x\n")
    official_datasets.fetch(registry, mirror=mirror, dest=dest)
    outside.mkdir()
    (outside / "f.csv").write_bytes(b"private\n")
    (outside / "f.csv").chmod(0o600)
    if linked == "file":
        (dest / "d" / "f.csv").unlink()
        (dest / "d" / "f.csv").symlink_to(outside / "f.csv")
    else:
        shutil.rmtree(dest / "d")
        (dest / "d").symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link"):
        official_datasets.fetch(registry, mirror=mirror, dest=dest)
    assert stat.S_IMODE((outside / "f.csv").stat().st_mode) == 0o600
    assert (outside / "f.csv").read_bytes() == b"private\n"


def test_build_refuses_a_symlink_in_external(project, tmp_path):
    target = project.root / "data" / "external" / WORLD_2025
    original = target.read_bytes()
    copy = tmp_path / "elsewhere.csv"
    copy.write_bytes(original)
    copy.chmod(0o600)
    before = project.published()
    target.unlink()
    target.symlink_to(copy)
    try:
        result = project.build()
    finally:
        target.unlink()
        target.write_bytes(original)
        target.chmod(0o444)
    check_failed(result, 2, "MCS2025_World_Data.csv", "symbolic link", "delete the link")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert project.published() == before


def test_build_rehashes_a_file_altered_in_place_with_size_and_mtime_kept(project, tmp_path):
    """Altered in place, size and mtime restored, and the mirror holding the same altered copy: refused."""
    target = project.root / "data" / "external" / WORLD_2025
    original, kept = target.read_bytes(), target.stat()
    altered = original.replace(b"United States", b"United Staets", 1)
    (tmp_path / "mirror" / WORLD_2025).parent.mkdir(parents=True)
    (tmp_path / "mirror" / WORLD_2025).write_bytes(altered)
    before = project.published()
    env = dict(project.env)
    target.chmod(0o644)
    target.write_bytes(altered)
    os.utime(target, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    project.env["MINERALS_DATA_MIRROR"] = str(tmp_path / "mirror")
    try:
        result = project.build()
    finally:
        project.env.clear()
        project.env.update(env)
        target.write_bytes(original)
        target.chmod(0o444)
    check_failed(result, 2, "MCS2025_World_Data.csv", "expected 4cf9adcc")
    assert project.published() == before


# ---------------------------------------------------------------- 3. publishing is one unit


@pytest.mark.parametrize("folder", ["build", "figures"])
def test_read_only_target_leaves_both_folders_old(spare, folder):
    before = make_stale(spare)
    with immutable(spare.root / folder / SPARE):
        result = spare.build("--scenario", SPARE)
    check_failed(result, 1, f"could not replace {folder}/{SPARE}", "writable")
    assert published(spare, SPARE) == before
    assert not list((spare.root / "build").glob(f".publish-{SPARE}*"))


KILL_BETWEEN_SWAPS = """
import os
from critical_minerals.engine import publish
one_swap = publish.swap
def swap(*args):
    one_swap(*args)
    os._exit(9)  # killed after the first folder was swapped, before the second
publish.swap = swap
"""


def test_kill_between_the_swaps_is_undone_by_the_next_run(spare):
    before = make_stale(spare)
    killed = build_with(spare, KILL_BETWEEN_SWAPS, "--scenario", SPARE)
    assert killed.returncode == 9, killed.stderr[-3000:]
    assert not (spare.root / "figures" / SPARE / OLD_MARK).exists()  # figures new, report old: half published
    assert (spare.root / "build" / f".publish-{SPARE}.json").is_file()
    other = spare.build()  # a build of another scenario meanwhile clears leftovers, but not what recovery needs
    assert other.returncode == 0, other.stderr[-3000:]
    recover = f"from critical_minerals.engine import publish; print(publish.recover({SPARE!r}))"
    recovered = subprocess.run(
        [sys.executable, "-c", recover],
        cwd=spare.root,
        env=spare.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "previous ones are restored" in recovered.stdout, recovered.stderr
    assert published(spare, SPARE) == before  # both old, byte for byte
    assert not list(spare.root.glob(f"*/.retired-*{SPARE}*"))
    # the same happens inside a build: the next build undoes a half publish first, then publishes whole
    build_with(spare, KILL_BETWEEN_SWAPS, "--scenario", SPARE)
    result = spare.build("--scenario", SPARE)
    assert result.returncode == 0 and "previous ones are restored" in result.stdout, result.stderr[-3000:]
    manifest = json.loads((spare.root / "build" / SPARE / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == set(published(spare, SPARE)) - {f"build/{SPARE}/manifest.json"}


# ---------------------------------------------------------------- 4. runtime failures: one message, traceback logged

DISK_FULL = """
import errno, shutil
def copy2(source, target, *args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", str(target))
shutil.copy2 = copy2
"""


def test_full_disk(spare):
    before = make_stale(spare)
    result = build_with(spare, DISK_FULL, "--scenario", SPARE)
    output = check_failed(result, 1, "the disk is full", "free some space", "details in")
    log_named(spare, output)
    assert published(spare, SPARE) == before
    assert not list((spare.root / "build").glob(f".staging-{SPARE}-*"))


def test_unwritable_output_folder(spare):
    before = make_stale(spare)
    with immutable(spare.root / "build"):
        result = spare.build("--scenario", SPARE)
    check_failed(result, 1, "not permitted", "writable", "details in")
    assert published(spare, SPARE) == before


def test_dead_kernel(spare):
    notebook = spare.root / "notebooks" / "01_minerals_tables.ipynb"

    def dying(raw: bytes) -> bytes:
        cells = json.loads(raw)
        at = next(i for i, cell in enumerate(cells["cells"]) if "parameters" in cell["metadata"].get("tags", []))
        cells["cells"].insert(at + 1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
        return json.dumps(cells).encode()

    before = published(spare, SPARE)
    with edited(notebook, dying):
        result = spare.build("--scenario", SPARE)
    output = check_failed(result, 1, "01_minerals_tables", "kernel", "died", "details in")
    assert "DeadKernelError" in log_named(spare, output).read_text(encoding="utf-8")
    assert published(spare, SPARE) == before


@pytest.mark.parametrize("where", ["root", "build"])
def test_output_root_that_is_a_file(project, tmp_path, where):
    root = tmp_path / "out"
    if where == "root":
        root.write_text("not a folder\n", encoding="utf-8")
    else:
        root.mkdir()
        (root / "build").write_text("not a folder\n", encoding="utf-8")
    env = dict(project.env)
    project.env["MINERALS_OUTPUT_ROOT"] = str(root)
    try:
        result = project.build()
    finally:
        project.env.clear()
        project.env.update(env)
    check_failed(result, 1, "is a file", "MINERALS_OUTPUT_ROOT")


# ---------------------------------------------------------------- 5. a damaged cache is recomputed


def entry_of(project, step: str) -> Path:
    """The step's cache entry of the default scenario's first build (the spare scenario has the same parameters)."""
    manifest = json.loads((project.root / "build" / "default" / "manifest.json").read_text(encoding="utf-8"))
    key = next(record["key"] for record in manifest["steps"] if record["step"] == step)
    return project.root / "build" / ".cache" / step / key[:32]


def truncate_record(folder: Path) -> None:
    record = folder / cache.RECORD
    record.write_bytes(record.read_bytes()[: len(record.read_bytes()) // 2])


def garbage_results(folder: Path) -> None:
    next((folder / "outputs" / "results").glob("*.json")).write_text("garbage\n", encoding="utf-8")


def delete_half(folder: Path) -> None:
    files = sorted(path for path in folder.rglob("*") if path.is_file() and path.name != cache.RECORD)
    for path in files[::2]:
        path.unlink()


@pytest.mark.parametrize(
    "damage, step",
    [(truncate_record, "tables"), (garbage_results, "01_minerals_tables"), (delete_half, "tables")],
    ids=["truncated-record", "garbage-results", "half-the-files-deleted"],
)
def test_damaged_cache_entry_is_recomputed(spare, damage, step):
    make_stale(spare)
    folder = entry_of(spare, step)
    damage(folder)
    result = spare.build("--scenario", SPARE)
    output = result.stderr + result.stdout
    assert result.returncode == 0, output[-3000:]
    assert [line for line in output.splitlines() if line.startswith("cache:")] == [
        f"cache: build/.cache/{step}/{folder.name} is damaged ({line_reason(output)}); discarded, computing it again"
    ]
    assert "Traceback" not in output
    cache.load(folder)  # made again, whole


def line_reason(output: str) -> str:
    return output.split(" is damaged (", 1)[1].split("); discarded", 1)[0]


def test_damaged_parameters_cache_is_recomputed(project):
    """It used to block every later build until deleted by hand."""
    notebook = (project.root / "notebooks" / "04_price_support.ipynb").read_bytes()
    name = f"parameters-{hashlib.sha256(notebook).hexdigest()[:20]}.json"  # as declarations.notebook_parameters
    cached = project.root / "build" / ".cache" / "parameters" / name
    cached.write_text('{"value": [{"name": "x"', encoding="utf-8")  # cut short
    before = project.published()
    result = project.build()
    output = result.stderr + result.stdout
    assert result.returncode == 0, output[-3000:]
    assert f"cache: build/.cache/parameters/{cached.name} is damaged" in output and "Traceback" not in output
    assert project.published() == before
    assert cache.read_json(cached) is not None  # written again


# ---------------------------------------------------------------- valid input in unusual forms


def crlf_with_bom(raw: bytes) -> bytes:
    return b"\xef\xbb\xbf" + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def reordered_with_spaces(raw: bytes) -> bytes:
    """Columns in reverse order, a space after every header name and around the cells of the first rows."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{name} " for name in reversed(rows[0])])
    for number, row in enumerate(rows[1:]):
        writer.writerow([f" {cell} " if number < 3 else cell for cell in reversed(row)])
    return out.getvalue().encode("utf-8")


def test_unusual_but_valid_tables_build_the_same_results(spare):
    """BOM and CRLF in a table whose values are also the allowed values of a parameter; columns reordered and spaces
    around names and cells in another (also read for allowed values): the chapter's results are those of the tables
    as committed. (-p names both parameters, so their allowed values are read and checked.)"""
    data = spare.root / "data"
    with (
        edited(data / "subsidy_regimes.csv", crlf_with_bom),
        edited(data / "project_archetypes.csv", reordered_with_spaces),
    ):
        result = spare.build("--scenario", SPARE, "-p", "subsidy_regime=none", "-p", "project_archetype=nickel")
    assert result.returncode == 0, (result.stderr + result.stdout)[-3000:]
    assert "04_price_support               done" in result.stdout  # the chapter ran on the edited tables
    results = [
        json.loads((spare.root / "build" / name / "results" / "04_price_support.json").read_text("utf-8"))
        for name in (SPARE, "default")
    ]
    for numbers in results:
        numbers.pop("simulation_seconds")  # wall time, not a result of the data
    assert results[0] == results[1]
