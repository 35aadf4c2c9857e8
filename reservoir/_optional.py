"""Optional dependencies: which extra brings which module, and a clear error when it is missing.

The core install (``pip install reservoir``) fits and forecasts every classical reservoir;
``[quantum]`` brings qiskit and qiskit-aer, ``[bench]`` Optuna and Dask, ``[notebooks]``
Jupyter, and ``[all]`` everything.
"""

from __future__ import annotations

import importlib

__all__ = ["EXTRAS", "require"]

#: Importable module -> the extra that installs it.
EXTRAS = {
    "qiskit": "quantum",
    "qiskit_aer": "quantum",
    "optuna": "bench",
    "dask": "bench",
    "distributed": "bench",
    "nbclient": "notebooks",
    "nbformat": "notebooks",
    "ipykernel": "notebooks",
}


def require(module, extra=None, purpose=None):
    """Import ``module``, or raise an ``ImportError`` that names the extra to install.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"optuna"`` or ``"dask.distributed"``.
    extra : str, optional
        The extra that provides it; default looked up in :data:`EXTRAS` by the top-level name.
    purpose : str, optional
        What needs it, for the message (``"reservoir tune"``).

    Returns
    -------
    module

    Examples
    --------
    >>> require("math").sqrt(4.0)
    2.0
    >>> require("optuna", purpose="reservoir tune")  # doctest: +SKIP
    ImportError: reservoir tune needs optuna, which the core install leaves out: pip install 'reservoir[bench]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        extra = extra or EXTRAS.get(top, "all")
        who = purpose or "this feature"
        raise ImportError(f"{who} needs {top}, which the core install leaves out: "
                          f"pip install 'reservoir[{extra}]' (or 'reservoir[all]')", name=top) from err
