"""The published 2023 univariate record: shipped data, recomputed scores, and the protocol
that runs on it."""

import numpy as np
import pytest

from reservoir.baselines import PersistenceForecaster
from reservoir.bench import evaluate_task, get_protocol
from reservoir.bench.published_report import paired_comparison, published_comparison_table
from reservoir.chaos import system_info
from reservoir.published import (N_FIT, N_SCORED, published_forecast, published_models, published_scores,
                                 published_series, published_systems)


def test_shipped_data_shapes_and_systems():
    assert len(published_systems(scored=False)) == 133 and len(published_systems()) == 131
    assert {"AtmosphericRegime", "LidDrivenCavityFlow"} == (set(published_systems(scored=False))
                                                            - set(published_systems()))
    assert len(published_models()) == 16
    for split in ("train", "test"):
        t, x = published_series("Lorenz", split)
        assert t.shape == (1200,) and x.shape == (1200, 1) and np.all(np.isfinite(x))
    # train and test start from different initial conditions
    assert not np.allclose(published_series("Lorenz", "train")[1], published_series("Lorenz", "test")[1])


def test_published_medians_recomputed_from_the_forecasts():
    medians = {m: np.median(list(published_scores(m).values())) for m in published_models()}
    assert round(medians["NBEATSModel"], 1) == 67.7
    assert round(medians["NaiveSeasonal"], 1) == 125.3
    assert round(medians["RNNModel"], 1) == 102.0
    assert min(medians, key=medians.get) == "NBEATSModel"


def test_persistence_from_the_test_file_reproduces_naive_seasonal_on_every_system():
    published = published_scores("NaiveSeasonal")
    from reservoir.metrics import smape

    for system in published_systems():
        x = published_series(system, "test")[1]
        forecast = PersistenceForecaster().fit(x[:N_FIT]).forecast(200)
        np.testing.assert_allclose(forecast[:, 0], published_forecast("NaiveSeasonal", system), rtol=0, atol=0)
        ours = smape(x[N_FIT:N_FIT + N_SCORED], forecast[:N_SCORED])
        assert abs(ours - published[system]) < 1e-12, system


@pytest.mark.parametrize("system", ["Lorenz", "MackeyGlass", "Rossler"])
def test_the_protocol_scores_persistence_as_published(system):
    record = evaluate_task("gilpin2023_univariate", "persistence", system, tuning="none")
    assert record["error"] is None
    assert abs(record["metrics"]["smape"] - published_scores("NaiveSeasonal")[system]) < 1e-12


def test_the_protocol_runs_on_the_published_files():
    protocol = get_protocol("gilpin2023_univariate")
    assert protocol.data == "published" and protocol.n_evaluated == 199 and len(protocol.systems()) == 131
    np.testing.assert_array_equal(protocol.series("Lorenz", 0, "validation"), published_series("Lorenz", "train")[1])
    np.testing.assert_array_equal(protocol.series("Lorenz", 3, "test"), published_series("Lorenz", "test")[1])
    # the own-data protocols say so
    assert "not the published files" in get_protocol("gilpin2023").description


def test_paired_comparison_counts_and_wilcoxon():
    nbeats = published_scores("NBEATSModel")
    systems = sorted(nbeats)[:12]
    # better by 1 on 9 systems, worse by 5 on 3
    recs = [{"model": "m", "system": s, "metrics": {"smape": nbeats[s] + (-1.0 if i < 9 else 5.0)}}
            for i, s in enumerate(systems)]
    result = paired_comparison(recs, "m")
    assert (result["n"], result["wins"], result["losses"], result["ties"]) == (12, 9, 3, 0)
    assert 0 < result["p_value"] <= 1
    table = published_comparison_table(recs)
    assert "12 systems" in table and "9 wins, 3 losses" in table and "NBEATSModel (published)" in table


def test_bad_names_are_refused_with_a_hint():
    with pytest.raises(ValueError, match="did you mean 'Lorenz'"):
        published_series("Lorentz")
    np.testing.assert_array_equal(published_series("lorenz")[1], published_series("Lorenz")[1])  # any case
    with pytest.raises(ValueError, match="split"):
        published_series("Lorenz", "validation")
    with pytest.raises(ValueError, match="model"):
        published_scores("NBEATS")
    assert system_info("Lorenz").name == "Lorenz"
