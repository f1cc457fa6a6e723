"""The frozen MNIST recipe trials (try_mnist_recipes, judge_checkpoint, score_spreads):
their losses, priors, readings and command lines, on tiny runs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import judge_checkpoint
import numpy as np
import pytest
import score_spreads
import try_mnist_recipes

from gan_utils import models, recipes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow   # tiny training runs of the frozen trial scripts


def load_script(relative_path: str):
    """A script of the repository (from its root) loaded as a module."""
    spec = importlib.util.spec_from_file_location(Path(relative_path).stem,
                                                  ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_judging_a_checkpoint_of_the_info_run_restores_it(tmp_path, capsys):
    """judge_checkpoint.py rebuilds the run's trainer (InfoGAN's, D with Q's head),
    restores the checkpoint train_pretrained left and reads its step and clarity."""
    from gan_utils import weights

    tool, judge = load_script("scripts/assets/train_mnist_generators.py"), judge_checkpoint
    with weights.dtype_policy("float32"):
        trainer, _ = tool.train_one("infogan_mnist", tool.argparse.Namespace(
            batch_size=8, precision="float32", d_dropout=0.1, lr=2e-4, steps=3,
            lr_decay_start=0.5, work_dir=str(tmp_path), ema_decay=0.999,
            jit_compile=False, max_minutes=0, info_weight=1.0))
        capsys.readouterr()
        assert judge.main([str(tmp_path), "--steps", "3", "--d-dropout", "0.1",
                           "--lr-decay-start", "0.5", "--samples", "50"]) == 0
    reading = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert reading["step"] == trainer.step == 3
    assert 0.1 <= reading["ema"]["mean_top"] <= 1.0
    # each code value's commonest digit holds at least a tenth of its samples
    assert all(0.1 <= reading[g]["code_purity"] <= 1.0 for g in ("ema", "raw")), reading
    with pytest.raises(SystemExit):
        judge.main([str(tmp_path / "nothing"), "--steps", "3"])


def test_recipe_trials_top_k_loss_counts_only_the_fakes_d_rates_most_real():
    """try_mnist_recipes.py --top-k: G's non-saturating loss over the best half,
    -log sigmoid(x) = softplus(-x) worked out by hand for the two largest logits."""
    tool = try_mnist_recipes
    logits = np.array([[3.0], [-1.0], [0.0], [2.0]], dtype="float32")
    expected = (np.log1p(np.exp(-3.0)) + np.log1p(np.exp(-2.0))) / 2
    assert float(tool.TopKLoss(0.5).generator(logits)) == pytest.approx(expected, rel=1e-5)
    everything = np.mean(np.log1p(np.exp(-logits)))
    assert float(tool.TopKLoss(1.0).generator(logits)) == pytest.approx(everything, rel=1e-5)
    assert float(tool.TopKLoss(0.01).generator(logits)) == pytest.approx(np.log1p(np.exp(-3.0)),
                                                                         rel=1e-5)  # at least 1
    with pytest.raises(ValueError, match="--top-k=0"):
        tool.TopKLoss(0.0)


def test_recipe_trials_print_a_reading_per_chunk_of_steps(capsys):
    """A from-scratch trial of 0 minutes still trains one chunk and judges it once."""
    from gan_utils import weights

    tool = try_mnist_recipes
    with weights.dtype_policy("float32"):   # the tool sets the global policy: restore it after
        assert tool.main(["--minutes", "0", "--judge-every", "10", "--samples", "40",
                          "--batch-size", "16", "--d-filters", "32", "64"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("{")]
    assert lines[0]["trial"]["d_filters"] == [32, 64] and lines[0]["resumed_at"] == 0
    assert [line["step"] for line in lines[1:]] == [10]
    assert 0.1 <= lines[1]["mean_top"] <= 1.0 and 0.0 <= lines[1]["share_above"] <= 1.0
    assert lines[1]["min_share"] <= 0.1 <= lines[1]["max_share"]
    with pytest.raises(SystemExit):
        tool.main(["--fresh-d-warmup", "5"])   # needs --resume-from
    with pytest.raises(SystemExit):
        tool.main(["--fresh-d-warmup", "-1"])


def test_recipe_trials_mixture_prior_picks_components_by_the_first_quantile():
    """--latent-mixture K SIGMA: k = floor(K * Phi(eps_0)), z = mu_k + SIGMA * eps.
    Phi(0) = 0.5 -> k = 5 of 10; Phi(-1) = 0.1587 -> 1; Phi(8) -> 1: k = 10, clipped to
    9; Phi(-8) -> 0."""

    tool = try_mnist_recipes
    prior = tool.MixturePrior(10, 0.3, 4, seed=3)
    eps = np.array([[0, 1, 2, 3], [-1, 0, 0, 0], [8, 0, 0, 0], [-8, 1, 1, 1]], "float32")
    np.testing.assert_array_equal(np.asarray(prior.component(eps)), [5, 1, 9, 0])
    expected = prior.means[[5, 1, 9, 0]] + 0.3 * eps
    np.testing.assert_allclose(np.asarray(prior(eps)), expected, rtol=1e-6)
    np.testing.assert_array_equal(
        prior.means, np.random.default_rng(3).standard_normal((10, 4)).astype("float32"))


def test_recipe_trials_mixture_generator_survives_the_weight_averages_clone():
    """The weight average clones G (keras.models.clone_model): the prior must come along."""
    import argparse

    import keras

    from gan_utils import weights

    tool = try_mnist_recipes
    args = argparse.Namespace(g_filters=[8, 8, 8], latent_mixture=[5.0, 0.5])
    with weights.dtype_policy("float32"):
        generator = tool.generator_for(args)
        clone = keras.models.clone_model(generator)
    clone.set_weights(generator.get_weights())
    eps = np.random.default_rng(0).standard_normal((6, 100)).astype("float32")
    np.testing.assert_allclose(clone(eps, training=False), generator(eps, training=False),
                               atol=1e-6)
    for bad in (["--latent-mixture", "0", "0.3"], ["--latent-mixture", "2.5", "0.3"],
                ["--latent-mixture", "10", "0"],
                ["--latent-mixture", "10", "0.3", "--resume-from", "/tmp"]):
        with pytest.raises(SystemExit):
            tool.main(bad)


def test_recipe_trials_info_code_trains_q_and_reports_code_purity(capsys, tmp_path):
    """--info-code K LAMBDA: one chunk from scratch; the reading gives the code purity, one
    digit per code value (each code's commonest class is at least a tenth of it); the
    final reading and the saved generator (which Keras loads back, code prior and all)."""
    import keras

    from gan_utils import weights

    tool = try_mnist_recipes
    saved = tmp_path / "info.keras"
    with weights.dtype_policy("float32"):
        assert tool.main(["--info-code", "4", "1", "--minutes", "0", "--judge-every", "10",
                          "--samples", "40", "--batch-size", "16", "--g-filters", "8", "8",
                          "8", "--d-filters", "8", "8", "--final-samples", "30",
                          "--save", str(saved)]) == 0
        loaded = keras.models.load_model(saved)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("{")]
    assert lines[0]["trial"]["info_code"] == [4.0, 1.0]
    reading = lines[1]["code_purity"]
    assert len(reading["digit_of_code"]) == 4 and 0.1 <= reading["purity"] <= 1.0
    assert lines[2]["final"]["step"] == 10 and lines[3] == {"saved": str(saved)}
    assert loaded.get_layer("code_prior").codes == 4
    with pytest.raises(SystemExit):
        tool.main(["--save", str(tmp_path / "info.h5")])


def test_recipe_trials_score_a_saved_generator_as_a_model_card(capsys, tmp_path,
                                                                monkeypatch):
    """--score FILE.keras: the card's scores of a saved trial generator; the real test
    digits' reading is the MNIST card's (0.9902 mean, 97.6% above 0.9), the same digits."""
    import keras

    from gan_utils import weights

    tool = try_mnist_recipes
    saved = tmp_path / "tiny.keras"
    with weights.dtype_policy("float32"):
        models.info_dcgan_mnist_generator(100, 3, (8, 8, 8)).save(saved)
        monkeypatch.setattr(tool.tp, "EVAL_SAMPLES", 200)
        assert tool.main(["--score", str(saved)]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["scores"] == str(saved) and scores["fake_samples"] == 200
    assert scores["real_mean_top"] == pytest.approx(0.9902, abs=1e-4)
    assert scores["real_share_above"] == pytest.approx(0.976, abs=1e-3)
    assert scores["fid"] > 10 * scores["fid_real_vs_real"]   # an untrained G is far off
    assert isinstance(keras.models.load_model(saved), keras.Model)
    for bad in (tmp_path / "missing.keras", tmp_path):
        with pytest.raises(SystemExit):
            tool.main(["--score", str(bad)])
    for bad in (["--info-code", "1", "1"], ["--info-code", "2.5", "1"],
                ["--info-code", "10", "0"], ["--info-code", "10", "1", "--top-k", "0.5"],
                ["--info-code", "10", "1", "--latent-mixture", "10", "0.3"]):
        with pytest.raises(SystemExit):
            tool.main(bad)


def test_spread_scores_are_the_model_card_s_scores_at_each_spread(capsys):
    """score_spreads.py at spread 1 gives the card's scores of the generator as it is
    (its own spread, set back to 1); another spread draws other digits and scores them."""
    from gan_utils import pretrained, weights

    tool, card = score_spreads, recipes
    path = pretrained.file_path("infogan_mnist")
    with weights.dtype_policy("float32"):
        assert tool.main([str(path), "--spreads", "1", "0.6", "--samples", "400"]) == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                 if line.startswith("{")]
        generator = pretrained.load("infogan_mnist", path)
        generator.get_layer("code_prior").spread.assign(1.0)
        fakes = np.asarray(generator.predict(card.evaluation_latents(400), verbose=0))
        expected = card.score_digits(fakes)
    assert [line["spread"] for line in lines] == [1.0, 0.6]
    assert lines[0]["mean_top"] == round(expected["mean_top"], 4)
    assert lines[0]["fid"] == round(expected["fid"], 3)
    assert lines[0]["max_share"] == round(max(expected["class_shares"]), 4)
    assert lines[1]["mean_top"] != lines[0]["mean_top"]
    assert not lines[0]["equal_codes"]                 # the shipped code probabilities
    with weights.dtype_policy("float32"):
        assert tool.main([str(path), "--spreads", "1", "--samples", "400", "--equal-codes"]) == 0
    equal = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert equal["equal_codes"] and equal["max_share"] != lines[0]["max_share"]
    with pytest.raises(SystemExit):
        tool.main([str(path), "--spreads", "0"])
