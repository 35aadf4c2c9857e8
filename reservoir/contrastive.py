r"""Contrastive projection heads that align two modalities (CLIP-style, symmetric InfoNCE).

Each modality's frozen features ``x`` (e.g. a liquid's spike counts) are standardised and mapped
by one dense layer and a GELU to a ``dim``-dimensional embedding, ``z = GELU(W x + b)`` (the
authors' ``Contrastive_Simple`` one-layer head, Lin et al. 2025). For a batch of ``B`` pairs
``(a_i, b_i)`` of the same class the loss is the symmetric InfoNCE

.. math:: L = \frac{1}{2B}\sum_i \Big[-\log \frac{e^{s_{ii}/\tau}}{\sum_j e^{s_{ij}/\tau}}
          - \log \frac{e^{s_{ii}/\tau}}{\sum_j e^{s_{ji}/\tau}}\Big],\qquad s_{ij} = z^a_i\cdot z^b_j

(cosine similarities instead of dot products with ``normalize=True``). Heads are trained with
optax's Adam; pairs are redrawn every epoch (each ``a`` sample meets a random ``b`` sample of its
class), and the epoch kept is the one with the best score on a validation callback, never on the
test data.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _jax  # noqa: F401  (float64 on)
from .base import make_rng
from .readouts.block_sums import blas_controller
from .validation import check_positive_int, check_real

__all__ = ["ContrastiveHeads", "info_nce"]


def info_nce(za, zb, temperature=1.0, normalize=False):
    """Symmetric InfoNCE loss of a batch of paired embeddings (row ``i`` of each is a pair).

    Examples
    --------
    >>> import numpy as np
    >>> z = np.eye(2)
    >>> round(float(info_nce(z, z)), 6)  # log(1 + e^-1)
    0.313262
    """
    za, zb = jnp.asarray(za), jnp.asarray(zb)
    if normalize:
        za = za / jnp.linalg.norm(za, axis=1, keepdims=True).clip(1e-12)
        zb = zb / jnp.linalg.norm(zb, axis=1, keepdims=True).clip(1e-12)
    logits = za @ zb.T / temperature
    diag = jnp.arange(za.shape[0])
    loss_ab = -jnp.mean(jax.nn.log_softmax(logits, axis=1)[diag, diag])
    loss_ba = -jnp.mean(jax.nn.log_softmax(logits, axis=0)[diag, diag])
    return 0.5 * (loss_ab + loss_ba)


def _head(params, x):
    return jax.nn.gelu(x @ params["W"] + params["b"])


def _init_head(key, n_in, dim):
    # Glorot-uniform, as torch.nn.Linear's default family of initialisations.
    limit = np.sqrt(6.0 / (n_in + dim))
    return {"W": jax.random.uniform(key, (n_in, dim), minval=-limit, maxval=limit), "b": jnp.zeros(dim)}


@functools.partial(jax.jit, static_argnames=("optimizer", "temperature", "normalize"))
def _epoch(params, opt_state, xa, xb, optimizer, temperature, normalize):
    """One pass over batches ``xa[k], xb[k]`` of shape (n_batches, B, n_in)."""

    def loss(p, a, b):
        return info_nce(_head(p["a"], a), _head(p["b"], b), temperature, normalize)

    def body(carry, batch):
        p, s = carry
        value, grads = jax.value_and_grad(loss)(p, *batch)
        updates, s = optimizer.update(grads, s, p)
        return (optax.apply_updates(p, updates), s), value

    (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), (xa, xb))
    return params, opt_state, jnp.mean(losses)


class ContrastiveHeads:
    """Two one-layer GELU projection heads trained with a symmetric InfoNCE loss.

    Parameters
    ----------
    dim : int, default=64
        Embedding size (the authors' projection dimension pd = 64).
    learning_rate : float, default=1e-3
        Adam step size (the authors' 1e-3).
    epochs : int, default=100
    batch_size : int, default=8
        Pairs per batch (the authors' 8).
    temperature : float, default=1.0
        Softmax temperature (the authors' tp = 1).
    normalize : bool, default=False
        Cosine similarities (True) or dot products (False, as in the authors' retrieval).
    weight_decay : float, default=0.0
        Decoupled weight decay of the dense weights (optax's AdamW; 0 is plain Adam, the
        authors'). It shrinks the weight directions that the training classes do not use.
    random_state : int, Generator or None
        Seed of the initial weights and of the pairing and batching.

    Attributes
    ----------
    params_ : dict
        ``{"a": {"W", "b"}, "b": {...}}`` of the selected epoch (numpy arrays).
    best_epoch_ : int
        The selected epoch (1-based; 0 would be the untrained heads).
    history_ : list of (loss, validation score)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(3), 20)
    >>> xa = rng.normal(size=(60, 5)) + y[:, None]; xb = rng.normal(size=(60, 4)) - y[:, None]
    >>> heads = ContrastiveHeads(dim=8, epochs=5, random_state=0).fit(xa, y, xb, y)
    >>> heads.transform_a(xa).shape, heads.transform_b(xb).shape
    ((60, 8), (60, 8))
    """

    def __init__(self, dim=64, learning_rate=1e-3, epochs=100, batch_size=8, temperature=1.0, normalize=False,
                 weight_decay=0.0, random_state=None):
        self.dim = dim
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.temperature = temperature
        self.normalize = normalize
        self.weight_decay = weight_decay
        self.random_state = random_state

    def fit(self, xa, ya, xb, yb, validation=None):
        """Train the heads on class-matched pairs.

        Parameters
        ----------
        xa, xb : arrays of shape (n_a, d_a), (n_b, d_b)
            Features of the two modalities (training split).
        ya, yb : arrays of shape (n_a,), (n_b,)
            Their classes; every class of ``ya`` must occur in ``yb``.
        validation : callable or None
            ``validation(heads) -> float`` (higher is better), called after every epoch with
            the heads in their current state; the best epoch's parameters are kept. None
            keeps the last epoch.
        """
        dim = check_positive_int(self.dim, "dim")
        epochs = check_positive_int(self.epochs, "epochs")
        batch = check_positive_int(self.batch_size, "batch_size", minimum=2)
        check_real(self.learning_rate, "learning_rate", low=0, low_inclusive=False)
        temperature = check_real(self.temperature, "temperature", low=0, low_inclusive=False)
        weight_decay = check_real(self.weight_decay, "weight_decay", low=0)
        xa, xb = _features(xa, "xa"), _features(xb, "xb")
        ya, yb = np.asarray(ya), np.asarray(yb)
        if ya.shape != (len(xa),) or yb.shape != (len(xb),):
            raise ValueError("ya and yb must hold one label per row of xa and xb")
        missing = set(np.unique(ya).tolist()) - set(np.unique(yb).tolist())
        if missing:
            raise ValueError(f"classes {sorted(missing)} of ya have no sample in yb to pair with")
        if len(xa) < batch:
            raise ValueError(f"batch_size={batch} exceeds the {len(xa)} training pairs")
        self.mean_a_, self.std_a_ = xa.mean(0), _std(xa)
        self.mean_b_, self.std_b_ = xb.mean(0), _std(xb)
        sa, sb = (xa - self.mean_a_) / self.std_a_, (xb - self.mean_b_) / self.std_b_
        rng = make_rng(self.random_state)
        key_a, key_b = jax.random.split(jax.random.PRNGKey(int(rng.integers(2**31))))
        params = {"a": _init_head(key_a, xa.shape[1], dim), "b": _init_head(key_b, xb.shape[1], dim)}
        optimizer = _adam(float(self.learning_rate), float(weight_decay))
        by_class = {c: np.flatnonzero(yb == c) for c in np.unique(ya)}
        n_batches = len(xa) // batch
        # The validation callback embeds and scores a few hundred samples every epoch: small
        # BLAS calls whose threads only contend with JAX's (measured 9x slower on 2 cores).
        with blas_controller().limit(limits=1, user_api="blas"):
            return self._train(params, optimizer, sa, ya, sb, by_class, n_batches, batch, epochs, temperature,
                               rng, validation)

    def _train(self, params, optimizer, sa, ya, sb, by_class, n_batches, batch, epochs, temperature, rng,
               validation):
        opt_state = optimizer.init(params)
        self.params_ = jax.tree.map(np.asarray, params)
        best = validation(self) if validation is not None else -np.inf
        self.best_epoch_, best_params, self.history_ = 0, self.params_, []
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(sa))[: n_batches * batch]
            partner = np.empty(len(order), dtype=np.int64)
            for c, members in by_class.items():
                mine = ya[order] == c
                partner[mine] = rng.choice(members, size=int(mine.sum()))
            params, opt_state, loss = _epoch(params, opt_state, jnp.asarray(sa[order].reshape(n_batches, batch, -1)),
                                             jnp.asarray(sb[partner].reshape(n_batches, batch, -1)),
                                             optimizer, temperature, bool(self.normalize))
            self.params_ = jax.tree.map(np.asarray, params)
            score = validation(self) if validation is not None else np.nan
            self.history_.append((float(loss), float(score)))
            if validation is None or score > best:
                best, best_params, self.best_epoch_ = score, self.params_, epoch
        self.params_ = best_params
        return self

    def _embed(self, x, side):
        if not hasattr(self, "params_"):
            raise ValueError("ContrastiveHeads is not fitted yet: call fit first")
        x = _features(x, "x")
        mean, std = (self.mean_a_, self.std_a_) if side == "a" else (self.mean_b_, self.std_b_)
        if x.shape[1] != mean.shape[0]:
            raise ValueError(f"x has {x.shape[1]} features, expected {mean.shape[0]}")
        p = self.params_[side]
        return _gelu((x - mean) / std @ p["W"] + p["b"])

    def transform_a(self, x):
        """Embeddings of modality ``a`` features, shape (n, dim)."""
        return self._embed(x, "a")

    def transform_b(self, x):
        """Embeddings of modality ``b`` features, shape (n, dim)."""
        return self._embed(x, "b")


def _gelu(z):
    # jax.nn.gelu's default tanh form, in numpy: embedding many samples once per epoch (the
    # validation callback) costs a dispatch per call in JAX.
    return 0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))


@functools.lru_cache(maxsize=8)
def _adam(learning_rate, weight_decay=0.0):
    # One optimizer object per setting: it is a static argument of the compiled epoch, so a
    # new object per fit would recompile.
    if weight_decay == 0:
        return optax.adam(learning_rate)
    # Decay the dense weights only, not the biases.
    mask = {"a": {"W": True, "b": False}, "b": {"W": True, "b": False}}
    return optax.adamw(learning_rate, weight_decay=weight_decay, mask=mask)


def _features(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty, finite 2-D array (n_samples, n_features), got shape {x.shape}")
    return x


def _std(x):
    std = x.std(0)
    # A feature that never varies (a silent neuron) is centred, not divided by zero.
    return np.where(std > 0, std, 1.0)
