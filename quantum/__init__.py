"""Quantum reservoirs (QRNN / QLSTM / QGRU circuits, onion quantum reservoir) in qiskit.

Empty for now: the circuits plug into the shared API of :mod:`reservoir`.
"""
