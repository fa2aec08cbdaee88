"""The data dictionary describes every column of every hand-written table in data/, and nothing else."""

from __future__ import annotations

import shutil

from critical_minerals.core import paths
from critical_minerals.sources import data_dictionary


def test_every_column_of_every_data_file_is_described_and_nothing_else():
    undescribed, stale = data_dictionary.mismatches()
    assert undescribed == [] and stale == []
    rows = [row for fields in data_dictionary.read().values() for row in fields]
    assert all(row["description"].strip() for row in rows)


def test_a_new_column_or_a_stale_description_is_named(tmp_path):
    for name in ("countries.csv", data_dictionary.DICTIONARY):
        shutil.copy(paths.DATA_DIR / name, tmp_path / name)
    (tmp_path / "countries.csv").write_text(
        "country,iso3,region,capital\nCanada,CAN,Americas,Ottawa\n", encoding="utf-8"
    )
    undescribed, stale = data_dictionary.mismatches(tmp_path)
    assert undescribed == ["countries.csv: capital"]
    assert "paper_claims.csv: value_pct" in stale  # described, but no such file here
