"""Section 45X eligibility follows the product's form: concentrates get no credit, and the harmonization table says
why (26 U.S.C. 45X(c)(6), 26 CFR 1.45X-4; rows of data/us_45x_forms.csv)."""

from __future__ import annotations

import pytest

from critical_minerals.core.errors import InputError
from critical_minerals.models.cfd import model as cfd
from critical_minerals.models.cfd import tables as cfd_tables
from critical_minerals.models.cfd import text as cfd_text
from critical_minerals.models.project_finance import model as pf
from critical_minerals.models.project_finance import section_45x


@pytest.fixture(scope="module")
def forms():
    return section_45x.read_forms()


def test_every_requirement_has_a_source_and_says_whether_it_was_verified(forms):
    assert (forms["source"].str.strip() != "").all()
    assert set(forms["verified"]) <= {"yes", "no"}
    graphite = forms[forms["mineral"] == "graphite"].iloc[0]
    assert graphite["value"] == 0.999 and graphite["verified"] == "yes"  # 26 CFR 1.45X-4(b)(14), read


@pytest.mark.parametrize(
    "mineral, form, purity, eligible, words",
    [
        ("graphite", "graphite concentrate", 0.95, False, "at least 99.9% graphitic carbon"),
        ("graphite", "spherical purified graphite", 0.9995, True, "section 45X credits"),
        ("nickel", "nickel concentrate", 0.15, False, "nickel sulphate"),
        ("nickel", "nickel sulphate", 0.22, True, "not verified"),
        ("nickel", "nickel cathode", 0.998, True, "section 45X credits"),
        ("lithium", "lithium carbonate", 0.995, True, "section 45X credits"),
        ("lithium", "spodumene concentrate", 0.06, False, "lithium carbonate"),
        ("copper", "copper cathode", 0.9999, False, "not an applicable critical mineral"),
    ],
)
def test_eligibility_by_form_and_purity(forms, mineral, form, purity, eligible, words):
    result = section_45x.eligibility(mineral, form, purity, forms)
    assert result.eligible is eligible and words in result.reason


def test_a_mineral_without_requirements_stops_the_chapter(forms):
    with pytest.raises(InputError, match="uranium.*no section 45X requirement"):
        section_45x.eligibility("uranium", "yellowcake", 0.8, forms)


def test_archetypes_that_sell_concentrate_get_no_45x_credit():
    archetypes = pf.read_archetypes()
    assert {name: a.us_45x_eligible for name, a in archetypes.items()} == {
        "nickel": 0.0,
        "lithium": 1.0,
        "copper": 0.0,
        "graphite": 0.0,
    }
    regimes = pf.read_subsidy_regimes()
    for name in ("nickel", "graphite", "copper"):
        assert pf.subsidy_cash_flows(archetypes[name], regimes, "us_45x_permanent", 2027).sum() == 0
    # lithium carbonate keeps the credit: 10 % of 8,000 USD per t LCE on 40,000 t LCE at capacity = 32 M USD
    flows = pf.subsidy_cash_flows(archetypes["lithium"], regimes, "us_45x_permanent", 2027)
    assert flows.max() == pytest.approx(0.10 * 8_000 * 40_000)


def test_harmonization_table_shows_why_a_product_is_not_eligible():
    table = cfd.harmonization_table(pf.read_archetypes(), pf.read_subsidy_regimes(), 2027, 0.25)
    view = cfd_tables.harmonization_view(table).set_index("archetype")
    assert "graphite concentrate at 95.0% is not a form of graphite" in view.loc["graphite", "section 45X eligibility"]
    assert "nickel concentrate" in view.loc["nickel", "section 45X eligibility"]
    assert view.loc["nickel", "ITC / 45X permanent"] == "no 45X credit"
    assert view.loc["lithium", "section 45X eligibility"].startswith("lithium carbonate is a form of lithium")


def test_bad_requirement_file_names_row_and_field(tmp_path):
    text = section_45x.FORMS_FILE.read_text(encoding="utf-8").replace("graphite,any,0.999", "graphite,any,99.9")
    path = tmp_path / "forms.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, field 'value' \(value '99.9'\): purity out of range"):
        section_45x.read_forms(path)


def test_verdict_gives_the_reason_instead_of_an_infinite_ratio():
    table = cfd.harmonization_table(pf.read_archetypes(), pf.read_subsidy_regimes(), 2027, 0.25)
    verdict = cfd_text.harmonization_verdict(table, 0.25)
    assert "inf" not in verdict
    assert "45X nothing, because nickel concentrate at 15.0% is not a form of nickel" in verdict
    lithium = verdict.split("lithium: ")[1].split(";")[0]
    assert "for a permanent 45X (ratio" in lithium  # an eligible product keeps its ratio
