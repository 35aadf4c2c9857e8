"""Hyperparameter search with Optuna: a model's search space against any objective.

Studies are stored in SQLite by default (``sqlite:///tuning.db`` in the working directory or a
path you give), so a search that is stopped resumes where it was: trials already finished
count towards ``n_trials``. A database URL (PostgreSQL, MySQL) lets many workers share one
study. Failed trials (a candidate that cannot be fitted) are recorded as failed and the search
goes on.
"""

from __future__ import annotations

import math

__all__ = ["tune"]


def tune(model, objective, n_trials=50, direction="minimize", storage="sqlite:///tuning.db",
         study_name="reservoir", seed=0, timeout=None, show_progress_bar=False, progress=None):
    """Search a model's hyperparameters with Optuna's TPE sampler.

    Parameters
    ----------
    model : str or ModelSpec
        The model whose ``search_space`` is searched.
    objective : callable
        ``objective(params) -> float`` for a params dict from the search space.
    n_trials : int, default 50
        Total trials of the study, counting those a previous (interrupted) run finished.
    direction : {"minimize", "maximize"}, default "minimize"
    storage : str or None, default "sqlite:///tuning.db"
        Optuna storage URL; ``None`` keeps the study in memory (nothing to resume).
    study_name : str, default "reservoir"
        Name of the study in the storage; the same name resumes it.
    seed : int, default 0
        Seed of the TPE sampler.
    timeout : float, optional
        Stop starting new trials after this many seconds.
    show_progress_bar : bool, default False
        Optuna's own progress bar.
    progress : bool, optional
        A tqdm bar over the trials with the best value so far (default: off).

    Returns
    -------
    optuna.Study
        ``study.best_params`` are the raw Optuna values; rebuild the model's params dict with
        ``spec.search_space(optuna.trial.FixedTrial(study.best_params))``.

    Examples
    --------
    >>> study = tune("esn", lambda p: (p["spectral_radius"] - 0.5) ** 2, n_trials=5,
    ...              storage=None)  # doctest: +SKIP
    >>> len(study.trials)  # doctest: +SKIP
    5
    """
    from .._optional import require

    optuna = require("optuna", "bench", "hyperparameter tuning (reservoir tune, --tuning optuna)")

    from .models import get_model

    spec = get_model(model)
    if spec.search_space is None:
        raise ValueError(f"model {spec.name!r} has no search_space to tune")
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}")
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=study_name, storage=storage, direction=direction,
                                sampler=optuna.samplers.TPESampler(seed=seed), load_if_exists=True)
    done = sum(t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED,
                           optuna.trial.TrialState.FAIL) for t in study.trials)
    remaining = n_trials - done
    if remaining > 0:
        def run_trial(trial):
            value = float(objective(spec.search_space(trial)))
            # A diverged candidate is the worst value, not a crash of the search.
            if not math.isfinite(value):
                return math.inf if direction == "minimize" else -math.inf
            return value

        from tqdm.auto import tqdm

        bar = tqdm(total=n_trials, initial=done, desc=f"tuning {spec.name}", unit="trial", disable=not progress,
                   dynamic_ncols=True)

        def report(study, trial):
            bar.update()
            try:
                bar.set_postfix_str(f"best {study.best_value:.4g}")
            except ValueError:  # no finished trial yet
                pass

        try:
            study.optimize(run_trial, n_trials=remaining, timeout=timeout, catch=(Exception,),
                           show_progress_bar=show_progress_bar, callbacks=[report])
        finally:
            bar.close()
    return study
