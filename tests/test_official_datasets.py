"""The fetch step: mirror copies, downloads (served on loopback), archives, checksums and the messages users see."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest
import yaml

from critical_minerals.core.errors import InputError
from critical_minerals.sources import official_datasets

CSV = b"Source,Country\nMCS2025,Canada\n"
XLS = b"not really a workbook, just bytes"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server over tmp_path/www with one direct file and one ZIP archive."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "prices.xls").write_bytes(XLS)
    with zipfile.ZipFile(www / "World.zip", "w") as bundle:
        bundle.writestr("inner/world.csv", CSV)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def write_registry(path: Path, base_url: str, csv_sha: str = sha(CSV), xls_sha: str = sha(XLS)) -> Path:
    registry = {
        "datasets": {
            "demo": {
                "title": "Demo",
                "publisher": "Demo Survey",
                "citation": "Demo 2025",
                "url": base_url,
                "licence": "public domain",
                "archives": {"World.zip": {"url": f"{base_url}/World.zip"}},
                "files": {
                    "world/world.csv": {"sha256": csv_sha, "archive": "World.zip", "member": "inner/world.csv"},
                    "prices.xls": {"sha256": xls_sha, "url": f"{base_url}/prices.xls"},
                },
            }
        }
    }
    path.write_text(yaml.safe_dump(registry), encoding="utf-8")
    return path


def test_download_path_fetches_direct_files_and_archive_members(tmp_path, served):
    registry = official_datasets.load_registry(write_registry(tmp_path / "reg.yaml", served))
    dest = tmp_path / "external"
    report = official_datasets.fetch(registry, mirror=None, dest=dest)
    assert report.downloaded == 2
    assert (dest / "demo/world/world.csv").read_bytes() == CSV
    assert (dest / "demo/prices.xls").read_bytes() == XLS
    # a second run verifies and does nothing
    again = official_datasets.fetch(registry, mirror=None, dest=dest)
    assert (again.present, again.downloaded) == (2, 0)
    assert official_datasets.verify(registry, dest) == []


def test_mirror_is_preferred_and_copied_read_only(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "demo/world").mkdir(parents=True)
    (mirror / "demo/world/world.csv").write_bytes(CSV)
    (mirror / "demo/prices.xls").write_bytes(XLS)
    registry = official_datasets.load_registry(
        write_registry(tmp_path / "reg.yaml", "http://127.0.0.1:9")
    )  # never contacted
    report = official_datasets.fetch(registry, mirror=mirror, dest=tmp_path / "external")
    assert report.copied == 2
    target = tmp_path / "external/demo/world/world.csv"
    assert target.read_bytes() == CSV
    assert not target.stat().st_mode & 0o222  # raw files are read-only


def test_checksum_mismatch_names_file_expected_and_actual(tmp_path, served):
    wrong = "0" * 64
    registry = official_datasets.load_registry(write_registry(tmp_path / "reg.yaml", served, xls_sha=wrong))
    with pytest.raises(InputError) as err:
        official_datasets.fetch(registry, mirror=None, dest=tmp_path / "external")
    message = str(err.value)
    assert "demo/prices.xls" in message
    assert f"expected {wrong}" in message and f"got {sha(XLS)}" in message
    assert "record its checksum" in message
    assert not (tmp_path / "external/demo/prices.xls").exists()  # an unverified file is never put in place
    assert (tmp_path / "external/demo/world/world.csv").exists()  # the good file is kept


def test_missing_mirror_file_says_where_and_what_to_do(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    registry = official_datasets.load_registry(write_registry(tmp_path / "reg.yaml", "http://127.0.0.1:9"))
    with pytest.raises(InputError) as err:
        official_datasets.fetch(registry, mirror=mirror, dest=tmp_path / "external")
    message = str(err.value)
    assert "2 dataset file(s)" in message
    assert "demo/world/world.csv: missing from the mirror" in message
    assert "MINERALS_DATA_MIRROR" in message


def test_missing_archive_member_and_unreachable_server(tmp_path, served):
    path = write_registry(tmp_path / "reg.yaml", served)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["datasets"]["demo"]["files"]["world/world.csv"]["member"] = "renamed.csv"
    raw["datasets"]["demo"]["files"]["prices.xls"]["url"] = "http://127.0.0.1:9/prices.xls"  # port 9: nothing listens
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(InputError) as err:
        official_datasets.fetch(official_datasets.load_registry(path), mirror=None, dest=tmp_path / "external")
    message = str(err.value)
    assert "member 'renamed.csv' not found in World.zip" in message
    assert "download from http://127.0.0.1:9/prices.xls failed" in message


def test_altered_local_file_is_replaced_by_a_verified_copy(tmp_path, served):
    registry = official_datasets.load_registry(write_registry(tmp_path / "reg.yaml", served))
    dest = tmp_path / "external"
    official_datasets.fetch(registry, mirror=None, dest=dest)
    target = dest / "demo/prices.xls"
    target.chmod(0o644)
    target.write_bytes(b"edited by hand")
    assert any("prices.xls" in problem for problem in official_datasets.verify(registry, dest))
    official_datasets.fetch(registry, mirror=None, dest=dest)
    assert target.read_bytes() == XLS


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d["demo"].pop("licence"), "demo.licence"),
        (lambda d: d["demo"]["files"]["prices.xls"].update(sha256="abc"), "demo.files.prices.xls"),
        (lambda d: d["demo"]["files"]["world/world.csv"].update(archive="Other.zip"), "demo.files.world/world.csv"),
    ],
)
def test_malformed_registry_entries_are_named(tmp_path, mutate, field):
    path = write_registry(tmp_path / "reg.yaml", "http://127.0.0.1:9")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(raw["datasets"])
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(InputError) as err:
        official_datasets.load_registry(path)
    assert f"field {field!r}" in str(err.value)


def test_project_registry_records_provenance_for_every_dataset():
    registry = official_datasets.load_registry()
    assert {"usgs_mcs2023", "usgs_mcs2024", "usgs_mcs2025", "worldbank_pinksheet", "imf_pcps"} <= set(registry)
    for dataset in registry.values():
        assert dataset.meta["url"].startswith("https://")
        assert dataset.files
    assert len(registry["usgs_mcs2024"].files) == 164  # 77 world + 85 salient + 2 industry-trends CSVs
