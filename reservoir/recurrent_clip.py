"""Trained recurrent encoders: the upper reference of the zero-shot protocol (a GRU CLIP).

Lin et al. (2025) compare their frozen liquids with a fully trainable spiking-RNN CLIP. Here the
trainable reference is a gated recurrent unit (GRU) per modality, trained end to end in JAX
with the same one-layer GELU heads and the same symmetric InfoNCE loss as
:class:`~reservoir.contrastive.ContrastiveHeads` (:class:`GRUContrastive`), and a GRU with a
softmax readout trained on cross-entropy (:class:`GRUClassifier`, the paper's RNN row). Both
read the time-averaged hidden state. Each epoch's parameters are scored by a validation
callback and the best are kept.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _jax  # noqa: F401  (float64 on)
from .base import make_rng
from .contrastive import info_nce
from .validation import check_positive_int

__all__ = ["GRUClassifier", "GRUContrastive", "gru_pooled_state"]


def _init_gru(key, n_in, hidden):
    k1, k2 = jax.random.split(key)
    return {"Wx": jax.random.normal(k1, (n_in, 3 * hidden)) / np.sqrt(n_in),
            "Wh": jax.random.normal(k2, (hidden, 3 * hidden)) / np.sqrt(hidden),
            "b": jnp.zeros(3 * hidden)}


def gru_pooled_state(params, x):
    """Time-averaged hidden state of a GRU over a batch ``x`` of shape (B, T, n_in), from zeros.

    Gates ``[z, r, n]`` (update, reset, candidate), ``h <- (1 - z) n + z h``. The average over
    all steps (rather than the last state) gives every step a short gradient path, which makes
    129-step audio trainable in a few epochs.
    """
    hidden = params["Wh"].shape[0]
    projected = jnp.einsum("btd,dk->tbk", x, params["Wx"]) + params["b"]  # input part of all steps at once

    def step(h, px):
        ph = h @ params["Wh"]
        z = jax.nn.sigmoid(px[:, :hidden] + ph[:, :hidden])
        r = jax.nn.sigmoid(px[:, hidden:2 * hidden] + ph[:, hidden:2 * hidden])
        n = jnp.tanh(px[:, 2 * hidden:] + r * ph[:, 2 * hidden:])
        h = (1 - z) * n + z * h
        return h, h

    _, states = jax.lax.scan(step, jnp.zeros((x.shape[0], hidden), x.dtype), projected)
    return states.mean(axis=0)


def _dense(key, n_in, n_out):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return {"W": jax.random.uniform(key, (n_in, n_out), minval=-limit, maxval=limit), "b": jnp.zeros(n_out)}


def _embed(p, x):
    h = gru_pooled_state(p["gru"], x)
    return jax.nn.gelu(h @ p["head"]["W"] + p["head"]["b"])


@functools.lru_cache(maxsize=4)
def _adam(learning_rate):
    return optax.adam(learning_rate)


def _batched(x, batch):
    return jnp.asarray(x.reshape((-1, batch) + x.shape[1:]), dtype=jnp.float32)


class GRUContrastive:
    """Two GRU encoders with GELU heads, trained end to end on a symmetric InfoNCE loss.

    Parameters
    ----------
    hidden, dim : int, default=64, 64
        GRU state size and embedding size.
    learning_rate : float, default=3e-3
    epochs, batch_size : int, default=30, 32
    temperature : float, default=1.0
    random_state : int, Generator or None

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(2), 16)
    >>> xa = rng.random((32, 5, 3)) + y[:, None, None]; xb = rng.random((32, 4, 2)) - y[:, None, None]
    >>> m = GRUContrastive(hidden=4, dim=4, epochs=2, batch_size=8, random_state=0).fit(xa, y, xb, y)
    >>> m.transform_a(xa).shape
    (32, 4)
    """

    def __init__(self, hidden=64, dim=64, learning_rate=3e-3, epochs=30, batch_size=32, temperature=1.0,
                 random_state=None):
        self.hidden = hidden
        self.dim = dim
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.temperature = temperature
        self.random_state = random_state

    def fit(self, xa, ya, xb, yb, validation=None):
        """Train on class-matched pairs (as :meth:`ContrastiveHeads.fit`); ``xa``, ``xb`` are
        sequences of shape (n, T, d)."""
        hidden, dim = check_positive_int(self.hidden, "hidden"), check_positive_int(self.dim, "dim")
        batch = check_positive_int(self.batch_size, "batch_size", minimum=2)
        xa, xb = _sequences(xa, "xa"), _sequences(xb, "xb")
        ya, yb = np.asarray(ya), np.asarray(yb)
        if len(xa) < batch:
            raise ValueError(f"batch_size={batch} exceeds the {len(xa)} training pairs")
        rng = make_rng(self.random_state)
        keys = jax.random.split(jax.random.PRNGKey(int(rng.integers(2**31))), 4)
        params = {"a": {"gru": _init_gru(keys[0], xa.shape[2], hidden), "head": _dense(keys[1], hidden, dim)},
                  "b": {"gru": _init_gru(keys[2], xb.shape[2], hidden), "head": _dense(keys[3], hidden, dim)}}
        params = jax.tree.map(lambda a: a.astype(jnp.float32), params)
        optimizer = _adam(float(self.learning_rate))
        state = optimizer.init(params)
        temperature = float(self.temperature)

        @jax.jit
        def epoch(params, state, a, b):
            def body(carry, ab):
                p, s = carry
                loss, g = jax.value_and_grad(lambda q: info_nce(_embed(q["a"], ab[0]), _embed(q["b"], ab[1]),
                                                                temperature))(p)
                u, s = optimizer.update(g, s, p)
                return (optax.apply_updates(p, u), s), loss
            (params, state), losses = jax.lax.scan(body, (params, state), (a, b))
            return params, state, losses.mean()

        by_class = {c: np.flatnonzero(yb == c) for c in np.unique(ya)}
        n = (len(xa) // batch) * batch
        self.params_ = params
        best, best_params, self.best_epoch_, self.history_ = -np.inf, params, 0, []
        for k in range(1, check_positive_int(self.epochs, "epochs") + 1):
            order = rng.permutation(len(xa))[:n]
            partner = np.empty(n, dtype=np.int64)
            for c, members in by_class.items():
                mine = ya[order] == c
                partner[mine] = rng.choice(members, size=int(mine.sum()))
            params, state, loss = epoch(params, state, _batched(xa[order], batch), _batched(xb[partner], batch))
            self.params_ = params
            score = validation(self) if validation is not None else np.nan
            self.history_.append((float(loss), float(score)))
            if validation is None or score > best:
                best, best_params, self.best_epoch_ = score, params, k
        self.params_ = best_params
        return self

    def transform_a(self, x):
        """Embeddings of modality ``a`` sequences."""
        return _apply(self.params_["a"], _sequences(x, "x"))

    def transform_b(self, x):
        """Embeddings of modality ``b`` sequences."""
        return _apply(self.params_["b"], _sequences(x, "x"))


@jax.jit
def _embed_jit(p, x):
    return _embed(p, x)


def _apply(p, x, chunk=512):
    return np.concatenate([np.asarray(_embed_jit(p, jnp.asarray(x[s:s + chunk], dtype=jnp.float32)))
                           for s in range(0, len(x), chunk)]).astype(np.float64)


class GRUClassifier:
    """A GRU with a softmax readout on its time-averaged state, trained with cross-entropy (Adam).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(2), 16); x = rng.random((32, 5, 3)) + y[:, None, None]
    >>> GRUClassifier(hidden=4, epochs=3, batch_size=8, random_state=0).fit(x, y).predict(x).shape
    (32,)
    """

    def __init__(self, hidden=64, learning_rate=3e-3, epochs=30, batch_size=32, random_state=None):
        self.hidden = hidden
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, x, y, validation=None):
        """Train on sequences ``x`` (n, T, d) with integer labels ``y``; keep the epoch with the
        best ``validation(self)`` (None: the last)."""
        x, y = _sequences(x, "x"), np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        hidden, batch = check_positive_int(self.hidden, "hidden"), check_positive_int(self.batch_size, "batch_size")
        rng = make_rng(self.random_state)
        k1, k2 = jax.random.split(jax.random.PRNGKey(int(rng.integers(2**31))))
        params = jax.tree.map(lambda a: a.astype(jnp.float32),
                              {"gru": _init_gru(k1, x.shape[2], hidden), "out": _dense(k2, hidden, len(self.classes_))})
        optimizer = _adam(float(self.learning_rate))
        state = optimizer.init(params)

        @jax.jit
        def epoch(params, state, xs, ys):
            def loss_fn(p, xb, yb):
                logits = gru_pooled_state(p["gru"], xb) @ p["out"]["W"] + p["out"]["b"]
                return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(yb.shape[0]), yb])

            def body(carry, xy):
                p, s = carry
                loss, g = jax.value_and_grad(loss_fn)(p, *xy)
                u, s = optimizer.update(g, s, p)
                return (optax.apply_updates(p, u), s), loss
            (params, state), losses = jax.lax.scan(body, (params, state), (xs, ys))
            return params, state, losses.mean()

        n = (len(x) // batch) * batch
        self.params_ = params
        best, best_params, self.best_epoch_ = -np.inf, params, 0
        for k in range(1, check_positive_int(self.epochs, "epochs") + 1):
            order = rng.permutation(len(x))[:n]
            params, state, _ = epoch(params, state, _batched(x[order], batch),
                                     jnp.asarray(codes[order].reshape(-1, batch)))
            self.params_ = params
            score = validation(self) if validation is not None else np.nan
            if validation is None or score > best:
                best, best_params, self.best_epoch_ = score, params, k
        self.params_ = best_params
        return self

    def predict(self, x):
        """Predicted labels of sequences ``x``."""
        x = _sequences(x, "x")
        p = self.params_
        logits = np.concatenate([np.asarray(_logits(p, jnp.asarray(x[s:s + 512], dtype=jnp.float32)))
                                 for s in range(0, len(x), 512)])
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, x, y):
        """Accuracy."""
        return float(np.mean(self.predict(x) == np.asarray(y)))


@jax.jit
def _logits(p, x):
    return gru_pooled_state(p["gru"], x) @ p["out"]["W"] + p["out"]["b"]


def _sequences(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty, finite array of shape (n, T, d), got shape {x.shape}")
    return x
