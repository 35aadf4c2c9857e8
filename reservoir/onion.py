"""Onion echo state network: a block-diagonal reservoir whose blocks fill nested rings.

Tortorella and Micheli (ICANN 2024) split the reservoir into groups with no connections
between them, each group's eigenvalues filling one ring of the complex plane, so that each
group covers one time scale (inner rings forget fast, outer rings slowly). The readout sees
all groups and picks the time scales the task needs; how much it draws on each ring is
shown by :func:`reservoir.onion_plots.ring_readout_share`.

The per-group construction (Single Ring theorem, circular law for the inner disk) is a
reconstruction; see ``reference/methods.md`` section 2 and :mod:`reservoir.spectra`.
"""

import numbers

import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .activations import check_activation
from .base import make_rng
from .leaky import LeakyRateReservoir
from .spectra import _METHODS, ring_matrix
from .validation import Check, Each, Interval, Options, check_positive_int, check_real, validate_parameters

__all__ = ["OnionESN"]


def _number_or_per_block(interval):
    return [interval, Each(interval, description="a number or one number per block")]


def _check_routing_type(value, name):
    if isinstance(value, str) or np.asarray(value).dtype != bool:
        raise ValueError(f"{name} must be 'all', 'per_block' or a boolean array, got {value!r}")


class OnionESN(LeakyRateReservoir):
    r"""Echo state network made of independent blocks whose spectra fill nested rings.

    Block ``g`` is a leaky tanh reservoir

    .. math:: x^g_{t+1} = (1 - a_g)\,x^g_t + a_g \tanh(W_g x^g_t + W^g_{in} u_{t+1} + b_g)

    with no connections between blocks, and the eigenvalues of ``W_g`` fill the ring
    ``radii[g-1] <= |z| <= radii[g]`` (block 0: ``inner_radius <= |z| <= radii[0]``, a disk
    when ``inner_radius`` is 0). The features are all blocks' states, concatenated in block
    order. One step costs O(sum of squared block sizes).

    Parameters
    ----------
    n_units : int or None, default=None
        Total number of units. ``None``: the sum of ``block_sizes``, or 500 when
        ``block_sizes`` is also ``None``.
    radii : sequence of float, default=(0.25, 0.5, 0.75, 1.0)
        Outer radius of every ring, strictly increasing; its length is the number of blocks.
        The outer ring may extend past 1 (the tanh saturation keeps states bounded).
    inner_radius : float, default=0.0
        Inner radius of the first block; 0 makes it a disk (circular law).
    block_sizes : sequence of int or None, default=None
        Units per block, adding up to ``n_units``; ``None`` splits ``n_units`` as evenly as
        possible.
    leak_rate : float or sequence of float, default=1.0
        Leak rate in (0, 1], one for all blocks or one per block.
    input_scaling : float or sequence of float, default=0.3
        Half-width (> 0) of the uniform input weights, one for all blocks or one per block.
        Inputs are expected standardised.
    input_routing : "all", "per_block" or bool array of shape (n_blocks, n_inputs), default="all"
        Which inputs drive which blocks. ``"all"``: every block sees every input;
        ``"per_block"``: input ``i`` drives block ``i`` only (needs as many inputs as
        blocks); a boolean matrix: ``routing[g, i]`` says whether input ``i`` drives block
        ``g``. Every block must receive some input.
    bias_scaling : float, default=1.0
        Half-width (>= 0) of the uniform bias.
    activation : {"tanh", "identity", "relu", "sigmoid"}, default="tanh"
        Unit nonlinearity.
    method : {"single_ring", "rotation"}, default="single_ring"
        How each block's matrix is drawn (see :func:`reservoir.spectra.ring_matrix`).
    random_state : int, Generator or None
        Seed of the weights.

    Notes
    -----
    The assembled matrix is never rescaled to a spectral radius: that would shrink every
    ring together and undo the layout. Blocks are stored as a stack of dense matrices padded
    to the largest block, which XLA runs as one batched product.

    Examples
    --------
    >>> import numpy as np
    >>> onion = OnionESN(n_units=200, radii=(0.5, 0.9), random_state=0)
    >>> params = onion.initialize(1)
    >>> params["W_blocks"].shape
    (2, 100, 100)
    >>> onion.fit_transform(np.sin(np.linspace(0, 20, 300))[:, None]).shape
    (300, 200)
    """

    def __init__(
        self,
        n_units=None,
        radii=(0.25, 0.5, 0.75, 1.0),
        inner_radius=0.0,
        block_sizes=None,
        leak_rate=1.0,
        input_scaling=0.3,
        input_routing="all",
        bias_scaling=1.0,
        activation="tanh",
        method="single_ring",
        random_state=None,
    ):
        self.n_units = n_units
        self.radii = radii
        self.inner_radius = inner_radius
        self.block_sizes = block_sizes
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.input_routing = input_routing
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.method = method
        self.random_state = random_state

    # -- hyperparameters -------------------------------------------------------------------

    _parameter_constraints = {
        "n_units": [None, Interval(numbers.Integral, 1, None)],
        "radii": Each(Interval(numbers.Real), description="a 1-D sequence of numbers"),
        "inner_radius": Interval(numbers.Real, 0, None),
        "block_sizes": [None, Each(Interval(numbers.Integral, 1, None), description="a sequence of positive integers")],
        "leak_rate": _number_or_per_block(Interval(numbers.Real, 0, 1, closed="right")),
        "input_scaling": _number_or_per_block(Interval(numbers.Real, 0, None, closed="neither")),
        "input_routing": [Options("all", "per_block"), Check(_check_routing_type)],
        "bias_scaling": Interval(numbers.Real, 0, None),
        "activation": Check(check_activation),
        "method": Options(*_METHODS),
    }

    def _check_hyperparameters(self):
        validate_parameters(self)
        self.sizes()  # the blocks against radii and n_units

    def ring_edges(self):
        """``(inner, outer)`` radius of every block, validated.

        Examples
        --------
        >>> OnionESN(radii=(0.5, 1.0)).ring_edges()
        [(0.0, 0.5), (0.5, 1.0)]
        """
        radii = _real_sequence(self.radii, "radii")
        if len(radii) == 0:
            raise ValueError("radii must hold at least one radius")
        inner = check_real(self.inner_radius, "inner_radius", low=0)
        edges = np.concatenate([[inner], radii])
        if np.any(np.diff(edges) <= 0):
            raise ValueError(
                f"radii must be strictly increasing and greater than inner_radius={inner}; got {list(radii)}"
            )
        return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]

    def sizes(self):
        """Number of units of every block, validated (they add up to ``n_units``).

        Examples
        --------
        >>> OnionESN(n_units=10, radii=(0.5, 0.7, 0.9)).sizes()
        [4, 3, 3]
        """
        n_blocks = len(self.ring_edges())
        if self.block_sizes is None:
            total = 500 if self.n_units is None else check_positive_int(self.n_units, "n_units")
            if total < n_blocks:
                raise ValueError(f"n_units ({total}) must be at least the number of blocks ({n_blocks})")
            base, extra = divmod(total, n_blocks)
            return [base + (g < extra) for g in range(n_blocks)]
        try:
            sizes = [check_positive_int(s, "block_sizes entries") for s in self.block_sizes]
        except TypeError:
            raise TypeError(f"block_sizes must be a sequence of positive integers, got {self.block_sizes!r}") from None
        if len(sizes) != n_blocks:
            raise ValueError(f"block_sizes has {len(sizes)} entries but radii defines {n_blocks} blocks")
        if self.n_units is not None and sum(sizes) != check_positive_int(self.n_units, "n_units"):
            raise ValueError(f"block_sizes add up to {sum(sizes)}, not to n_units={self.n_units}")
        return sizes

    @staticmethod
    def _per_block(value, name, n_blocks):
        """A (validated) number or per-block sequence as one value per block."""
        values = np.array(value, dtype=float) if np.ndim(value) else np.full(n_blocks, float(value))
        if len(values) != n_blocks:
            raise ValueError(f"{name} must be a number or have one entry per block ({n_blocks}), got {len(values)}")
        return values

    def _routing(self, n_blocks, n_inputs):
        routing = self.input_routing
        if isinstance(routing, str):
            if routing == "all":
                return np.ones((n_blocks, n_inputs), dtype=bool)
            if routing == "per_block":
                if n_inputs != n_blocks:
                    raise ValueError(f"input_routing='per_block' needs one input per block ({n_blocks}), "
                                     f"got {n_inputs} inputs")
                return np.eye(n_blocks, dtype=bool)
            raise ValueError(f"input_routing must be 'all', 'per_block' or a boolean array, got {routing!r}")
        mask = np.asarray(routing)
        if mask.shape != (n_blocks, n_inputs) or mask.dtype != bool:
            raise ValueError(f"input_routing as an array must be boolean of shape (n_blocks, n_inputs) = "
                             f"({n_blocks}, {n_inputs}), got {mask.dtype} of shape {mask.shape}")
        if not mask.any(axis=1).all():
            raise ValueError("input_routing leaves a block without input; every block needs at least one input")
        return mask

    # -- the Reservoir contract ------------------------------------------------------------

    def initialize(self, n_inputs, random_state=None):
        """Draw every block (eigenvalues in its ring), the input weights and the bias."""
        validate_parameters(self)
        edges = self.ring_edges()
        sizes = self.sizes()
        n_blocks = len(sizes)
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        leak = self._per_block(self.leak_rate, "leak_rate", n_blocks)
        scaling = self._per_block(self.input_scaling, "input_scaling", n_blocks)
        routing = self._routing(n_blocks, n_inputs)

        rng = make_rng(self.random_state if random_state is None else random_state)
        # Child generators per role, and per block: changing one block's size or the input
        # dimension leaves the other draws unchanged.
        rng_blocks, rng_in, rng_b = rng.spawn(3)
        block_rngs = rng_blocks.spawn(n_blocks)
        n, width = sum(sizes), max(sizes)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        W_blocks = np.zeros((n_blocks, width, width))
        gather = np.zeros((n_blocks, width), dtype=np.int32)
        scatter = np.zeros(n, dtype=np.int32)
        block_of = np.repeat(np.arange(n_blocks), sizes)
        for g, ((r_in, r_out), size, start) in enumerate(zip(edges, sizes, starts)):
            W_blocks[g, :size, :size] = ring_matrix(size, r_in, r_out, block_rngs[g], method=self.method)
            # Padded slots read unit 0, but their weight columns are zero, so they add nothing.
            gather[g, :size] = np.arange(start, start + size)
            scatter[start:start + size] = g * width + np.arange(size)
        W_in = rng_in.uniform(-1.0, 1.0, (n, n_inputs)) * scaling[block_of, None] * routing[block_of]
        bias = rng_b.uniform(-1.0, 1.0, n) * self.bias_scaling
        return {
            "W_blocks": W_blocks,
            "gather": gather,
            "scatter": scatter,
            "W_in": W_in,
            "bias": bias,
            "leak_rate": leak[block_of],
            "block": block_of.astype(np.int32),
        }

    def recurrent(self, params, state):
        return block_product(params, state)

    def check_params(self, params, n_inputs=None):
        """Also the block layout: ``gather`` indices inside the state, ``scatter`` inside the
        blocks (compiled gathers would clamp indices out of bounds silently)."""
        super().check_params(params, n_inputs)
        n = np.shape(params["bias"])[0]
        blocks = np.asarray(params.get("W_blocks"))
        if blocks.ndim != 3 or blocks.shape[1] != blocks.shape[2]:
            raise ValueError(f"params['W_blocks'] must have shape (G, w, w), got {blocks.shape}")
        for key, size, shape in (("gather", n, blocks.shape[:2]), ("scatter", blocks.shape[0] * blocks.shape[1], (n,))):
            idx = np.asarray(params.get(key))
            if idx.dtype.kind not in "iu" or idx.shape != shape or (idx.size and (idx.min() < 0 or idx.max() >= size)):
                raise ValueError(f"params[{key!r}] must be integers in [0, {size}) of shape {shape}")

    @staticmethod
    def block_matrices(params):
        """The recurrent matrix of every block, without padding (a list of arrays)."""
        sizes = np.bincount(np.asarray(params["block"]))
        return [np.asarray(params["W_blocks"])[g, :s, :s] for g, s in enumerate(sizes)]


def block_product(params, state):
    """``W @ state`` for the block-diagonal ``W`` stored as padded blocks (jax-traceable)."""
    blocks = state[params["gather"]]  # (G, width)
    products = jnp.einsum("gij,gj->gi", params["W_blocks"], blocks)
    return products.reshape(-1)[params["scatter"]]


def _real(value, name):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number or a sequence of them, got {value!r}")
    return value


def _real_sequence(value, name):
    if isinstance(value, (str, bytes)) or np.ndim(value) != 1:
        raise TypeError(f"{name} must be a 1-D sequence of numbers, got {value!r}")
    return np.array([float(_real(v, name)) for v in value])
