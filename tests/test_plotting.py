"""plot_forecast: computes the error and both valid prediction times itself, returns a Figure."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from reservoir.metrics import valid_prediction_time
from reservoir.plotting import plot_forecast


def _pair(n=200):
    t = np.linspace(0, 20, n)
    y_true = np.column_stack([np.sin(t), np.cos(t), np.sin(2 * t)])
    # Error growing exponentially: valid for a while, then not.
    y_pred = y_true + 1e-3 * np.exp(0.05 * np.arange(n))[:, None]
    return y_true, y_pred


def _vlines(ax):
    """x positions of the vertical lines of an axes (axvline: constant x data)."""
    return sorted({float(line.get_xdata()[0]) for line in ax.lines
                   if len(set(np.asarray(line.get_xdata(), dtype=float))) == 1})


def test_returns_figure_with_both_vpts_marked():
    y_true, y_pred = _pair()
    fig = plot_forecast(y_true, y_pred)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3 + 2  # three coordinates, the normalised error, the cumulative sMAPE
    steps_error = valid_prediction_time(y_true, y_pred, "error", threshold=0.4)
    steps_smape = valid_prediction_time(y_true, y_pred, "smape", threshold=30, cumulative=True)
    assert 0 < steps_error < len(y_true) and steps_error != steps_smape
    for ax in fig.axes:
        assert _vlines(ax) == sorted({float(steps_error), float(steps_smape)})
    assert fig.axes[-1].get_xlabel() == "forecast step"
    legend = " ".join(t.get_text() for t in fig.axes[-1].get_legend().get_texts())
    assert f"VPT (error < 0.4) = {steps_error} steps" in legend and "cum. sMAPE < 30" in legend


def test_time_axis_in_lyapunov_times():
    y_true, y_pred = _pair()
    dt, lam = 0.01, 0.9
    fig = plot_forecast(y_true, y_pred, dt=dt, lyapunov_exponent=lam, threshold=0.2)
    error_ax = fig.axes[3]
    curve = error_ax.lines[0]
    np.testing.assert_allclose(curve.get_xdata(), np.arange(1, len(y_true) + 1) * dt * lam)
    steps = valid_prediction_time(y_true, y_pred, "error", threshold=0.2)
    assert any(np.isclose(x, steps * dt * lam) for x in _vlines(error_ax))
    assert "Lyapunov" in fig.axes[-1].get_xlabel()
    # The error curve is the normalised error, computed by the function itself.
    scale = np.sqrt(np.mean(np.sum((y_true - y_true.mean(0)) ** 2, axis=1)))
    np.testing.assert_allclose(curve.get_ydata(), np.linalg.norm(y_pred - y_true, axis=1) / scale)


def test_into_given_axes_and_univariate():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y_true, y_pred = _pair()
    assert plot_forecast(y_true[:, 0], y_pred[:, 0], dt=0.1, ax=ax) is fig
    assert len(fig.axes) == 1 and ax.get_ylabel() == "normalised error"


def test_blown_up_forecast_is_plotted_and_invalid_from_there():
    y_true, y_pred = _pair()
    y_pred[50:] = np.inf
    fig = plot_forecast(y_true, y_pred)
    assert max(_vlines(fig.axes[3])) <= 50
    cumulative = fig.axes[4].lines[0].get_ydata()
    assert np.all(np.isfinite(cumulative)) and cumulative[-1] > cumulative[49]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lyapunov_exponent": 0.9}, "lyapunov_exponent needs dt"),
        ({"dt": -1.0}, "dt must be a positive finite number"),
        ({"dt": 0.1, "lyapunov_exponent": float("nan")}, "lyapunov_exponent must be"),
    ],
)
def test_bad_time_scales(kwargs, message):
    y_true, y_pred = _pair()
    with pytest.raises(ValueError, match=message):
        plot_forecast(y_true, y_pred, **kwargs)


def test_shape_mismatch():
    y_true, y_pred = _pair()
    with pytest.raises(ValueError, match="same shape"):
        plot_forecast(y_true, y_pred[:, :2])
