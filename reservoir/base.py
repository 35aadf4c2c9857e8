"""The Reservoir role: a fixed (or self-organising) dynamical system driven by inputs.

Every reservoir family fills the same small contract, so the runner, the readouts and the
estimators are written once:

- ``initialize(n_inputs, random_state) -> params``: draw the weights (a dict of arrays);
- ``initial_state(params) -> state``: the state before any input;
- ``step(params, state, u) -> state``: one pure update, usable inside ``jax.lax.scan``;
- ``features(params, state) -> vector``: what the readout sees;
- ``adapt(params, inputs) -> params`` (optional): an unsupervised phase run before the readout;
- ``prepare(params) -> params`` (optional): loop-invariant work (a transpose, a factorisation)
  done once per compiled run, before the scan, instead of at every step;
- ``input_interval() -> (low, high) or None`` (optional): the interval the reservoir reads its
  inputs in (spike probabilities in [0, 1]); the estimators then map the training range of
  every input coordinate onto it instead of z-scoring;
- ``with_input_map(params, mean, scale) -> params`` (optional): told that the estimators feed
  ``(x - mean) / scale`` of the raw data ``x`` (a reservoir holding a model of the raw data,
  ``HybridESN``, needs it).

``step`` may only depend on ``params`` and on the hyperparameters named by
``static_config()``; everything numeric that a user may change between fits (leak rate,
scalings) lives in ``params``, so compiled code is shared across a grid search.

Optional capabilities are declared here too, each with a generic default, and a family that
has a faster way overrides them; :mod:`reservoir.runner` only asks these, never probes:

- ``python_loop`` (False) and ``run_sequence(params, inputs, state)``: a reservoir whose step
  jax cannot trace (a simulator called at every step) sets ``python_loop`` and runs its own
  loop; the runner then calls ``run_sequence`` instead of a compiled scan;
- ``batch_last`` (False): ``step`` also accepts a state with a trailing batch axis ``(N, B)``
  and inputs ``(d, B)``; batches then run as one such state instead of a vmap;
- ``run_native(params, inputs, state, out, lengths)`` (None): a compiled harvest that gives
  the scan's states faster, or None where it does not apply;
- ``run_members(params_list, inputs)`` (None): the features of several ensemble members at
  once, or None for the runner's vmap over members;
- ``initial_states(params, n)`` (``initial_state`` repeated): the initial states of ``n``
  sequences run together; a reservoir whose state carries a noise key gives each its own.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


def make_rng(random_state):
    """Turn ``random_state`` (None, int, Generator or RandomState) into a numpy Generator.

    Examples
    --------
    >>> bool(make_rng(0).integers(10) == make_rng(0).integers(10))
    True
    """
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int (a seed), got {random_state}")
        return np.random.default_rng(int(random_state))
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        # A legacy RandomState is advanced once so that successive calls differ, as in sklearn.
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        f"random_state must be None, an int, a numpy Generator or RandomState; got {random_state!r}"
    )


class Reservoir(TransformerMixin, BaseEstimator):
    """Base class of every reservoir.

    Subclasses implement ``initialize``, ``initial_state``, ``step`` and ``features``
    (and optionally ``adapt``, ``n_features`` and ``static_config``). As scikit-learn
    transformers, reservoirs also offer ``fit(U)`` (draw weights, run ``adapt``) and
    ``transform(U)`` (the feature sequence as a numpy array).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> states = ESN(n_units=50, random_state=0).fit_transform(np.ones((20, 2)))
    >>> states.shape
    (20, 50)
    """

    #: True for a reservoir that runs its own Python loop (``run_sequence``) instead of a
    #: compiled scan of ``step`` (which jax must be able to trace otherwise).
    python_loop = False

    #: True when ``step`` also takes states ``(N, B)`` with a trailing batch axis and inputs
    #: ``(d, B)`` (and ``features`` such states), so that batches run as one state.
    batch_last = False

    def initialize(self, n_inputs, random_state=None):
        """Draw the weights for ``n_inputs`` input dimensions; return a dict of arrays."""
        raise NotImplementedError

    def initial_state(self, params):
        """The state before any input has been seen."""
        raise NotImplementedError

    def step(self, params, state, u):
        """One pure state update with input vector ``u``."""
        raise NotImplementedError

    def features(self, params, state):
        """The vector the readout sees for ``state`` (by default the state itself)."""
        return state

    def n_features(self, params):
        """Length of ``features(params, state)``."""
        return int(np.shape(self.initial_state(params))[-1])

    def adapt(self, params, inputs):
        """Unsupervised adaptation on a list of input sequences (default: none)."""
        return params

    def input_interval(self):
        """The interval ``(low, high)`` the reservoir reads each input coordinate in, or None.

        None (the default) asks the estimators for z-scored inputs. A reservoir that reads
        its inputs as intensities (a spike encoder's probabilities in [0, 1]) returns that
        interval; with ``standardize=True`` the estimators then map each coordinate's
        training minimum and maximum onto it.
        """
        return None

    def with_input_map(self, params, mean, scale):
        """``params`` for inputs ``u = (x - mean) / scale`` of the raw data ``x``.

        The estimators call it after ``initialize`` and before ``adapt`` with their
        standardisation (``mean`` zeros and ``scale`` ones when they do not standardise).
        The default ignores it; a reservoir that embeds a model of the raw data records it.
        """
        return params

    def check_params(self, params, n_inputs=None):
        """Raise ``ValueError``/``TypeError`` unless ``params`` (e.g. read from a file) can be run.

        The default asks for a dict of numeric arrays without NaN; reservoirs whose step
        indexes with stored indices override it to check shapes and bounds as well (an index
        outside the state is not an error inside a compiled gather: it is clamped silently).
        """
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
        for key, value in params.items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biufc":
                raise TypeError(f"params[{key!r}] must be a numeric array, got dtype {arr.dtype}")
            if arr.dtype.kind in "fc" and np.isnan(arr).any():
                raise ValueError(f"params[{key!r}] contains NaN")

    def prepare(self, params):
        """Loop-invariant precomputation, run once inside each compiled run before the scan.

        ``step`` must give the same result with prepared and unprepared params; the default
        adds nothing.
        """
        return params

    def run_sequence(self, params, inputs, state=None):
        """``(features, final_state)`` for inputs (T, d) or (B, T, d), by the reservoir's own
        loop: required when ``python_loop`` is true (numpy params and inputs; ``state`` None
        is the initial state), unused otherwise."""
        raise NotImplementedError(f"{type(self).__name__} sets python_loop but does not implement run_sequence")

    def run_native(self, params, inputs, state=None, out=None, lengths=None):
        """A faster harvest than the compiled scan, with the same states, or None (the default:
        none). Arguments as :func:`reservoir.runner.run` (numpy params; ``lengths``: real steps
        of each sequence of a padded batch); returns ``(features, final_state)``."""
        return None

    def run_members(self, params_list, inputs):
        """Features ``(M, T, F)`` of ensemble members ``params_list`` driven by ``inputs``
        (T, d), by a faster way than a vmap over members, or None (the default: the runner's
        vmap)."""
        return None

    def initial_states(self, params, n):
        """The initial states of ``n`` sequences run together (a leading batch axis). The
        default repeats ``initial_state``; a reservoir that draws noise from a key in its state
        (``hardware.AnalogReservoir``) gives each sequence its own stream."""
        import jax
        import jax.numpy as jnp

        return jax.tree.map(lambda s: jnp.broadcast_to(s, (n,) + jnp.shape(s)), self.initial_state(params))

    def static_config(self):
        """Hyperparameters that ``step`` uses as compile-time constants (hashable).

        The default lists every hashable hyperparameter, which is always correct; a subclass
        that keeps its numeric hyperparameters in ``params`` narrows this to avoid
        recompiling for every value.
        """
        config = []
        for name, value in sorted(self.get_params(deep=False).items()):
            if name == "random_state":
                continue
            try:
                hash(value)
            except TypeError:
                value = repr(value)
            config.append((name, value))
        return tuple(config)

    # scikit-learn transformer interface -------------------------------------------------

    def fit(self, X, y=None):
        """Draw the weights for the input dimension of ``X`` and run ``adapt`` on it."""
        from .validation import check_sequences

        sequences, _ = check_sequences(X, "X")
        params = self.initialize(sequences[0].shape[1], self.random_state)
        self.params_ = self.adapt(params, sequences)
        self.n_features_in_ = sequences[0].shape[1]
        return self

    def transform(self, X):
        """Run the reservoir from its initial state; return the feature sequence(s).

        ``X`` is one sequence ``(T, d)``, a 3-D array ``(n, T, d)`` or a list of sequences;
        the result has the same layout with ``d`` replaced by the number of features.
        """
        from .runner import run
        from .validation import check_sequences, in_layout

        from sklearn.utils.validation import check_is_fitted

        # As scikit-learn transformers do: an unfitted reservoir raises (fit_transform fits).
        check_is_fitted(self, "params_")
        sequences, layout = check_sequences(X, "X")
        if sequences[0].shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {sequences[0].shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the input dimension it was fitted on)"
            )
        return in_layout([run(self, self.params_, seq)[0] for seq in sequences], layout)

    def fit_transform(self, X, y=None):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)
