"""JAX set-up shared by the package: float64 on.

Long closed-loop forecasts and the ridge solve need double precision, and cross-checks
against reservoirpy are made to 1e-8, so the package turns on JAX's 64-bit mode on import.
"""

import jax

jax.config.update("jax_enable_x64", True)
