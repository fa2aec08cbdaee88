"""Monte Carlo estimators of chapter 04: means from antithetic pairs, with the closed-form price strip as control
variate where one is given.

The paths come in antithetic pairs (path 2i and 2i+1 use opposite normal draws, see `prices.price_blocks`), so the
per-path values of a pair are dependent and the pairs independent: every mean and its standard error (SE) is computed
from the n/2 pair means, SE = sd(pair means)/sqrt(n/2).

Control variate. Under both price models the price of each month is lognormal with known parameters, so the expected
annual sums of the monthly price P, of the monthly put max(K - P, 0) and of the monthly call above the collar's cap
max(P - cK, 0) are known in closed form (Black-76, `cfd.strip_expectations`). Per path and year these sums are the
controls C, centred on their expectations; for a per-path quantity Y the estimator is

    mean(Y) - beta' mean(C - E[C]),  beta the least-squares slope of Y's pair means on the controls' pair means,

with SE = sd(regression residuals) / sqrt(n/2) (degrees of freedom n/2 - 1 - number of controls). It applies to
expected values only: an expected payoff linear in the strip (the government's cost of every instrument, the payment
in a year) is then the closed form itself and its SE is zero up to rounding; an expected value of a payoff that is
not linear in it (project NPV after tax, largest annual outlay) keeps an error, smaller as its correlation with the
controls is higher. Probabilities and quantiles do not use it: their SEs come from pair means (probabilities) and
from batch means (quantiles, `cfd.batch_se`).
"""

from __future__ import annotations

import numpy as np

MIN_PAIRS_PER_CONTROL = 10  # fewer pairs than this per control: the slope is too noisy, the plain mean is used


def pair_means(values: np.ndarray) -> np.ndarray:
    """Means of adjacent antithetic pairs (paths 2i, 2i+1) along the last axis."""
    values = np.asarray(values, dtype=float)
    return values.reshape(*values.shape[:-1], -1, 2).mean(axis=-1)


def usable_controls(controls: np.ndarray | None, n_pairs: int) -> np.ndarray | None:
    """The controls if there are enough pairs to estimate their slopes, else None."""
    if controls is None or n_pairs < MIN_PAIRS_PER_CONTROL * max(len(controls), 1):
        return None
    return controls


def residuals_and_estimate(pairs: np.ndarray, controls: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, int]:
    """For pair means `pairs` (m, n_pairs) of m quantities and centred control pair means (k, n_pairs) or None:
    the residuals (m, n_pairs), the estimates (m,) and the degrees of freedom of the residual variance."""
    n_pairs = pairs.shape[-1]
    centred = pairs - pairs.mean(axis=-1, keepdims=True)
    controls = usable_controls(controls, n_pairs)
    if controls is None:
        return centred, pairs.mean(axis=-1), n_pairs - 1
    design, offsets, inverse_gram = _regression(controls)
    # einsum, not BLAS: these products are small, and a threaded BLAS on a busy machine makes them 50 x slower
    slopes = inverse_gram @ np.einsum("kn,mn->km", design, centred)  # (k, m)
    residuals = centred - np.einsum("km,kn->mn", slopes, design)
    estimates = pairs.mean(axis=-1) - slopes.T @ offsets
    return residuals, estimates, n_pairs - 1 - len(controls)


_last_regression: list = []  # (controls, its regression): the controls of one run serve every quantity valued on it


def _regression(controls: np.ndarray) -> tuple:
    """Standardised centred controls (k, n_pairs), their standardised means (mean of C - E[C]) and the
    pseudo-inverse of their Gram matrix: the normal equations (k x k) are small, and the pseudo-inverse copes with
    collinear controls and with a control without variation (a put never in the money), whose slope is 0."""
    if _last_regression and _last_regression[0] is controls:
        return _last_regression[1]
    design = controls - controls.mean(axis=-1, keepdims=True)
    scale = np.sqrt((design**2).sum(axis=-1))
    scale[scale == 0] = 1.0
    design /= scale[:, None]
    regression = (
        design,
        controls.mean(axis=-1) / scale,
        np.linalg.pinv(design @ design.T, rcond=1e-13, hermitian=True),
    )
    _last_regression[:] = [controls, regression]
    return regression


def means(values: np.ndarray, controls: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and SEs of the means of per-path quantities `values` (m, n paths, pairs adjacent) or (n,), with the
    centred control pair means `controls` (k, n/2) if given."""
    values = np.asarray(values, dtype=float)
    pairs = np.atleast_2d(pair_means(values))
    residuals, estimates, dof = residuals_and_estimate(pairs, controls)
    ses = np.sqrt((residuals**2).sum(axis=-1) / max(dof, 1) / pairs.shape[-1])
    if values.ndim == 1:
        return estimates[0], ses[0]
    return estimates, ses


def ratio_of_means(numerator: np.ndarray, denominator: np.ndarray, controls: np.ndarray | None = None) -> tuple:
    """E[numerator] / E[denominator] from per-path values, and its SE by the delta method:
    sd(residual of numerator - ratio x residual of denominator) / (sqrt(n/2) |E[denominator]|)."""
    pairs = np.stack([pair_means(numerator), pair_means(denominator)])
    residuals, (top, bottom), dof = residuals_and_estimate(pairs, controls)
    ratio = top / bottom
    combined = residuals[0] - ratio * residuals[1]
    return ratio, float(np.sqrt((combined**2).sum() / max(dof, 1) / pairs.shape[-1]) / abs(bottom))
