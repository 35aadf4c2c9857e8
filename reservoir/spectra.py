"""Random matrices whose eigenvalues fill a chosen disk or ring (annulus) of the complex plane.

These are the building blocks of the onion ESN (:class:`reservoir.onion.OnionESN`): each
sub-reservoir is drawn so that its spectrum covers one ring, and the rings nest.

Two routes are offered:

- ``"single_ring"`` (default): ``W = U diag(s) V^T`` with Haar-random orthogonal ``U``, ``V``.
  By the Single Ring theorem (Guionnet, Krishnapur and Zeitouni 2011) the eigenvalues of such
  a matrix fill, for large ``n``, the annulus with
  ``r_out = sqrt(mean(s**2))`` and ``r_in = 1 / sqrt(mean(s**-2))``. The matrix is
  non-normal and the ring has soft edges (a few eigenvalues stray past them), as in the
  figure of Tortorella and Micheli (2024). The inner disk (``r_in = 0``) uses the circular
  law instead: i.i.d. ``N(0, r_out**2 / n)`` entries fill the disk uniformly.
- ``"rotation"``: exact placement. 2x2 rotation blocks ``r R(phi)`` with radii uniform in
  area on ``[r_in, r_out]``, conjugated by a random orthogonal matrix. Every eigenvalue lies
  in the ring, but ``W`` is normal, so its transients differ from the single-ring draw.
"""

import numpy as np

from .base import make_rng
from .validation import check_positive_int, check_real

__all__ = ["haar_orthogonal", "ring_matrix", "single_ring_singular_values"]

_METHODS = ("single_ring", "rotation")


def haar_orthogonal(n, rng):
    """A Haar-distributed random orthogonal ``n x n`` matrix.

    The QR factor of a Gaussian matrix is Haar only after fixing the signs of ``R``'s
    diagonal (Mezzadri 2007); without that the distribution is biased.

    Examples
    --------
    >>> Q = haar_orthogonal(4, np.random.default_rng(0))
    >>> bool(np.allclose(Q @ Q.T, np.eye(4)))
    True
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def single_ring_singular_values(r_in, r_out):
    """Bounds ``(s1, s2)`` of uniform singular values whose single ring is ``[r_in, r_out]``.

    For ``s ~ U[s1, s2]``, ``mean(s**-2) = 1 / (s1 s2)`` and
    ``mean(s**2) = (s1**2 + s1 s2 + s2**2) / 3``. Setting these to ``r_in**-2`` and
    ``r_out**2`` gives ``s1 s2 = r_in**2`` and ``(s2 - s1)**2 = 3 (r_out**2 - r_in**2)``, so

    ``s1, s2 = (sqrt(3 r_out**2 + r_in**2) -/+ sqrt(3 (r_out**2 - r_in**2))) / 2``.

    Examples
    --------
    >>> s1, s2 = single_ring_singular_values(0.5, 1.0)
    >>> round(s1 * s2, 12), round((s1**2 + s1 * s2 + s2**2) / 3, 12)
    (0.25, 1.0)
    """
    total = np.sqrt(3.0 * r_out**2 + r_in**2)
    spread = np.sqrt(3.0 * (r_out**2 - r_in**2))
    return float((total - spread) / 2.0), float((total + spread) / 2.0)


def ring_matrix(n, r_in, r_out, random_state=None, method="single_ring"):
    """Draw an ``n x n`` real matrix whose eigenvalues fill the ring ``r_in <= |z| <= r_out``.

    Parameters
    ----------
    n : int
        Size of the matrix.
    r_in : float
        Inner radius (>= 0); 0 gives a disk.
    r_out : float
        Outer radius (> r_in).
    random_state : int, Generator or None
        Seed.
    method : {"single_ring", "rotation"}, default="single_ring"
        ``"single_ring"``: non-normal Haar construction (soft edges, exact in the limit of
        large ``n``); ``"rotation"``: normal matrix with every eigenvalue inside the ring.

    Returns
    -------
    ndarray of shape (n, n)

    Examples
    --------
    >>> W = ring_matrix(400, 0.5, 1.0, random_state=0)
    >>> moduli = np.abs(np.linalg.eigvals(W))
    >>> bool(np.mean((moduli > 0.45) & (moduli < 1.05)) > 0.95)
    True
    """
    n = check_positive_int(n, "n")
    r_in = check_real(r_in, "r_in", low=0)
    r_out = check_real(r_out, "r_out", low=0, low_inclusive=False)
    if r_out <= r_in:
        raise ValueError(f"r_out must be greater than r_in, got r_in={r_in}, r_out={r_out}")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    rng = make_rng(random_state)
    if method == "rotation":
        return _rotation_ring(n, r_in, r_out, rng)
    if r_in == 0:
        # Circular law: the uniform disk of radius r_out.
        return rng.standard_normal((n, n)) * (r_out / np.sqrt(n))
    s1, s2 = single_ring_singular_values(r_in, r_out)
    # Evenly spaced quantiles of U[s1, s2] rather than random draws: the ring edges depend
    # on the empirical moments of s, which then match the targets exactly at every n.
    s = s1 + (s2 - s1) * (np.arange(n) + 0.5) / n
    U, V = haar_orthogonal(n, rng), haar_orthogonal(n, rng)
    return (U * s) @ V.T


def _rotation_ring(n, r_in, r_out, rng):
    n_pairs = n // 2
    # Radii uniform in area (density proportional to r), so the ring is evenly filled.
    radii = np.sqrt(rng.uniform(r_in**2, r_out**2, n_pairs))
    angles = rng.uniform(0.0, np.pi, n_pairs)
    W = np.zeros((n, n))
    for k, (r, phi) in enumerate(zip(radii, angles)):
        c, s = r * np.cos(phi), r * np.sin(phi)
        W[2 * k:2 * k + 2, 2 * k:2 * k + 2] = [[c, -s], [s, c]]
    if n % 2:
        # One real eigenvalue left over: a random sign, a radius in the ring.
        W[-1, -1] = rng.choice([-1.0, 1.0]) * np.sqrt(rng.uniform(r_in**2, r_out**2))
    Q = haar_orthogonal(n, rng)
    return Q @ W @ Q.T
