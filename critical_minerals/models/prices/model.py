"""Price models for chapter 04: calibration to the monthly price panel and fast simulation of price paths.

Two models of the log price x = ln P, both in constant dollars by default (see `to_constant_dollars`):

- geometric Brownian motion (GBM): dx = (mu - sigma^2/2) dt + sigma dW, so E[P_t] = P_0 e^(mu t). Calibrated from
  the mean and standard deviation of monthly log returns.
- mean reversion, the one-factor model of Schwartz (1997, J. Finance 52(3)): dx = kappa (theta - x) dt + sigma dW,
  an Ornstein-Uhlenbeck process in the log price. Calibrated by the AR(1) regression x_{t+1} = a + b x_t + e, whose
  exact discretisation gives kappa = -ln(b)/dt, theta = a/(1-b), sigma = sd(e) sqrt(2 kappa / (1 - b^2)).

Simulation uses the exact discretisation of each model (no time-step bias), float32 arrays laid out time-major
(months x paths, so each recursion step is one vectorised operation over all paths), normal draws by the Box-Muller
transform (`normal_draws`) and antithetic pairs: the second half of the paths uses the first half's normal draws
with opposite signs, which halves the random numbers drawn and lowers the variance of every payoff that is monotone
in the price.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ...core.errors import InputError

MONTH = 1.0 / 12.0  # time step of the price panel, in years
MODELS = ("gbm", "mean_reverting")
MODEL_LABELS = {"gbm": "geometric Brownian motion", "mean_reverting": "mean reversion (Schwartz one-factor)"}
# Metals calibrated in the chapter: the seven plus the other base and minor metals of the panel.
CALIBRATION_METALS = (
    "copper",
    "nickel",
    "zinc",
    "aluminum",
    "cobalt",
    "lithium",
    "molybdenum",
    "tin",
    "lead",
    "manganese",
    "vanadium",
    "rare_earths",
)
MIN_MONTHS = 36  # fewer monthly observations than this cannot pin down a volatility, let alone a mean reversion
SIMULATION_DTYPE = np.float32  # prices to ~1e-7 relative precision: far below Monte Carlo error


# ---------------------------------------------------------------- data: one metal's monthly series


def muv_deflator(prices_monthly: pd.DataFrame, prices_annual_real: pd.DataFrame) -> pd.Series:
    """The World Bank's deflator by year (MUV index, 2010 = 1), implied by its nominal and real price series.

    The Pink Sheet's annual real prices are its nominal annual averages divided by the MUV index; dividing the mean of
    the monthly nominal prices by the real annual price recovers the index. The median over metals is taken (they
    agree to 4 decimals).
    """
    nominal = prices_monthly.assign(year=prices_monthly["date"].dt.year).groupby(["commodity", "year"])["price"].mean()
    real = prices_annual_real.set_index(["commodity", "year"])["price"]
    joined = pd.concat({"nominal": nominal, "real": real}, axis=1, join="inner").dropna()
    if joined.empty:
        raise InputError(
            "no metal has both monthly nominal and annual real prices",
            field="prices_annual_real",
            fix="rebuild the tables with chapter 01",
        )
    return (joined["nominal"] / joined["real"]).groupby(level="year").median().rename("muv_index")


def to_constant_dollars(series: pd.Series, deflator: pd.Series) -> pd.Series:
    """Nominal monthly prices (DatetimeIndex) in constant US dollars of the deflator's last year.

    Months after the deflator's last year are divided by its last value: taken as dollars of that year, since no later
    index is published. `constant_dollars_text` states this assumption wherever such prices are shown.
    """
    base = deflator.iloc[-1]
    years = np.minimum(series.index.year.to_numpy(), deflator.index.max())
    missing = sorted(set(years) - set(deflator.index))
    if missing:
        raise InputError(
            "no deflator for these years",
            field="year",
            value=missing[:5],
            fix="use a sample that starts in a year the World Bank MUV index covers",
        )
    return series * (base / deflator.reindex(years).to_numpy())


def constant_dollars_text(deflator: pd.Series, last_month: pd.Timestamp) -> str:
    """What 'constant dollars' means for a sample ending in `last_month`, including the months after the deflator's
    last full year, which `to_constant_dollars` carries at that year's index."""
    base = int(deflator.index.max())
    text = f"constant {base} US dollars (World Bank MUV index)"
    if last_month.year <= base:
        return text
    first = pd.Timestamp(year=base + 1, month=1, day=1)
    months = (last_month.year - base - 1) * 12 + last_month.month
    return (
        text + f"; the {months} months from {first:%B %Y} to {last_month:%B %Y}, after the index's last full year, "
        f"are divided by the {base} index, that is taken as {base} dollars: this assumes no change in the index "
        f"after {base}, and overstates those prices by whatever inflation the index later shows"
    )


def monthly_series(
    prices_monthly: pd.DataFrame, metal: str, start_year: int, deflator: pd.Series | None = None
) -> pd.Series:
    """One metal's monthly price in USD per tonne from `start_year` on (constant dollars when a deflator is given)."""
    available = sorted(prices_monthly.loc[prices_monthly["price_usd_per_t"].notna(), "commodity"].unique())
    if metal not in available:
        raise InputError(
            "metal has no monthly price history in the price panel",
            field="metal",
            value=metal,
            fix=f"choose one of {available}",
        )
    rows = prices_monthly[(prices_monthly["commodity"] == metal) & (prices_monthly["date"].dt.year >= start_year)]
    series = rows.set_index("date")["price_usd_per_t"].sort_index().dropna()
    if len(series) < MIN_MONTHS:
        first = prices_monthly.loc[prices_monthly["commodity"] == metal, "date"].min()
        raise InputError(
            f"only {len(series)} months of {metal} prices from {start_year} on",
            field="start_year",
            value=start_year,
            fix=f"choose a start year that leaves at least {MIN_MONTHS} months; {metal} prices start in {first:%Y-%m}",
        )
    if (series <= 0).any():
        raise InputError(
            "prices must be positive to take logarithms",
            field="price_usd_per_t",
            value=float(series.min()),
            fix=f"check the {metal} series in the price panel",
        )
    return to_constant_dollars(series, deflator) if deflator is not None else series


# ---------------------------------------------------------------- calibration


def fit_gbm(prices: pd.Series | np.ndarray, dt: float = MONTH) -> dict:
    """GBM parameters per year from a price series: mu (growth of the expected price), sigma, with standard errors.

    log_drift = mean(r)/dt and sigma = sd(r)/sqrt(dt) for log returns r; mu = log_drift + sigma^2/2.
    SE(log_drift) = sd(r)/(sqrt(n) dt); SE(sigma) ~ sigma/sqrt(2(n-1)) (normal returns).
    """
    returns = np.diff(np.log(_positive(prices)))
    n = len(returns)
    spread = returns.std(ddof=1)
    sigma = spread / np.sqrt(dt)
    log_drift = returns.mean() / dt
    return {
        "mu": log_drift + sigma**2 / 2,
        "mu_se": spread / np.sqrt(n) / dt,
        "sigma": sigma,
        "sigma_se": sigma / np.sqrt(2 * (n - 1)),
        "log_drift": log_drift,
        "returns": n,
    }


def fit_mean_reverting(prices: pd.Series | np.ndarray, dt: float = MONTH) -> dict:
    """Schwartz one-factor parameters by AR(1) regression of the log price, with delta-method standard errors.

    kappa: speed of reversion per year; theta: long-run mean of the log price; sigma: volatility per year;
    half_life = ln 2 / kappa (years); long_run_price = exp(theta + sigma^2/(4 kappa)), the mean of the stationary
    (lognormal) distribution of the price. b >= 1 (no reversion in the sample) gives kappa <= 0 and NaN long-run values.
    """
    x = np.log(_positive(prices))
    lagged, ahead = x[:-1], x[1:]
    n = len(ahead)
    design = np.column_stack([np.ones(n), lagged])
    (a, b), *_ = np.linalg.lstsq(design, ahead, rcond=None)
    residuals = ahead - design @ np.array([a, b])
    residual_var = residuals @ residuals / (n - 2)
    cov = residual_var * np.linalg.inv(design.T @ design)
    se_a, se_b, cov_ab = np.sqrt(cov[0, 0]), np.sqrt(cov[1, 1]), cov[0, 1]
    result = {"a": a, "b": b, "b_se": se_b, "observations": n}
    if not 0 < b < 1:
        return result | {
            key: np.nan
            for key in (
                "kappa",
                "kappa_se",
                "theta",
                "theta_se",
                "sigma",
                "sigma_se",
                "half_life",
                "half_life_se",
                "long_run_price",
                "long_run_price_se",
            )
        }
    kappa = -np.log(b) / dt
    kappa_se = se_b / (b * dt)
    theta = a / (1 - b)
    grad = np.array([1 / (1 - b), a / (1 - b) ** 2])  # d theta / d(a, b)
    theta_se = np.sqrt(grad @ np.array([[se_a**2, cov_ab], [cov_ab, se_b**2]]) @ grad)
    sigma = np.sqrt(residual_var * 2 * kappa / (1 - b**2))
    sigma_se = sigma / np.sqrt(2 * (n - 2))  # sampling error of the residual variance only
    half_life = np.log(2) / kappa
    long_run = np.exp(theta + sigma**2 / (4 * kappa))
    return result | {
        "kappa": kappa,
        "kappa_se": kappa_se,
        "theta": theta,
        "theta_se": theta_se,
        "sigma": sigma,
        "sigma_se": sigma_se,
        "half_life": half_life,
        "half_life_se": np.log(2) / kappa**2 * kappa_se,
        "long_run_price": long_run,
        "long_run_price_se": long_run * theta_se,
    }


def _positive(prices) -> np.ndarray:
    values = np.asarray(prices, dtype=float)
    if len(values) < 3:
        raise InputError("too few prices to calibrate", field="prices", value=len(values), fix="give a longer series")
    if not np.all(np.isfinite(values)) or (values <= 0).any():
        raise InputError(
            "prices must be finite and positive",
            field="prices",
            value=float(np.nanmin(values)),
            fix="drop missing months and non-positive prices",
        )
    return values


def calibration_table(
    prices_monthly: pd.DataFrame, start_year: int, deflator: pd.Series | None, metals=CALIBRATION_METALS
) -> pd.DataFrame:
    """One row per metal: sample, last price, GBM and mean-reverting parameters with standard errors."""
    rows = []
    for metal in metals:
        series = monthly_series(prices_monthly, metal, start_year, deflator)
        gbm, ou = fit_gbm(series), fit_mean_reverting(series)
        rows.append(
            {
                "metal": metal,
                "first_month": series.index[0],
                "last_month": series.index[-1],
                "months": len(series),
                "last_price": series.iloc[-1],
                "gbm_mu": gbm["mu"],
                "gbm_mu_se": gbm["mu_se"],
                "gbm_sigma": gbm["sigma"],
                "gbm_sigma_se": gbm["sigma_se"],
                "ou_kappa": ou["kappa"],
                "ou_kappa_se": ou["kappa_se"],
                "ou_half_life": ou["half_life"],
                "ou_half_life_se": ou["half_life_se"],
                "ou_long_run_price": ou["long_run_price"],
                "ou_long_run_price_se": ou["long_run_price_se"],
                "ou_sigma": ou["sigma"],
                "ou_sigma_se": ou["sigma_se"],
            }
        )
    return pd.DataFrame(rows).set_index("metal")


def calibration_view(table: pd.DataFrame) -> pd.DataFrame:
    """The calibration table as the chapter shows it: estimates with their standard errors in brackets."""

    def pair(value, se, fmt):
        return "–" if np.isnan(value) else f"{value:{fmt}} ({se:{fmt}})"

    rows = {}
    for metal, r in table.iterrows():
        rows[metal.replace("_", " ")] = {
            "sample": f"{r.first_month:%Y-%m}–{r.last_month:%Y-%m}",
            "months": r.months,
            "last price (USD/t)": f"{r.last_price:,.0f}",
            "GBM drift mu (/yr)": pair(r.gbm_mu, r.gbm_mu_se, ".3f"),
            "GBM volatility (/yr)": pair(r.gbm_sigma, r.gbm_sigma_se, ".3f"),
            "MR speed kappa (/yr)": pair(r.ou_kappa, r.ou_kappa_se, ".3f"),
            "MR half-life (yr)": pair(r.ou_half_life, r.ou_half_life_se, ".1f"),
            "MR long-run price (USD/t)": pair(r.ou_long_run_price, r.ou_long_run_price_se, ",.0f"),
            "MR volatility (/yr)": pair(r.ou_sigma, r.ou_sigma_se, ".3f"),
        }
    return pd.DataFrame(rows).T.rename_axis("metal").reset_index()


# ---------------------------------------------------------------- the model used for simulation


@dataclass(frozen=True)
class PriceModel:
    """A calibrated price model, ready to simulate. Prices in USD per tonne of the metal (or product, once scaled)."""

    kind: str  # one of MODELS
    metal: str
    price0: float  # last observed price: the start of every path
    sigma: float  # volatility per year
    mu: float = 0.0  # GBM: growth rate of the expected price per year
    kappa: float = 0.0  # mean reversion: speed per year
    theta: float = 0.0  # mean reversion: long-run mean of the log price
    last_month: pd.Timestamp | None = None

    def scaled(self, factor: float) -> PriceModel:
        """The same dynamics for factor x price (a unit conversion or a product that sells at a fixed ratio)."""
        return replace(self, price0=self.price0 * factor, theta=self.theta + np.log(factor))

    def expected_price(self, years) -> np.ndarray:
        """E[P_t] for t in years after the last observation."""
        t = np.asarray(years, dtype=float)
        if self.kind == "gbm":
            return self.price0 * np.exp(self.mu * t)
        mean = self.theta + (np.log(self.price0) - self.theta) * np.exp(-self.kappa * t)
        return np.exp(mean + self.log_variance(t) / 2)

    def log_variance(self, years) -> np.ndarray:
        """Var[ln P_t] for t in years after the last observation: with `expected_price`, the two parameters of the
        lognormal price at any date under either model (what the closed-form strip of chapter 04 needs)."""
        t = np.asarray(years, dtype=float)
        if self.kind == "gbm":
            return self.sigma**2 * t
        return self.sigma**2 / (2 * self.kappa) * (1 - np.exp(-2 * self.kappa * t))

    def long_run_price(self) -> float:
        """Mean of the stationary price distribution (mean reversion); undefined for GBM."""
        if self.kind != "mean_reverting":
            raise InputError(
                "a GBM has no long-run price",
                field="price_model",
                value=self.kind,
                fix="use the average forward price as the reference for GBM",
            )
        return float(np.exp(self.theta + self.sigma**2 / (4 * self.kappa)))


def validate_model(model: PriceModel) -> PriceModel:
    if model.kind not in MODELS:
        raise InputError("unknown price model", field="price_model", value=model.kind, fix=f"choose one of {MODELS}")
    if not np.isfinite(model.price0) or model.price0 <= 0:
        raise InputError(
            "starting price must be positive", field="price0", value=model.price0, fix="give a price above 0 (USD/t)"
        )
    if not np.isfinite(model.sigma) or model.sigma < 0:
        raise InputError(
            "volatility must be zero or positive",
            field="sigma",
            value=model.sigma,
            fix="give a volatility per year of 0 or more (e.g. 0.3)",
        )
    if model.kind == "mean_reverting" and not (np.isfinite(model.kappa) and model.kappa > 0):
        raise InputError(
            f"{model.metal} prices show no mean reversion in this sample (kappa <= 0)",
            field="kappa",
            value=model.kappa,
            fix="use price_model 'gbm' or another calibration start year",
        )
    return model


def model_from_calibration(table: pd.DataFrame, metal: str, kind: str, drift_from_data: bool = False) -> PriceModel:
    """The simulation model for one calibrated metal. GBM drift is zero unless `drift_from_data`."""
    if metal not in table.index:
        raise InputError("metal not calibrated", field="metal", value=metal, fix=f"choose one of {list(table.index)}")
    row = table.loc[metal]
    if kind == "gbm":
        model = PriceModel(
            "gbm",
            metal,
            row.last_price,
            row.gbm_sigma,
            mu=row.gbm_mu if drift_from_data else 0.0,
            last_month=row.last_month,
        )
    else:
        model = PriceModel(
            kind,
            metal,
            row.last_price,
            row.ou_sigma,
            kappa=row.ou_kappa,
            theta=np.log(row.ou_long_run_price) - row.ou_sigma**2 / (4 * row.ou_kappa),
            last_month=row.last_month,
        )
    return validate_model(model)


def proxy_model(table: pd.DataFrame, metal: str, kind: str, price: float, last_month: pd.Timestamp) -> PriceModel:
    """A model for a metal without a monthly series: the median volatility (and reversion speed) of the calibrated
    metals, starting at `price`; under mean reversion the long-run price is set equal to `price`."""
    usable = table[table["ou_kappa"] > 0]
    if kind == "gbm":
        model = PriceModel("gbm", metal, price, float(table["gbm_sigma"].median()), last_month=last_month)
    else:
        sigma, kappa = float(usable["ou_sigma"].median()), float(usable["ou_kappa"].median())
        model = PriceModel(
            kind, metal, price, sigma, kappa=kappa, theta=np.log(price) - sigma**2 / (4 * kappa), last_month=last_month
        )
    return validate_model(model)


# ---------------------------------------------------------------- simulation


def generator(seed: int) -> np.random.Generator:
    """The chapter's seeded random number generator: numpy's Generator on the SFC64 bit generator, the fastest of
    numpy's bit generators for the uniforms of `normal_draws` (the draws bound the simulation's speed)."""
    return np.random.Generator(np.random.SFC64(seed))


def simulate_prices(
    model: PriceModel, n_paths: int, n_months: int, rng: np.random.Generator, out: np.ndarray | None = None
) -> np.ndarray:
    """Monthly prices for months 1..n_months after the last observation, shape (n_months, n_paths), float32.

    Exact discretisation; antithetic halves: path i + n_paths/2 uses the draws of path i with the opposite sign, so
    n_paths must be even. `out` (C-contiguous float32 of the right shape) is filled in place.
    """
    if out is None:
        out = np.empty((n_months, n_paths), dtype=SIMULATION_DTYPE)
    next(price_blocks(model, n_paths, [n_months], rng, buffers={n_months: out}))
    return out


def normal_draws(
    rng: np.random.Generator, out: np.ndarray, sd: float, uniforms: np.ndarray | None = None
) -> np.ndarray:
    """Fill the float32 array `out` (rows, n) with normal draws of mean 0 and standard deviation `sd`; `uniforms`,
    if given, is the float32 work array (rows, 2 ceil(n/2)) that `price_blocks` reuses from block to block.

    Box-Muller transform of float32 uniforms: row r takes the next 2 ceil(n/2) uniforms of `rng`, radii then
    angles, and each (radius, angle) pair gives two independent normals, sd sqrt(-2 ln(1 - u)) (cos, sin)(2 pi v).
    A row's draws do not depend on how many rows are filled at once, so blocks of months reproduce the whole
    simulation. Vectorised logarithm, square root, cosine and sine make this over twice as fast as numpy's ziggurat
    (`standard_normal`, float32), whose draws bounded the simulation's speed. The uniforms' 24 bits cut the normal's
    tails at 5.8 standard deviations, a chance of 1e-8 per draw: far below Monte Carlo error.
    """
    rows, n = out.shape
    half = (n + 1) // 2
    if uniforms is None:
        uniforms = np.empty((rows, 2 * half), dtype=SIMULATION_DTYPE)
    rng.random(out=uniforms, dtype=SIMULATION_DTYPE)
    radius, angle = uniforms[:, :half], uniforms[:, half:]
    np.subtract(SIMULATION_DTYPE(1), radius, out=radius)  # in (0, 1]: a uniform can be 0, and ln 0 is -inf
    np.log(radius, out=radius)
    radius *= SIMULATION_DTYPE(-2 * sd**2)
    np.sqrt(radius, out=radius)
    angle *= SIMULATION_DTYPE(2 * np.pi)
    np.cos(angle, out=out[:, :half])
    out[:, :half] *= radius
    np.sin(angle, out=angle)
    np.multiply(angle[:, : n - half], radius[:, : n - half], out=out[:, half:])
    return out


def price_blocks(
    model: PriceModel, n_paths: int, block_months: list[int], rng: np.random.Generator, buffers: dict | None = None
):
    """Yield the simulated prices block after block of months, (months in block, n_paths) float32 each.

    The draws are taken in the same order whatever the blocking, so blocks of 12 months reproduce `simulate_prices`
    exactly; small blocks stay in the processor's cache and need no memory for whole paths. A yielded block is
    overwritten by the next block of the same length (`buffers`: length -> array, reused, with the draws' work
    arrays under ("walk", length) and ("uniforms", length)).

    Under both models ln P_t = m_t + y_t with m_t deterministic and y_t a linear recursion in the draws that starts
    at 0, so the antithetic path's y is exactly -y: the recursion runs on the first half of the paths only, and
    the prices are exp(m_t + y_t) and exp(m_t - y_t), computed as exp(level) exp(m_t - level +- y_t) so that the
    float32 exponent stays near zero and the price keeps a relative precision of about 1e-7.
    """
    validate_model(model)
    if n_paths < 2 or n_paths % 2:
        raise InputError(
            "number of paths must be even (antithetic pairs) and at least 2",
            field="n_paths",
            value=n_paths,
            fix="give an even number, e.g. 20000",
        )
    half = n_paths // 2
    if model.kind == "gbm":  # ln P_t = ln P0 + t (mu - sigma^2/2) + y_t, y a random walk
        persistence, level, start = 1.0, np.log(model.price0), 0.0
        step_sd = model.sigma * np.sqrt(MONTH)
        step_mean = (model.mu - model.sigma**2 / 2) * MONTH
    else:  # ln P_t = theta + b^t (ln P0 - theta) + y_t, y_{t+1} = b y_t + sd z exactly, b = exp(-kappa dt)
        persistence, level, start = np.exp(-model.kappa * MONTH), model.theta, np.log(model.price0) - model.theta
        step_sd = model.sigma * np.sqrt((1 - persistence**2) / (2 * model.kappa))
        step_mean = 0.0
    b, scale = SIMULATION_DTYPE(persistence), SIMULATION_DTYPE(np.exp(level))
    buffers = {} if buffers is None else buffers
    state = np.zeros(half, dtype=SIMULATION_DTYPE)  # y at the end of the previous block
    carry = np.empty(half, dtype=SIMULATION_DTYPE)
    first_month = 1
    for months in block_months:
        if months not in buffers:
            buffers[months] = np.empty((months, n_paths), dtype=SIMULATION_DTYPE)
        if ("walk", months) not in buffers:  # the draws' work arrays, kept for the caller's next chunk
            buffers["walk", months] = np.empty((months, half), dtype=SIMULATION_DTYPE)
            buffers["uniforms", months] = np.empty((months, 2 * ((half + 1) // 2)), dtype=SIMULATION_DTYPE)
        block, walk = buffers[months], buffers["walk", months]
        normal_draws(rng, walk, step_sd, buffers["uniforms", months])
        previous = state
        for month in range(months):
            if persistence == 1.0:
                walk[month] += previous
            else:
                np.multiply(previous, b, out=carry)
                walk[month] += carry
            previous = walk[month]
        state[:] = previous
        t = np.arange(first_month, first_month + months, dtype=float)
        mean = (persistence**t * start + t * step_mean).astype(SIMULATION_DTYPE)[:, None]  # m_t - level
        np.add(mean, walk, out=block[:, :half])
        np.subtract(mean, walk, out=block[:, half:])
        np.exp(block, out=block)
        block *= scale
        first_month += months
        yield block


def fan_chart_data(
    model: PriceModel,
    history: pd.Series | None,
    years: int,
    n_paths: int,
    seed: int,
    quantiles=(0.05, 0.25, 0.5, 0.75, 0.95),
) -> pd.DataFrame:
    """History (if any) and simulated quantiles by month, long format: date, series ('history', 'P5'...), price."""
    months = years * 12
    paths = simulate_prices(model, n_paths, months, generator(seed))
    levels = np.quantile(paths, quantiles, axis=1)
    dates = pd.date_range(model.last_month + pd.offsets.MonthBegin(1), periods=months, freq="MS")
    frames = (
        []
        if history is None
        else [pd.DataFrame({"date": history.index, "series": "history", "price": history.to_numpy()})]
    )
    for q, level in zip(quantiles, levels):
        frames.append(pd.DataFrame({"date": dates, "series": f"P{round(q * 100)}", "price": level}))
    frames.append(
        pd.DataFrame(
            {"date": dates, "series": "mean (model)", "price": model.expected_price(np.arange(1, months + 1) * MONTH)}
        )
    )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- cross-check with USGS product prices


def usgs_price_ratio(
    prices_monthly: pd.DataFrame, salient: pd.DataFrame, metal: str, detail: str, conversion: float
) -> pd.DataFrame:
    """Per year: the USGS annual product price over the panel's annual mean price x conversion (latest edition).

    For lithium (conversion 1/5.323) this is the price of battery-grade carbonate relative to the lithium-metal price
    per tonne of contained lithium: the share of the metal-equivalent price a carbonate producer realises.
    """
    usgs = salient[(salient["commodity"] == metal) & (salient["measure"] == "price") & (salient["detail"] == detail)]
    usgs = usgs.sort_values("edition").groupby("year")["value"].last()
    panel = prices_monthly[prices_monthly["commodity"] == metal]
    annual = panel.groupby(panel["date"].dt.year)["price_usd_per_t"].mean() * conversion
    joined = pd.concat({"usgs_price": usgs, "panel_price_converted": annual}, axis=1, join="inner")
    return joined.assign(ratio=joined["usgs_price"] / joined["panel_price_converted"]).rename_axis("year").reset_index()
