"""The build runs where analysts work: macOS and Windows have no fcntl, no os.sched_getaffinity, no libc.so.6 and no
fork start method, and a Windows console writes cp1252. A build of the end-to-end project (two chapters re-run in
parallel worker processes, then the report) runs here with all of these taken away, in every process it starts."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from critical_minerals.core import paths
from critical_minerals.engine import portable

# Imported by every Python process the build starts (the build, its workers, their kernels) before anything else.
SHIM = """
import ctypes, json, multiprocessing, os, sys

sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
del os.sched_getaffinity  # as on macOS and Windows


class _NoLibc(ctypes.CDLL):
    def __init__(self, name, *args, **kwargs):
        if name and "libc" in os.path.basename(str(name)):
            raise OSError(f"{name}: cannot open shared object file (portable test)")
        super().__init__(name, *args, **kwargs)


ctypes.CDLL = _NoLibc
ctypes.cdll = ctypes.LibraryLoader(_NoLibc)
multiprocessing.set_start_method("spawn", force=True)
with open(os.environ["PORTABLE_SHIM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.orig_argv) + "\\n")
"""


def shimmed_env(project, tmp_path: Path) -> dict:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    return {
        **project.env,
        "PYTHONPATH": os.pathsep.join([str(shim), project.env["PYTHONPATH"]]),
        "PORTABLE_SHIM_LOG": str(tmp_path / "processes.log"),
        "PYTHONIOENCODING": "cp1252",
    }


def test_the_shim_takes_the_linux_only_calls_away(project, tmp_path):
    env = shimmed_env(project, tmp_path)
    probe = (
        "import ctypes, multiprocessing, os\n"
        "try:\n    import fcntl\nexcept ImportError:\n    print('no fcntl')\n"
        "print('affinity' if hasattr(os, 'sched_getaffinity') else 'no affinity')\n"
        "try:\n    ctypes.CDLL('libc.so.6')\nexcept OSError:\n    print('no libc')\n"
        "print(multiprocessing.get_start_method())\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:4] == ["no fcntl", "no affinity", "no libc", "spawn"], result.stdout


def test_build_runs_under_spawn_without_fcntl_affinity_or_libc_and_on_a_cp1252_console(project, tmp_path):
    env = shimmed_env(project, tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "build.py",
            "-j",
            "2",
            "-p",
            "strike_multiple=1.05",
            "-p",
            "stockpile_cover_months=4",
            "--name",
            "portable",
        ],
        cwd=project.root,
        env=env,
        capture_output=True,
        timeout=600,
    )
    stdout, stderr = result.stdout.decode("cp1252"), result.stderr.decode("cp1252")
    assert result.returncode == 0, stderr[-3000:]
    steps = {
        line.split()[0]: line.split(maxsplit=1)[1]
        for line in stdout.splitlines()
        if line.startswith("  ") and len(line.split()) > 1
    }
    assert steps["03_stockpile_cost"].startswith("done in") and steps["04_price_support"].startswith("done in")
    assert "parameter strike_multiple: 1.0 -> 1.05" in stdout  # the arrow, in ASCII on a cp1252 console
    assert (project.root / "build/portable/report.html").is_file()
    record = json.loads((project.root / "build/portable/manifest.json").read_text(encoding="utf-8"))
    assert record["parameters_differing_from_defaults"]["strike_multiple"] == 1.05
    started = [json.loads(line) for line in (tmp_path / "processes.log").read_text(encoding="utf-8").splitlines()]
    workers = [argv for argv in started if any("spawn_main" in part for part in argv)]
    assert len(workers) == 2, started  # -j 2: the chapters ran in spawned workers, each started with the shim
    assert any("ipykernel_launcher" in " ".join(argv) for argv in started)  # and so did their kernels


def test_cpu_count_without_affinity_is_the_machines(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    assert portable.cpu_count() == (os.cpu_count() or 1)


def test_a_process_that_has_exited_is_not_alive_and_the_check_does_not_signal():
    assert portable.alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not portable.alive(child.pid)


class FakeKernel32:
    """The three Windows calls the pid check makes, answering as Windows does for one pid."""

    def __init__(self, handle: int, exit_code: int):
        self.handle, self.exit_code, self.closed = handle, exit_code, []

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 — the Windows API's names
        return self.handle

    def GetExitCodeProcess(self, handle, pointer):  # noqa: N802
        pointer._obj.value = self.exit_code
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.closed.append(handle)


@pytest.mark.parametrize(("exit_code", "expected"), [(portable.STILL_ACTIVE, True), (0, False), (1, False)])
def test_windows_pid_check_reads_the_exit_code_and_closes_the_handle(exit_code, expected):
    pytest.importorskip("ctypes.wintypes")
    kernel32 = FakeKernel32(handle=42, exit_code=exit_code)
    assert portable._alive_windows(1234, kernel32) is expected
    assert kernel32.closed == [42]


def test_console_output_a_code_page_cannot_hold_falls_back_to_ascii():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252")
    portable.console_safe(stream)
    stream.write("queued: parameter strike_multiple: 1.0 → 1.2 ≤ 2 ✓ — done\n")
    stream.flush()
    assert raw.getvalue().decode("cp1252") == "queued: parameter strike_multiple: 1.0 -> 1.2 <= 2 ? — done\n"


SOURCES = [
    paths.ROOT / "build.py",
    *sorted(
        path for folder in ("critical_minerals", "benchmarks", "tests") for path in (paths.ROOT / folder).rglob("*.py")
    ),
]
TEXT_METHODS = {"read_text": 1, "write_text": 2}  # the encoding's position


def text_opens_without_encoding(source: str) -> list[int]:
    """Lines that open a file in text mode without naming its encoding (the OS's default is cp1252 on Windows):
    open(...), Path.open(...), read_text() and write_text(...) without encoding=, unless the mode is binary."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or any(keyword.arg == "encoding" for keyword in node.keywords):
            continue
        function = node.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
        mode_at = 1 if isinstance(function, ast.Name) else 0  # open(path, mode) and path.open(mode)
        if name in TEXT_METHODS and isinstance(function, ast.Attribute) and len(node.args) < TEXT_METHODS[name]:
            lines.append(node.lineno)
        elif name == "open" and (
            isinstance(function, ast.Name) or not node.args or isinstance(node.args[0], ast.Constant)
        ):
            if len(node.args) > mode_at + 2:  # open(path, mode, buffering, encoding), path.open(mode, ...)
                continue
            mode = (
                node.args[mode_at]
                if len(node.args) > mode_at
                else next((keyword.value for keyword in node.keywords if keyword.arg == "mode"), None)
            )
            if not (isinstance(mode, ast.Constant) and "b" in str(mode.value)):
                lines.append(node.lineno)
    return lines


def test_the_guard_finds_a_text_open_without_encoding():
    assert text_opens_without_encoding(
        "open(p)\nopen(p, 'w')\np.read_text()\np.write_text(s)\np.open('a')\np.open()\n"
    ) == [1, 2, 3, 4, 5, 6]
    assert (
        text_opens_without_encoding("p.read_text('utf-8')\np.write_text(s, 'utf-8')\nopen(p, 'r', -1, 'utf-8')\n") == []
    )
    assert (
        text_opens_without_encoding(
            "open(p, 'rb')\nopen(p, encoding='utf-8')\np.read_bytes()\n"
            "p.open('wb')\nImage.open(p)\np.read_text(encoding='utf-8')\n"
        )
        == []
    )


def test_every_text_file_is_opened_with_an_encoding():
    found = [
        f"{path.relative_to(paths.ROOT)}:{line}"
        for path in SOURCES
        for line in text_opens_without_encoding(path.read_text(encoding="utf-8"))
    ]
    assert not found, f"open, read_text or write_text without encoding='utf-8': {', '.join(found)}"
