"""The QRNN-RC paper's tasks: test MSE of QRNN-, QLSTM- and QGRU-RC beside a classical ESN.

Protocol (Chen et al., arXiv 2211.02612, as read from the authors' data scripts; see
``reference/methods.md`` section 5.3): each series is min-max scaled to [-1, 1]; windows of 4
consecutive values are the input sequences and the value after each window is its target;
the first 67 % of the windows train, the last 33 % test (time-ordered). Every window is run
from the zero state and the readout sees the features after its last value (``washout=3``).
The MSE is on the [-1, 1] scale.

Series:

- damped pendulum: θ'' = -0.15 θ' - 9.81 sin θ, θ(0) = 0, θ'(0) = 3, t = linspace(0, 20, 240);
  the series is θ' (solve_ivp, DOP853, rtol 1e-10);
- Bessel: J₂(x) on linspace(2, 100, 256);
- delayed quantum control: Σ_{n=0}^{10} exp(-10(x-2n)²)·exp(-x/16), x = arange(-2, 20, 0.01);
- NARMA-5 and NARMA-10 [reconstructed]: the output y of
  y_{t+1} = 0.3 y_t + 0.05 y_t Σ_{j<n} y_{t-j} + 1.5 u_{t-n+1} u_t + 0.1, driven by the
  product-of-sines input u_t = 0.1 (sin(2π·2.11 t/100) sin(2π·3.73 t/100) sin(2π·4.11 t/100) + 1)
  of the QRC literature, 400 steps after 100 discarded.

Differences from the paper: the readout is a ridge regression solved in closed form
(``Ridge(alpha=1e-6)``, with bias and the current input appended, the package's defaults)
instead of a linear layer trained by RMSprop for 100 epochs, so the numbers are the end
point of training, not curves.

Models: 4-qubit, 2-layer QRNN/QLSTM/QGRU reservoirs (angles U(0, 2π); QLSTM also with the
paper's 0.01·N(0, 1)), an ESN with about as many features as the QLSTM (11 units, dense), a
100-unit ESN, and two models without a reservoir: a linear autoregression on the 4 window
values, and a linear function of the last value only (what the readout gets from its
appended input alone). Mean ± std over ``--seeds`` reservoir seeds.

Run: ``python benchmarks/quantum_tasks.py [--seeds 10]``
"""

import argparse
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.special import jv
from sklearn.linear_model import Ridge as LinearRidge

from quantum import QRNNReservoir
from reservoir import ESN, ReservoirRegressor

WINDOW = 4
TRAIN_FRACTION = 0.67


def damped_pendulum():
    def rhs(t, y):
        return [y[1], -0.15 * y[1] - 9.81 * np.sin(y[0])]

    t = np.linspace(0, 20, 240)
    solution = solve_ivp(rhs, (0, 20), [0.0, 3.0], t_eval=t, method="DOP853", rtol=1e-10, atol=1e-12)
    return solution.y[1]


def bessel():
    return jv(2, np.linspace(2, 100, 256))


def delayed_quantum_control():
    x = np.arange(-2, 20, 0.01)
    return sum(np.exp(-10 * (x - 2 * n) ** 2) * np.exp(-x / 16) for n in range(11))


def narma(order, n_steps=400, discard=100):
    t = np.arange(n_steps + discard)
    u = 0.1 * (np.sin(2 * np.pi * 2.11 * t / 100) * np.sin(2 * np.pi * 3.73 * t / 100)
               * np.sin(2 * np.pi * 4.11 * t / 100) + 1)
    y = np.zeros(n_steps + discard)
    for k in range(order - 1, len(t) - 1):
        y[k + 1] = 0.3 * y[k] + 0.05 * y[k] * y[k - order + 1:k + 1].sum() + 1.5 * u[k - order + 1] * u[k] + 0.1
    return y[discard:]


TASKS = {
    "damped pendulum": damped_pendulum,
    "Bessel J2": bessel,
    "delayed quantum control": delayed_quantum_control,
    "NARMA-5": lambda: narma(5),
    "NARMA-10": lambda: narma(10),
}


def windows(series):
    """Min-max scale to [-1, 1]; windows (n, 4, 1), step targets (n, 4), split index."""
    scaled = 2 * (series - series.min()) / (series.max() - series.min()) - 1
    # As in the authors' scripts: range(len - window - 1) windows.
    starts = range(len(scaled) - WINDOW - 1)
    X = np.stack([scaled[i:i + WINDOW] for i in starts])[:, :, None]
    Y = np.stack([scaled[i + 1:i + WINDOW + 1] for i in starts])  # Y[:, -1] is the window's target
    return X, Y, int(TRAIN_FRACTION * len(X))


def reservoir_mse(reservoir, X, Y, split):
    model = ReservoirRegressor(reservoir, washout=WINDOW - 1).fit(X[:split], Y[:split])
    prediction = model.predict(X[split:])[:, -1]
    return float(np.mean((prediction - Y[split:, -1]) ** 2))


def linear_mse(X, Y, split, lags=WINDOW):
    """A linear model of the last ``lags`` window values (no reservoir)."""
    inputs = X[:, -lags:, 0]
    model = LinearRidge(alpha=1e-6).fit(inputs[:split], Y[:split, -1])
    return float(np.mean((model.predict(inputs[split:]) - Y[split:, -1]) ** 2))


MODELS = {
    "QRNN-RC": lambda seed: QRNNReservoir(cell="rnn", n_qubits=4, n_layers=2, random_state=seed),
    "QLSTM-RC": lambda seed: QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2, random_state=seed),
    "QGRU-RC": lambda seed: QRNNReservoir(cell="gru", n_qubits=4, n_layers=2, random_state=seed),
    "QLSTM-RC (paper init)": lambda seed: QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2,
                                                        angle_init="paper", random_state=seed),
    "ESN 11 units": lambda seed: ESN(n_units=11, in_degree=None, random_state=seed),
    "ESN 100 units": lambda seed: ESN(n_units=100, random_state=seed),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()

    n_features = {name: make(0).initialize(1) for name, make in MODELS.items()}
    n_features = {name: MODELS[name](0).n_features(p) for name, p in n_features.items()}
    names = list(MODELS) + ["linear AR(4)", "last value only"]
    print(f"test MSE on the [-1, 1] scale, mean ± std over {args.seeds} seeds "
          "(features = reservoir features, before bias and input are appended)")
    header = f"{'task':<24} {'windows':>8} " + " ".join(f"{name:>22}" for name in names)
    print(header)
    print(f"{'(features)':<24} {'':>8} " + " ".join(f"{n_features.get(name, 0):>22}" for name in names))
    start = time.perf_counter()
    for task, make_series in TASKS.items():
        X, Y, split = windows(make_series())
        cells = []
        for name, make in MODELS.items():
            scores = [reservoir_mse(make(seed), X, Y, split) for seed in range(args.seeds)]
            cells.append(f"{np.mean(scores):.2e} ± {np.std(scores):.1e}")
        cells.append(f"{linear_mse(X, Y, split):.2e}")
        cells.append(f"{linear_mse(X, Y, split, lags=1):.2e}")
        print(f"{task:<24} {f'{split}/{len(X) - split}':>8} " + " ".join(f"{c:>22}" for c in cells))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
