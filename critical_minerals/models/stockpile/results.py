"""Chapter 03's headline numbers, written to its results file."""

from __future__ import annotations

import pandas as pd

from .model import MonteCarlo, carrying_cost_per_year, design_npc, exclusions, included, total_cost
from .validation import Settings


def headline_results(
    settings: Settings,
    data_year: int,
    price_year: int,
    costs_by_design: dict[str, pd.DataFrame],
    calibrated: pd.DataFrame,
    tornados: dict[str, pd.DataFrame],
    simulations: dict[str, MonteCarlo],
    burden: dict[str, pd.DataFrame],
    rotation_cost_rate: float,
    nds_material_value: float,
) -> dict:
    designs = {}
    for name, costs in costs_by_design.items():
        mc = simulations[name]
        calib = calibrated[calibrated["design"] == name].set_index("target")
        shares = burden[name]
        designs[name] = {
            "acquisition_usd": total_cost(costs),
            "yearly_carrying_cost_usd": carrying_cost_per_year(
                total_cost(costs),
                settings.storage_rate,
                settings.discount_rate,
                settings.rotation_share,
                rotation_cost_rate,
            ),
            "net_present_cost_usd": design_npc(costs, settings, rotation_cost_rate),
            "minerals_included": sorted(included(costs).index),
            "minerals_excluded": {row.mineral: row.exclusion for row in exclusions(costs).itertuples()},
            "cost_by_mineral_usd": included(costs)["cost_usd"].sort_values(ascending=False).to_dict(),
            "calibrated_cover_months": calib["uniform cover for target (months)"].to_dict(),
            "calibrated_multiple_of_design": calib["multiple of design covers or of prices"].to_dict(),
            "monte_carlo_usd": {
                "p5": mc.p5,
                "p50": mc.p50,
                "p95": mc.p95,
                "mean": mc.mean,
                "standard_error_of_mean": mc.standard_error,
            },
            "largest_cost_drivers": tornados[name]["driver"].head(3).tolist(),
            "burden_shares": {key: rows.set_index("country")["share"].to_dict() for key, rows in shares.groupby("key")},
            "acquisition_vs_nds_material": total_cost(costs) / nds_material_value,
        }
    return {
        "designs": designs,
        "usgs_edition": settings.usgs_edition,
        "data_year": data_year,
        "price_year": price_year,
        "price_basis": settings.price_basis,
        "real_prices": settings.real_prices,
        "quantity_basis": settings.quantity_basis,
        "cover_months": settings.cover_months,
        "defence_share": settings.defence_share,
        "discount_rate": settings.discount_rate,
        "storage_rate": settings.storage_rate,
        "horizon_years": settings.horizon_years,
        "mc_draws": settings.mc_draws,
        "mc_seed": settings.mc_seed,
        "mc_seconds": sum(mc.seconds for mc in simulations.values()),
    }
