"""Property-based robustness (hypothesis): random shapes, dtypes, scales, NaN/inf placement and
hyperparameters for the public estimators, reservoirs, ``load`` and the hardware objects.

Every case must end in a result (finite, and not a constant where the data are not) or in a
``ValueError``/``TypeError`` whose message names the offending argument: never another
exception, a crash, or a silently wrong answer. Run with ``--hypothesis-show-statistics`` to
see the number of cases.
"""

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hardware import Crossbar, RampADC
from reservoir import (
    ESN,
    ContextParroting,
    MeanForecaster,
    NVARForecaster,
    OnionESN,
    PersistenceForecaster,
    ReservoirForecaster,
    ReservoirRegressor,
    load,
    save,
)

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: Names an error message may cite: the arguments and hyperparameters of the objects under test.
ARGUMENTS = ("X", "y", "context", "n_steps", "washout", "n_units", "spectral_radius", "leak_rate",
             "input_scaling", "in_degree", "bias_scaling", "random_state", "delay", "skip", "order",
             "alpha", "reservoir", "W", "x", "bits", "tile_rows", "tile_cols", "dac_bits", "adc_bits",
             "dac_range", "adc_range", "r_wire_ohm", "v_read_V", "t_inference_s", "x_range", "path",
             "context_length", "radii")


def assert_names_an_argument(err):
    event(f"{type(err).__name__}: {str(err)[:70]}")
    assert isinstance(err, (ValueError, TypeError)), repr(err)
    assert any(name in str(err) for name in ARGUMENTS), f"no argument named in: {err}"


def mostly(valid, invalid):
    """Draw from ``valid`` nine times in ten, else from ``invalid``: most cases then reach a
    result, and every bad value is still tried."""
    return st.integers(0, 9).flatmap(lambda i: st.sampled_from(invalid if i == 9 else valid))


@st.composite
def series(draw, min_len=1, max_len=60):
    """A (T, d) array: a smooth signal at a random scale and dtype, sometimes with NaN/inf."""
    n = draw(st.integers(min_len, max_len))
    d = draw(st.integers(1, 3))
    t = np.arange(n)[:, None] * 0.3 + np.arange(d)[None, :]
    X = np.sin(t) + 0.1 * np.cos(3.1 * t)
    X = X * 10.0 ** draw(st.sampled_from([-300, -200, -170, -8, 0, 3, 160, 200, 300])) + draw(
        st.sampled_from([0.0, 5.0]))
    dtype = draw(mostly(["float64", "float32"], ["int64"]))
    with np.errstate(over="ignore", invalid="ignore"):
        X = X.astype(dtype)
    bad = draw(mostly([None], [np.nan, np.inf, -np.inf]))
    if bad is not None and X.dtype.kind == "f":
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = bad
    return X


esns = st.builds(
    ESN,
    n_units=mostly([4, 12, 24], [0, -3, 2.5, 10**12]),
    spectral_radius=mostly([0.5, 0.9, 1.5], [-1.0, 0.0, float("nan"), "big"]),
    leak_rate=mostly([0.3, 1.0], [0.0, 1.5]),
    input_scaling=mostly([0.3, 1.0], [-1.0, "x", np.ones((2, 2))]),
    in_degree=mostly([None, 2, 4], [0, 30]),
    bias_scaling=mostly([0.0, 1.0], [-1.0, float("inf")]),
    random_state=mostly([None, 0, 3], [-1, "seed"]),
)


def _informative(X):
    """Whether the first column varies measurably (so a fitted map of it should too)."""
    col = np.asarray(X, dtype=float)[:, 0]
    return len(np.unique(col)) > 5 and np.isfinite(col).all()


@SETTINGS
@given(X=series(), reservoir=esns, washout=mostly([0, 3, 30], [-1, 1.5]))
def test_regressor_gives_a_result_or_names_the_argument(X, reservoir, washout):
    y = np.asarray(X, dtype=float)[:, 0] if X.dtype.kind == "f" else X[:, 0].astype(float)
    model = ReservoirRegressor(reservoir, washout=washout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pred = model.fit(X, y).predict(X)
    except Exception as err:  # noqa: BLE001 -- the property is about which exceptions
        assert_names_an_argument(err)
        return
    assert pred.shape == (len(X),) and np.isfinite(pred).all()
    if _informative(X) and len(X) - washout > 20:
        # Spread against the target's (np.std of 1e-301 values would underflow in the squares).
        assert np.ptp(pred) > 1e-3 * np.ptp(y), "constant predictions of a varying target"


@SETTINGS
@given(X=series(min_len=2), reservoir=esns, washout=mostly([0, 5, 40], [-2]),
       n_steps=mostly([1, 5], [0, -3, 10**13, 2.5]),
       context=mostly([None, "long"], ["short", "nan"]))
def test_forecaster_gives_a_result_or_names_the_argument(X, reservoir, washout, n_steps, context):
    model = ReservoirForecaster(reservoir, washout=washout)
    ctx = {None: None, "short": X[-1:], "long": X, "nan": np.full_like(X, np.nan, dtype=float)}[context]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = model.fit(X).forecast(n_steps, context=ctx, on_divergence="ignore")
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    assert out.shape == (n_steps, X.shape[1])
    assert not np.isnan(out[0]).any()  # the first step is a prediction, never missing


@SETTINGS
@given(X=series(min_len=2), which=st.sampled_from(["nvar", "mean", "persistence", "parroting"]),
       delay=mostly([1, 2, 3], [0, 500]), n_steps=mostly([1, 4], [10**13, 0]))
def test_nvar_and_baselines_give_a_result_or_name_the_argument(X, which, delay, n_steps):
    model = {"nvar": NVARForecaster(delay=delay), "mean": MeanForecaster(),
             "persistence": PersistenceForecaster(), "parroting": ContextParroting(context_length=max(delay, 1))}[which]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = model.fit(X).forecast(n_steps, on_divergence="ignore")
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    assert out.shape == (n_steps, X.shape[1]) and not np.isnan(out[0]).any()


@SETTINGS
@given(X=series(), n_units=mostly([3, 10], [0, -2]), radii=mostly([(0.5, 0.9)], [(), (0.9, 0.5)]),
       random_state=mostly([0, 1], [-5]))
def test_onion_reservoir_gives_states_or_names_the_argument(X, n_units, radii, random_state):
    try:
        states = OnionESN(n_units=n_units, radii=radii, random_state=random_state).fit_transform(X)
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    assert states.shape[0] == len(X) and np.isfinite(states).all()


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    t = np.arange(300) * 0.1
    model = ReservoirForecaster(ESN(n_units=15, random_state=0), washout=10).fit(np.column_stack([np.sin(t)]))
    save(model, path)
    return path


@SETTINGS
@given(data=st.data(), how=st.sampled_from(["flip", "flip_data", "truncate", "meta"]))
def test_load_of_a_damaged_file_gives_a_model_or_a_value_error(saved_model, tmp_path_factory, data, how):
    raw = bytearray(saved_model.read_bytes())
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif how == "flip_data":
        # Rewrite one stored array with damaged values (valid zip, CRC and header).
        with np.load(saved_model) as npz:
            arrays = {k: npz[k] for k in npz.files}
        key = data.draw(st.sampled_from(sorted(k for k in arrays if k != "__meta__")))
        value = arrays[key].copy()
        if value.size:
            flat = value.reshape(-1)
            flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(st.sampled_from([-1, 10**6, 0, 7]))
            if value.dtype.kind == "f":
                flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(st.sampled_from([np.nan, np.inf, 0.5]))
        arrays[key] = value
        path = tmp_path_factory.mktemp("data") / "m.npz"
        np.savez(path, **arrays)
        raw = path.read_bytes()
    elif how == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        with np.load(saved_model) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(str(arrays["__meta__"]))
        node = meta["tree"]["params"]["__dict__"]
        key = data.draw(st.sampled_from(sorted(node)))
        node[key] = data.draw(st.sampled_from([None, -5, "x", 1e300, [1, 2], {"__array__": "a0"},
                                               {"__float__": "nan"}, {"bogus": 1}]))
        arrays["__meta__"] = np.array(json.dumps(meta))
        path = tmp_path_factory.mktemp("meta") / "m.npz"
        np.savez(path, **arrays)
        raw = path.read_bytes()
    path = tmp_path_factory.mktemp("damaged") / "m.npz"
    path.write_bytes(bytes(raw))
    try:
        model = load(path)
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    # A file that loads is a usable model (damage confined to values that still validate).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = model.forecast(3, on_divergence="ignore")
        except Exception as err:  # noqa: BLE001 -- e.g. a hyperparameter that only fit checks
            assert_names_an_argument(err)
            return
    assert out.shape == (3, 1)


@SETTINGS
@given(shape=st.tuples(st.integers(0, 5), st.integers(0, 5)),
       kind=mostly(["real", "int"], ["complex", "nan", "object"]),
       setting=mostly([{}, {"r_wire_ohm": 1.0}, {"tile_rows": 2}],
                      [{"r_wire_ohm": "x"}, {"r_wire_ohm": -1.0}, {"tile_rows": 0}, {"dac_bits": 40},
                       {"adc_range": float("nan")}, {"v_read_V": None}]),
       x_kind=mostly(["ok"], ["nan", "inf", "wrong_shape", "complex"]))
def test_crossbar_gives_a_result_or_names_the_argument(shape, kind, setting, x_kind):
    rng = np.random.default_rng(0)
    W = rng.normal(size=shape)
    W = {"real": W, "complex": W * 1j, "nan": np.where(W > 1, np.nan, W), "int": W.astype(int),
         "object": W.astype(object)}[kind]
    try:
        xb = Crossbar(device="ideal", **setting).program(W)
        n_in = shape[1]
        x = {"ok": np.ones(n_in), "nan": np.full(n_in, np.nan), "inf": np.full(n_in, np.inf),
             "wrong_shape": np.ones(n_in + 1), "complex": np.ones(n_in) * 1j}[x_kind]
        y = xb @ x
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    assert y.shape == (shape[0],) and np.isfinite(y).all()


@SETTINGS
@given(bits=mostly([1, 4, 8], [0, 17, 2.0]), activation=mostly(["tanh", "sigmoid", "identity"], ["cube"]),
       x=st.lists(mostly([0.0, 0.3, -2.0, 1e300, float("inf")], [float("nan")]), min_size=1, max_size=6),
       x_range=mostly([(-1.0, 1.0), (-3.0, 2.0)], [None, (1.0, -1.0), "ab"]))
def test_ramp_adc_gives_levels_or_names_the_argument(bits, activation, x, x_range):
    try:
        adc = RampADC(bits=bits, activation=activation, x_range=x_range).program()
        out = adc(np.array(x))
    except Exception as err:  # noqa: BLE001
        assert_names_an_argument(err)
        return
    assert out.shape == (len(x),) and np.all(np.isin(out, adc.levels_))
