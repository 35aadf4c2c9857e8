"""Nonlinear vector autoregression: next-generation reservoir computing (NG-RC).

Gauthier, Bollt, Griffith & Barbosa, "Next generation reservoir computing", Nat. Commun.
12, 5564 (2021). The "reservoir" is a fixed feature map of the recent past: ``delay``
copies of the input spaced by ``skip`` steps, and (for ``order=2``) their unique
quadratic monomials. A ridge readout learns the one-step map, which is iterated for
closed-loop forecasts.
"""


from numbers import Real

from sklearn.utils.validation import check_is_fitted

from .forecaster import TARGETS, ReservoirForecaster
from .nvar_features import NVARFeatures
from .readouts import Ridge
from .validation import Interval, Options, check_memory, check_sequences, validate_parameters

__all__ = ["NVARForecaster", "NVARFeatures"]


class NVARForecaster(ReservoirForecaster):
    """NVAR / NG-RC forecaster: polynomial features of delayed inputs and a ridge readout.

    A :class:`~reservoir.ReservoirForecaster` whose reservoir is :class:`NVARFeatures` and
    whose readout is ``Ridge(alpha)``, without the state augmentation. The feature vector at
    time t is ``[1, x_t, x_{t-s}, ..., x_{t-(k-1)s}]`` (the linear
    part, ``k * d`` values) followed, when ``order=2``, by every product ``u_i * u_j``
    (``i <= j``) of the linear values ``u``. The constant is the readout's unpenalised
    intercept. The readout predicts ``x_{t+1} - x_t`` (Gauthier et al.) or ``x_{t+1}``.

    * ``order=2, delay=2, skip=1``: the quadratic NG-RC of Gauthier et al. 2021 (Lorenz:
      ``alpha=2.5e-6``, dt = 0.025, 400 training points).
    * ``order=1, delay=tau``: the linear NVAR of the Gilpin 2023 benchmark (reservoirpy's
      ``NVAR(delay=tau, order=1, strides=1)``), tau in {2, 5, 15, 30, 60, 120}, which is a
      long-lag linear autoregression.

    Parameters
    ----------
    delay : int, default=2
        Number of delayed copies k, including the current input (reservoirpy's ``delay``).
    skip : int, default=1
        Spacing s between copies, in steps (reservoirpy's ``strides``).
    order : {1, 2}, default=2
        Polynomial order of the features.
    alpha : float, default=2.5e-6
        Ridge penalty of the readout.
    target : {"increment", "next"}, default="increment"
        What the readout predicts: the step ``x_{t+1} - x_t`` or the next value ``x_{t+1}``.
    standardize : bool, default=True
        z-score each coordinate with the fit-window statistics before building features;
        forecasts are mapped back. Gauthier et al. used raw coordinates.
    divergence_factor : float, default=10.0
        A forecast is flagged as diverged once a (standardised) coordinate exceeds this
        many times the largest absolute standardised training value.

    Attributes
    ----------
    readout_ : Ridge
        The fitted readout on the features (without the constant column).
    input_mean_, input_scale_ : ndarray of shape (d,)
        Standardisation statistics (zeros and ones when ``standardize=False``).
    n_features_in_ : int
    n_nvar_features_ : int
        Length of the feature vector, the constant included.
    quad_index_ : tuple of two ndarrays or None
        Index pairs (i, j), i <= j, of the quadratic monomials (None when ``order=1``).
    history_ : ndarray of shape ((delay - 1) * skip + 1, d)
        The last (scaled) points of the fitted series: the memory the forecast starts from.
    train_bound_ : float
    reservoir_ : NVARFeatures
        The feature map that ran.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(600) * 0.05
    >>> X = np.column_stack([np.sin(t), np.cos(t)])
    >>> model = NVARForecaster(delay=2, order=2).fit(X[:500])
    >>> model.n_nvar_features_  # 1 + 4 linear + 10 quadratic
    15
    >>> bool(np.abs(model.forecast(100) - X[500:]).max() < 1e-3)
    True
    """

    def __init__(self, delay=2, skip=1, order=2, alpha=2.5e-6, target="increment", standardize=True,
                 divergence_factor=10.0):
        self.delay = delay
        self.skip = skip
        self.order = order
        self.alpha = alpha
        self.target = target
        self.standardize = standardize
        self.divergence_factor = divergence_factor

    _parameter_constraints = {
        **NVARFeatures._parameter_constraints,
        "alpha": Interval(Real, 0, None),
        "target": Options(*TARGETS),
    }

    # The forecaster's other settings, fixed to NG-RC's: the features are the whole model.
    bias = input_concat = squared = False
    validation_fraction = 0.2
    training_noise = 0.0
    jacobian_penalty = 0.0
    stability_steps = 0
    free_run_steps = 0
    alphas = None
    input_delays = ()
    random_state = None

    @property
    def reservoir(self):
        return NVARFeatures(delay=self.delay, skip=self.skip, order=self.order)

    @property
    def readout(self):
        return Ridge(alpha=self.alpha)

    @property
    def washout(self):
        # The steps before the memory has filled (their older copies are zeros).
        return self._span - 1

    @property
    def _span(self):
        return self.reservoir.span

    def fit(self, X, y=None):
        """Fit the readout by teacher forcing on one series (T, d) or a list of series.

        Each series needs more than ``(delay - 1) * skip + 1`` points; the forecast
        continues from the end of the last one.
        """
        validate_parameters(self)
        sequences, _ = check_sequences(X, "X")
        for i, seq in enumerate(sequences):
            if len(seq) <= self._span:
                raise ValueError(
                    f"series {i} of X has {len(seq)} steps; NVAR with delay={self.delay}, skip={self.skip} "
                    f"needs more than (delay - 1) * skip + 1 = {self._span}"
                )
        # The ridge statistics (F, F) and a chunk of features are allocated at once: a large
        # delay must fail here, not after minutes (or with a MemoryError).
        linear = self.delay * sequences[0].shape[1]
        width = 1 + linear + (linear * (linear + 1) // 2 if self.order == 2 else 0)
        check_memory(8 * width * (2048 + 3 * width), "delay",
                     f"delay={self.delay} ({width} features for {sequences[0].shape[1]} inputs)")
        super().fit(sequences)
        self.n_nvar_features_ = 1 + self.reservoir_.n_features(self.reservoir_params_)
        params = self.reservoir_params_
        self.quad_index_ = (params["quad_rows"], params["quad_cols"]) if self.order == 2 else None
        self.history_ = self._scale(sequences[-1][-self._span:])
        return self

    def predict(self, X):
        """Teacher-forced one-step predictions.

        Parameters
        ----------
        X : array of shape (T, d)

        Returns
        -------
        ndarray of shape (T - (delay - 1) * skip, d)
            Row j predicts ``X[(delay - 1) * skip + j + 1]`` (the last row predicts the
            point after ``X``).
        """
        series = self._one_series(X, "X")
        return super().predict(series)[self._span - 1:]

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Generate ``n_steps`` points in closed loop, as :meth:`ReservoirForecaster.forecast`;
        a ``context`` needs at least ``(delay - 1) * skip + 1`` points (the model's memory),
        and only those last points matter."""
        if context is not None:
            context = self._one_series(context, "context")
            if len(context) < self._span:
                raise ValueError(f"context has {len(context)} steps; it needs at least "
                                 f"(delay - 1) * skip + 1 = {self._span}")
        return super().forecast(n_steps, context=context, on_divergence=on_divergence)

    def _one_series(self, X, name):
        check_is_fitted(self, "readout_")
        sequences, _ = self._check_inputs(X, name)
        if len(sequences) != 1:
            raise ValueError(f"{name} must be one series of shape (T, d); got {len(sequences)} series")
        return sequences[0]
