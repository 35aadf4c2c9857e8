"""Quantum reservoirs (QRNN / QLSTM / QGRU circuits, onion quantum reservoir) in qiskit.

The circuits are real qiskit ``QuantumCircuit`` objects (:mod:`quantum.circuits`); the
reservoirs fill the shared :class:`reservoir.base.Reservoir` contract, so they plug into
``ReservoirRegressor`` and ``ReservoirForecaster`` unchanged.

Examples
--------
>>> from quantum import QRNNReservoir
>>> from reservoir import ReservoirForecaster
>>> fc = ReservoirForecaster(QRNNReservoir(cell="lstm", n_qubits=4, random_state=0))  # doctest: +SKIP
"""

from reservoir._optional import require

# qiskit comes with the [quantum] extra: say so, instead of a bare ModuleNotFoundError.
require("qiskit", "quantum", "the quantum package (QRNN / onion quantum reservoirs)")

from .onion import OnionQRC  # noqa: E402
from .qrnn import QRNNReservoir  # noqa: E402
from .qrnn_regressor import QRNNRegressor  # noqa: E402

__all__ = ["OnionQRC", "QRNNRegressor", "QRNNReservoir"]
