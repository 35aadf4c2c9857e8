"""State augmentation: what the readout sees beyond the reservoir features.

The augmented vector is ``[1 (bias), u_t (input concatenation), r_t, r_t**2 (squared)]``.
Squared states break the odd symmetry of tanh reservoirs, which a linear readout otherwise
cannot undo; Pathak et al. (2018) and most chaos-forecasting ESNs use them.
"""

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)


def augment(features, inputs, bias=True, input_concat=False, squared=False):
    """Concatenate the requested parts along the last axis (numpy or jax arrays).

    Examples
    --------
    >>> augment(np.array([[2.0]]), np.array([[5.0]]), bias=True, input_concat=True, squared=True).tolist()
    [[1.0, 5.0, 2.0, 4.0]]
    """
    xp = jnp if isinstance(features, jax.Array) or isinstance(inputs, jax.Array) else np
    parts = []
    if bias:
        parts.append(xp.ones(features.shape[:-1] + (1,), dtype=features.dtype))
    if input_concat:
        parts.append(inputs)
    parts.append(features)
    if squared:
        parts.append(features * features)
    return xp.concatenate(parts, axis=-1) if len(parts) > 1 else features


def n_augmented(n_features, n_inputs, bias=True, input_concat=False, squared=False):
    """Length of the augmented vector."""
    return int(bias) + (n_inputs if input_concat else 0) + n_features * (2 if squared else 1)


def augment_into(out, inputs, write_features, bias=True, input_concat=False, squared=False):
    """Fill ``out`` (T, n_augmented) with the augmented rows, the same numbers as
    ``augment``, without a features array and a concatenated copy: ``write_features(view)``
    writes the (T, N) features into their columns of ``out`` itself. Returns what
    ``write_features`` returns.

    Examples
    --------
    >>> out = np.empty((1, 4))
    >>> augment_into(out, np.array([[5.0]]), lambda view: view.fill(2.0), True, True, True)
    >>> out.tolist()
    [[1.0, 5.0, 2.0, 4.0]]
    """
    column = 0
    if bias:
        out[:, 0] = 1.0
        column = 1
    if input_concat:
        out[:, column:column + inputs.shape[1]] = inputs
        column += inputs.shape[1]
    n_features = (out.shape[1] - column) // (2 if squared else 1)
    features = out[:, column:column + n_features]
    result = write_features(features)
    if squared:
        np.multiply(features, features, out=out[:, column + n_features:])
    return result
