"""Unit nonlinearities by name."""

import jax
import jax.numpy as jnp

from . import _jax  # noqa: F401  (float64 on)

ACTIVATIONS = {
    "tanh": jnp.tanh,
    "identity": lambda x: x,
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
}


def get_activation(activation):
    """Return the elementwise function for a name in ``ACTIVATIONS`` or a callable.

    Examples
    --------
    >>> float(get_activation("relu")(-1.0))
    0.0
    """
    if callable(activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or a callable, got {activation!r}") from None


def check_activation(value, name="activation"):
    """Raise a ``ValueError`` naming ``name`` unless ``value`` is a known activation or a
    callable (a constraint for :func:`reservoir.validation.validate_parameters`)."""
    try:
        get_activation(value)
    except ValueError as err:
        raise ValueError(str(err).replace("activation", name, 1)) from None
