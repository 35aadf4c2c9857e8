"""A subclass's ``__init__`` that takes its base's hyperparameters without restating them.

scikit-learn reads an estimator's hyperparameters from the signature of its ``__init__``
(``get_params``, ``clone``), so a subclass that adds a few usually repeats every argument
of its base. :func:`extends` writes that signature once, from the base's: the subclass's
``__init__`` names only what it adds and passes ``**base_params`` on.
"""

import functools
import inspect

__all__ = ["extends"]


def extends(base, own_first=False):
    """Decorate ``__init__(self, <own parameters>, **base_params)`` of a subclass of ``base``.

    The decorated ``__init__`` has the signature ``(self, <base's parameters but
    random_state>, <own parameters>, random_state)`` (``own_first=True``: own parameters
    first), so positional calls, ``get_params`` and ``clone`` see every hyperparameter as
    if it had been written out. The wrapped function receives its own parameters by name
    and the base's in ``**base_params``.

    Examples
    --------
    >>> class Base:
    ...     def __init__(self, n_units=10, random_state=None):
    ...         self.n_units, self.random_state = n_units, random_state
    >>> class Child(Base):
    ...     @extends(Base)
    ...     def __init__(self, rate=0.5, **base_params):
    ...         super().__init__(**base_params)
    ...         self.rate = rate
    >>> inspect.signature(Child)
    <Signature (n_units=10, rate=0.5, random_state=None)>
    >>> vars(Child(20, 0.1))
    {'n_units': 20, 'random_state': None, 'rate': 0.1}
    """

    def decorate(init):
        own = [p for p in list(inspect.signature(init).parameters.values())[1:] if p.kind is not p.VAR_KEYWORD]
        inherited = list(inspect.signature(base.__init__).parameters.values())[1:]
        tail = [p for p in inherited if p.name == "random_state"]
        inherited = [p for p in inherited if p.name != "random_state"]
        ordered = own + inherited + tail if own_first else inherited + own + tail
        self_param = next(iter(inspect.signature(init).parameters.values()))
        signature = inspect.Signature([self_param] + [p.replace(kind=p.POSITIONAL_OR_KEYWORD) for p in ordered])
        own_names = {p.name for p in own}

        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            # bind raises the usual TypeError for an unknown or repeated argument.
            values = signature.bind(self, *args, **kwargs).arguments
            values.pop(self_param.name)
            init(self, **{k: values.pop(k) for k in list(values) if k in own_names}, **values)

        __init__.__signature__ = signature
        return __init__

    return decorate
