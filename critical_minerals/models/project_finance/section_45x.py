"""Section 45X eligibility of a project's product: which forms of a mineral the statute credits (chapter 04).

26 U.S.C. 45X(c)(6) credits an applicable critical mineral only once it is converted or purified to the forms the
statute (and 26 CFR 1.45X-4) lists, e.g. graphite purified to 99.9 % graphitic carbon. data/us_45x_forms.csv holds
one row per mineral and form: `form` is a product form as the archetypes name it, `any` for a purity threshold that
applies to every form, or `none` for a mineral that is not on the list; `value` is the least purity (share by mass,
blank when the form alone qualifies); `verified` says whether the requirement was read in the legal text.
A product is eligible when some row of its mineral names its form (or `any`) and its purity reaches the row's value.
A mineral without rows stops the chapter: eligibility is never assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...core import paths
from ...core.errors import InputError
from ...sources.handwritten_tables import read_data_table, require_yes_no

FORMS_FILE = paths.DATA_DIR / "us_45x_forms.csv"
COLUMNS = ["mineral", "form", "value", "unit", "verified", "source", "note"]
ANY_FORM, NOT_LISTED = "any", "none"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str  # one sentence a reader can check against the rows of data/us_45x_forms.csv


def read_forms(path: Path = FORMS_FILE) -> pd.DataFrame:
    """The form requirements, validated: a source on every row, verified yes/no, purity blank or within 0..1."""
    frame = read_data_table(path, COLUMNS)
    purity = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        if not row["source"].strip():
            raise InputError(
                "every requirement needs a source",
                file=path,
                row=line,
                field="source",
                fix="cite the statute or regulation",
            )
        require_yes_no(
            row["verified"],
            file=path,
            row=line,
            field="verified",
            fix="write yes if the requirement was read in the legal text",
        )
        text = row["value"].strip()
        try:
            value = float(text) if text else math.nan
        except ValueError:
            raise InputError(
                "not a number",
                file=path,
                row=line,
                field="value",
                value=text,
                fix="write the least purity as a share between 0 and 1, or leave it blank",
            ) from None
        if not (math.isnan(value) or 0.0 < value <= 1.0):
            raise InputError(
                "purity out of range",
                file=path,
                row=line,
                field="value",
                value=text,
                fix="write a share between 0 and 1 (0.999 for 99.9 %)",
            )
        purity.append(value)
    return frame.assign(value=purity)


def eligibility(mineral: str, product_form: str, purity: float, forms: pd.DataFrame) -> Eligibility:
    """Whether `purity` (share by mass) of `mineral` sold as `product_form` is an applicable critical mineral."""
    rows = forms[forms["mineral"] == mineral]
    if rows.empty:
        raise InputError(
            "no section 45X requirement for this mineral",
            file=FORMS_FILE,
            field="mineral",
            value=mineral,
            fix="add its forms from 26 U.S.C. 45X(c)(6), or a row with form 'none'",
        )
    if (rows["form"] == NOT_LISTED).any():
        return Eligibility(False, f"{mineral} is not an applicable critical mineral of section 45X(c)(6)")
    unverified = "" if (rows["verified"] == "yes").all() else " (requirement not verified in the legal text)"
    for row in rows.itertuples():
        if row.form in (product_form, ANY_FORM) and (math.isnan(row.value) or purity >= row.value):
            return Eligibility(True, f"{product_form} is a form of {mineral} that section 45X credits{unverified}")
    needs = "; ".join(_requirement(row) for row in rows.itertuples())
    return Eligibility(
        False,
        f"{product_form} at {purity:.1%} is not a form of {mineral} that section 45X credits "
        f"(it needs {needs}){unverified}",
    )


def _requirement(row) -> str:
    form = f"{row.mineral} in any form" if row.form == ANY_FORM else row.form
    return form if math.isnan(row.value) else f"{form} of at least {row.value:.1%} {row.unit.replace('share of ', '')}"
