"""Named benchmark protocols: which data, which split, which metrics, how models are chosen.

A protocol fixes everything except the model: the sampling grid, the fit and forecast
lengths, the initial conditions of the validation and test trajectories, the metric that
selects hyperparameters on the validation trajectory, and the metrics reported on the test
trajectory. Results of different models under one protocol are therefore comparable.

Data: ``gilpin2023_univariate`` runs on the published record itself
(:mod:`reservoir.published`): the exact train and test files of the 2023 benchmark, the
first coordinate of 131 systems, scored over the same 199 points as the published models.
The other protocols run on trajectories this package integrates (``reservoir.chaos``, dysts
0.95, DOP853 at 1e-10), not the published files: their numbers are comparable with each
other, and with published numbers only loosely.

Initial conditions (own data): benchmark seed ``s`` uses
``reservoir.chaos.trajectory(..., seed=2 s + 1)`` for validation and ``seed=2 s + 2`` for the
test, two independent on-attractor points. On the published data the trajectories are fixed
(the train file validates, the test file scores). The model's own random seed (reservoir
weights) is ``s`` in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PROTOCOLS", "Protocol", "get_protocol"]


@dataclass(frozen=True)
class Protocol:
    """One benchmark protocol.

    Attributes
    ----------
    name : str
        Registry name.
    description : str
        One line for reports and ``--help``.
    pts_per_period : float
        Samples per dominant Fourier period.
    n_fit : int
        Points the model is fitted on (the fit window ends where the forecast starts).
    n_forecast : int
        Closed-loop forecast length scored against the truth.
    fit_lengths : tuple of int
        Fit lengths to sweep (the last ``L`` points of the fit window); ``(n_fit,)`` for one.
    selection_metric : str
        Metric of the validation forecast that chooses hyperparameters.
    selection_mode : {"min", "max"}
        Whether a smaller or larger ``selection_metric`` is better.
    attractor_metrics : bool
        Also report the attractor metrics (KL divergence, power-spectrum Hellinger
        distance, correlation-dimension error), meaningful for long forecasts only.
    stable_first : bool
        Rank every candidate whose validation forecast left the attractor (``left_attractor``
        of :func:`~reservoir.bench.score_forecast`) below every one that stayed on it, whatever
        its selection metric: a long forecast must first stay on the attractor.
    data : {"own", "published"}
        ``"own"``: trajectories integrated by this package (all coordinates, all 135
        systems); ``"published"``: the published univariate files (:mod:`reservoir.published`).
    n_scored : int or None
        Forecast points scored (default all ``n_forecast``; the published run scored 199).

    Examples
    --------
    >>> p = get_protocol("gilpin2023")
    >>> p.n_fit, p.n_forecast, p.n_points
    (1000, 200, 1200)
    """

    name: str
    description: str
    pts_per_period: float = 100
    n_fit: int = 1000
    n_forecast: int = 200
    fit_lengths: tuple = field(default=(1000,))
    selection_metric: str = "smape"
    selection_mode: str = "min"
    attractor_metrics: bool = False
    stable_first: bool = False
    data: str = "own"
    n_scored: int | None = None

    @property
    def n_points(self) -> int:
        """Length of each validation and test trajectory."""
        return self.n_fit + self.n_forecast

    @property
    def n_evaluated(self) -> int:
        """Forecast points scored."""
        return self.n_forecast if self.n_scored is None else self.n_scored

    def systems(self) -> list:
        """Every system the protocol covers.

        Examples
        --------
        >>> len(get_protocol("gilpin2023_univariate").systems())
        131
        """
        if self.data == "published":
            from ..published import published_systems

            return published_systems()
        from ..chaos import list_systems

        return list_systems()

    def series(self, system, seed, split):
        """The ``split`` (``"validation"`` or ``"test"``) trajectory of ``system`` for
        benchmark seed ``seed``, shape (n_points, dimension)."""
        if self.data == "published":
            from ..published import published_series

            return published_series(system, "train" if split == "validation" else "test")[1][:self.n_points]
        from ..chaos import trajectory

        ic = self.validation_seed(seed) if split == "validation" else self.test_seed(seed)
        return trajectory(system, self.n_points, self.pts_per_period, seed=ic)[1]

    def validation_seed(self, seed: int) -> int:
        """Initial-condition seed of the validation trajectory of benchmark seed ``seed``."""
        return 2 * int(seed) + 1

    def test_seed(self, seed: int) -> int:
        """Initial-condition seed of the test trajectory of benchmark seed ``seed``."""
        return 2 * int(seed) + 2


#: Name -> protocol. ``gilpin2023_univariate`` is the published univariate run of Gilpin,
#: "Model scale versus domain knowledge in statistical forecasting of chaotic systems" (2023),
#: on its own files: hyperparameters chosen on the train file (fit ``[:1000]``, forecast
#: ``[1000:1200]``), refit on the test file's ``[:1000]``, forecast 200, sMAPE over the 199
#: published points. ``gilpin2023`` is the same protocol, multivariate, on our own
#: integrations: 12 periods at 100 points per period, fit 1000, forecast 200, sMAPE on raw
#: coordinates, models chosen on a trajectory from another initial condition with the same
#: split. ``long_horizon`` forecasts
#: 5000 points (50 periods) after the same fit, so valid prediction times in Lyapunov times
#: have room to grow and the attractor metrics can be computed. ``data_limited`` repeats the
#: 2023 protocol with the fit window shortened from 1000 to 101 points (as in the 2023 sweep).
PROTOCOLS = {
    p.name: p
    for p in (
        Protocol("gilpin2023_univariate", "Gilpin 2023 on the published univariate files: tuned on train, "
                 "scored on the 199 published test points", data="published", n_scored=199),
        Protocol("gilpin2023", "Gilpin 2023 multivariate, on our own dysts 0.95 integrations (not the "
                 "published files): fit 1000, forecast 200 at 100 points per period"),
        Protocol("long_horizon", "fit 1000, forecast 5000 (50 periods), with attractor metrics",
                 n_forecast=5000, selection_metric="vpt_error", selection_mode="max",
                 attractor_metrics=True, stable_first=True),
        Protocol("data_limited", "Gilpin 2023 with the fit window shortened: 1000, 776, 551, 326, 101 points",
                 fit_lengths=(1000, 776, 551, 326, 101)),
    )
}


def get_protocol(protocol) -> Protocol:
    """A :class:`Protocol` by name (or the protocol itself).

    Examples
    --------
    >>> get_protocol("long_horizon").n_forecast
    5000
    """
    if isinstance(protocol, Protocol):
        return protocol
    from ..names import resolve_name

    try:
        return PROTOCOLS[resolve_name(protocol, PROTOCOLS, "protocol")]
    except (ValueError, TypeError) as err:
        raise ValueError(f"protocol must be one of {sorted(PROTOCOLS)} or a Protocol, got {protocol!r} "
                         f"({err})") from None
