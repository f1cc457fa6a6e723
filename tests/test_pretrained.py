"""The generators shipped with the course, and the latent-space widgets built on them.

Checks that all three load by name as float32 models with the documented shapes and range;
that the frog generator's samples are far nearer real frogs than its untrained self's;
that the float16 weights-only files stay small, match the architectures the code builds
and load without any Keras configuration; that a broken file says what to do; that the
conditional generator draws the digit it is asked for (read back by the course
classifier); that a learner's notebook-05 generator is saved and loaded in the same
format, and preferred unless it comes from a quick run; and that the latent explorer
answers on the shipped conditional generator (the rest of gan_utils.latent: test_latent.py).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from _scripts import load_script

from gan_utils import data, latent, models, pretrained, train

LATENT_DIM = 100
#: The frog generator's FID (500 samples against half of the 1,000 test frogs) must be
#: below this share of the untrained generator's and of uniform noise's; see the test.
FROG_FID_SHARE = 0.25   # measured 2.8 against 48 for both (Keras 3.15.1, TF 2.21): 0.06


@pytest.fixture(scope="module")
def dcgan():
    return pretrained.generator("dcgan_mnist")


@pytest.fixture(scope="module")
def cgan():
    return pretrained.generator("cgan_mnist")


def _latents(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, LATENT_DIM)).astype(np.float32)


def test_dcgan_loads_by_name_with_documented_shapes_and_range(dcgan):
    images = np.asarray(dcgan(_latents(8), training=False))
    assert dcgan.inputs[0].shape[1:] == (LATENT_DIM,)
    assert images.shape == (8, 28, 28, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() < images.max() <= 1.0
    assert all(w.dtype == "float32" for w in dcgan.weights)
    assert images.std() > 0.1  # a trained generator draws strokes, not a flat grey


def test_cgan_loads_by_name_and_takes_labels(cgan):
    z = _latents(10)
    images = np.asarray(cgan([z, np.arange(10, dtype=np.int32)], training=False))
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() < images.max() <= 1.0
    same_z = np.repeat(z[:1], 2, axis=0)
    two = np.asarray(cgan([same_z, np.array([1, 7], np.int32)], training=False))
    assert np.abs(two[0] - two[1]).mean() > 0.05  # the label changes the picture


@pytest.mark.skipif(not os.environ.get(data.DATA_ENV),
                    reason="needs CIFAR-10's test frogs from a data folder (no download)")
@pytest.mark.slow
def test_frog_generator_loads_by_name_and_draws_far_nearer_frogs_than_untrained():
    """The shipped frog generator has the documented shapes, and the course's CIFAR-10
    features put its samples far nearer real test frogs (which it never saw) than the
    same network untrained, and than uniform noise."""
    from gan_utils import metrics, pretrained

    frog_generator = pretrained.generator("cifar10_frog")
    z = np.random.default_rng(0).standard_normal((500, 32)).astype(np.float32)
    fakes = np.asarray(frog_generator(z, training=False))
    assert frog_generator.inputs[0].shape[1:] == (32,)
    assert fakes.shape == (500, 32, 32, 3) and fakes.dtype == np.float32
    assert -1.0 <= fakes.min() < fakes.max() <= 1.0
    untrained = np.asarray(models.frog_generator(32, 64)(z, training=False))
    noise = np.random.default_rng(1).uniform(-1, 1, fakes.shape).astype(np.float32)
    test_frogs, _ = data.load_images("cifar10", "test", classes="frog", verbose=False)
    fid = {name: metrics.fid_against(images, test_frogs, features="cifar10")
           for name, images in (("shipped", fakes), ("untrained", untrained), ("noise", noise))}
    assert fid["shipped"] < FROG_FID_SHARE * min(fid["untrained"], fid["noise"]), fid


def test_shipped_float16_weights_load_bitwise_into_float32(dcgan):
    from gan_utils import pretrained, weights

    _, arrays = weights.read(pretrained.file_path("dcgan_mnist"), remedy="")
    stored = {key.split("/", 1)[1]: value for key, value in arrays.items()}
    assert stored["project/kernel"].dtype == np.float16
    loaded = weights.variable_paths(dcgan)
    assert stored.keys() == loaded.keys()
    for name, variable in loaded.items():
        assert variable.dtype == "float32"
        np.testing.assert_array_equal(variable.numpy(), stored[name].astype(np.float32))


def test_shipped_files_are_weights_only_and_under_15_megabytes_together():
    """Four generators (the plain and the InfoGAN DCGAN, the conditional one, the frogs):
    13.1 MB in float16; the cap keeps a fifth one, or float32 files, from slipping in."""
    from gan_utils import classifiers, pretrained

    assets = pretrained.file_path("dcgan_mnist").parent
    assert not list(assets.glob("*.keras")), "no Keras-config file is shipped"
    sizes = {name: pretrained.file_path(name).stat().st_size
             for name in pretrained.GENERATORS}
    assert sum(sizes.values()) < 15_000_000, sizes
    assert {p.name for p in assets.glob("*.weights.npz")} == {
        *(pretrained.file_path(n).name for n in pretrained.GENERATORS),
        *(c.path.name for c in classifiers.COURSE_CLASSIFIERS.values())}


@pytest.mark.parametrize("name", sorted(pretrained.GENERATORS))
def test_shipped_signature_matches_what_the_code_builds(name):
    from gan_utils import pretrained, weights

    builder_name, builder_args = pretrained.GENERATORS[name]
    description, arrays = weights.read(pretrained.file_path(name), remedy="")
    built = getattr(models, builder_name)(**builder_args)
    expected = weights.signature(built, f"gan_utils.models.{builder_name}", builder_args,
                                 storage_dtype="float16")
    for key in ("format", "builder", "builder_args", "variables"):
        assert description[key] == expected[key], key
    assert len(arrays) == len(built.weights)


def test_shipped_models_load_without_any_keras_config(monkeypatch):
    """Keras's own loaders are made to fail: the architecture must come from code."""
    import keras

    from gan_utils import classifiers, pretrained

    def refuse(*args, **kwargs):
        raise AssertionError("a Keras config loader was called")

    monkeypatch.setattr(keras.models, "load_model", refuse)
    monkeypatch.setattr(keras.saving, "load_model", refuse)
    monkeypatch.setattr(keras.models, "model_from_json", refuse)
    for name in pretrained.GENERATORS:
        assert pretrained.load(name).count_params() > 500_000
    for dataset in classifiers.COURSE_CLASSIFIERS:
        path = classifiers.COURSE_CLASSIFIERS[dataset].path
        assert classifiers.load_classifier(path, dataset).output.shape[-1] == 10


#: What the shipped models computed when they were .keras files (Keras 3.15.1, the
#: old loading path; the weights files give exactly the same): every 97th pixel of G(z)
#: for two z ~ N(0, 1) (seed 0; the conditional
#: generator asked for a 3 and an 8), and the classifiers' logits for two uniform
#: [-1, 1] inputs (seed 1). Any Keras 3 must reproduce them up to float round-off.
REFERENCE_OUTPUTS = {
    # the plain DCGAN generator (24,000 steps), as recorded when it was first shipped
    "dcgan_mnist": [
        -0.99947, -1.00000, -1.00000, 0.98271, -0.99984, -0.99996, -1.00000, -1.00000, -0.99994,
        -1.00000, -0.99699, -1.00000, -0.99957, -1.00000, -0.30017, -1.00000, -1.00000,
    ],
    # the DCGAN generator with InfoGAN's code (20 code values, 20,000 steps, spread 0.85
    # and code probabilities set after training) never was a .keras file: computed from
    # its weights file with Keras 3.15.1 / TF 2.21
    "infogan_mnist": [
        -0.99757, -1.00000, -1.00000, -0.51506, -0.99997, -0.78939, -1.00000, -1.00000, -1.00000,
        -1.00000, 0.94987, -1.00000, -0.95907, -1.00000, 0.95504, -0.99955, -1.00000,
    ],
    "cgan_mnist": [
        -0.99867, -1.00000, -1.00000, -1.00000, -1.00000, -1.00000, 0.34624, -0.81761, -1.00000,
        -1.00000, -0.99994, -0.99994, 0.64577, -0.99975, -0.99487, -0.99999, -1.00000,
    ],
    "mnist": [
        -3.4404, -23.5871, -3.3501, -1.4491, -5.8513, -14.8449, -9.8016, -22.3817, 32.2246, 1.9689,
        -2.7318, -23.1202, -2.2079, -0.7860, -6.1146, -14.5501, -11.4486, -20.6577, 31.2689,
        2.7210,
    ],
    # the frog generator (2026-12-03) never was a .keras file: every 401st pixel of G(z)
    # for two z ~ N(0, 1) of size 32 (seed 0), from its weights file, Keras 3.15.1 / TF 2.21
    "cifar10_frog": [
        0.18586, -0.01684, -0.54515, -0.05150, -0.02422, 0.18376, -0.34570, 0.02930, 0.16201,
        -0.10306, -0.42116, -0.24225, 0.21214, -0.69959, -0.10072, -0.34446,
    ],
    # the CIFAR-10 classifier retrained on 50,000 images (2026-12-02) never was a .keras
    # file: its logits were computed from its weights file with Keras 3.15.1 / TF 2.21
    "cifar10": [
        -4.6382, -5.4596, 2.9990, -2.1376, -0.7492, -4.5598, 5.0205, -3.7133, -10.5435, -6.3579,
        -6.4362, -8.8207, 2.2144, -1.2161, 1.9640, -3.5384, 6.7130, -4.2576, -10.4557, -11.3220,
    ],
}


def test_shipped_models_compute_what_the_old_keras_files_computed():
    from gan_utils import classifiers, metrics, pretrained

    z = np.random.default_rng(0).standard_normal((2, LATENT_DIM)).astype(np.float32)
    images = {
        "dcgan_mnist": pretrained.generator("dcgan_mnist")(z, training=False),
        "infogan_mnist": pretrained.generator("infogan_mnist")(z, training=False),
        "cgan_mnist": pretrained.generator("cgan_mnist")(
            [z, np.array([3, 8], np.int32)], training=False),
    }
    for name, image in images.items():
        np.testing.assert_allclose(np.asarray(image).ravel()[::97], REFERENCE_OUTPUTS[name],
                                   atol=1e-4, err_msg=name)
    frog_z = np.random.default_rng(0).standard_normal((2, 32)).astype(np.float32)
    frogs = pretrained.generator("cifar10_frog")(frog_z, training=False)
    np.testing.assert_allclose(np.asarray(frogs).ravel()[::401], REFERENCE_OUTPUTS["cifar10_frog"],
                               atol=1e-4, err_msg="cifar10_frog")
    for dataset in ("mnist", "cifar10"):
        shape = classifiers.COURSE_CLASSIFIERS[dataset].image_shape
        x = np.random.default_rng(1).uniform(-1, 1, (2, *shape)).astype(np.float32)
        logits = np.asarray(metrics.course_classifier(dataset)(x, training=False)).ravel()
        np.testing.assert_allclose(logits, REFERENCE_OUTPUTS[dataset], atol=2e-3,
                                   err_msg=dataset)


def test_a_broken_shipped_generator_says_reinstall_or_rebuild(tmp_path):
    import keras

    from gan_utils import pretrained, weights

    good = pretrained.file_path("cgan_mnist").read_bytes()
    truncated = tmp_path / "cgan_mnist_generator.weights.npz"
    truncated.write_bytes(good[:100_000])
    with pytest.raises(weights.WeightsFileError) as error:
        pretrained.load("cgan_mnist", truncated)
    message = str(error.value)
    assert str(truncated) in message and f"Keras {keras.__version__}" in message
    assert "pip install --force-reinstall --no-deps" in message
    assert message.endswith("python scripts/assets/train_mnist_generators.py --only cgan_mnist")

    # the other generator's file: the signature differs from what the code builds
    with pytest.raises(weights.WeightsFileError,
                       match=r"saved from 'gan_utils\.models\.cgan_mnist_generator', the code "
                             r"builds 'gan_utils\.models\.info_dcgan_mnist_generator'.*"
                             r"project/kernel: file has shape \(150, 6272\), the model "
                             r"\(119, 12544\).*and 6 more"):
        pretrained.load("infogan_mnist", pretrained.file_path("cgan_mnist"))

    with pytest.raises(weights.MissingWeightsFile, match="--only dcgan_mnist"):
        pretrained.load("dcgan_mnist", tmp_path / "gone.weights.npz")


@pytest.mark.parametrize("name", sorted(pretrained.GENERATORS))
def test_model_cards_say_data_steps_scores_and_command(name):
    card = pretrained.model_card(name)
    if name == "cifar10_frog":
        wanted = ("5,000 frogs of CIFAR-10's training split", "steps", "minutes",
                  "FID, untrained generator", "FID, real vs real", 'calls "frog"',
                  "Memorisation check", "scripts/assets/train_frog_generator.py")
    else:
        wanted = ("MNIST training set", "steps", "FID", "classifier score",
                  "scripts/assets/train_mnist_generators.py")
    for expected in wanted:
        assert expected in card, f"{name} card lacks {expected!r}"
    assert pretrained.rebuild_command(name).split()[1] in card


def test_conditional_generator_draws_the_digit_asked_for(cgan):
    from gan_utils import metrics

    asked = np.arange(200) % 10
    images = np.asarray(cgan([_latents(200, seed=3), asked.astype(np.int32)], training=False))
    accuracy = np.mean(metrics.classify(images).argmax(axis=1) == asked)
    assert accuracy >= 0.9, f"only {accuracy:.1%} drawn as asked"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError,
                       match=r"name='wgan_celeba'.*cgan_mnist.*dcgan_mnist.*infogan_mnist"):
        pretrained.generator("wgan_celeba")
    with pytest.raises(ValueError, match="expected one of"):
        pretrained.model_card("nope")


NOTEBOOK05_ARGS = {"latent_dim": LATENT_DIM, "hidden": 16}


def _save_notebook05_generator(folder, quick_mode: bool):
    """A small generator saved the way notebook 05 saves it, with its JSON."""
    model = models.mlp_generator(**NOTEBOOK05_ARGS)
    path = pretrained.save_generator(model, folder, "mlp_generator", NOTEBOOK05_ARGS,
                                 info={"steps": 1234, "quick_mode": quick_mode, "fid": 12.5})
    assert path == folder / "generator.weights.npz"
    assert json.loads((folder / "generator.json").read_text())["steps"] == 1234
    return model


def test_a_learners_generator_round_trips_through_save_and_load(tmp_path):
    model = _save_notebook05_generator(tmp_path, quick_mode=False)
    loaded, info = pretrained.load_generator(tmp_path)
    assert info == {"steps": 1234, "quick_mode": False, "fid": 12.5}
    for ours, theirs in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    z = _latents(3, seed=6)
    np.testing.assert_array_equal(np.asarray(loaded(z)), np.asarray(model(z)))


def test_saving_a_generator_the_builder_does_not_build_is_refused(tmp_path):
    model = models.mlp_generator(**NOTEBOOK05_ARGS)
    with pytest.raises(ValueError, match=r"not the network models\.mlp_generator.*hidden/kernel"):
        pretrained.save_generator(model, tmp_path, "mlp_generator",
                                  {**NOTEBOOK05_ARGS, "hidden": 32})
    with pytest.raises(ValueError, match="builder='os.system'"):
        pretrained.save_generator(model, tmp_path, "os.system")
    assert not list(tmp_path.iterdir())


def test_a_generator_file_naming_a_foreign_builder_is_refused(tmp_path):
    from gan_utils import pretrained, weights

    model = models.mlp_generator(**NOTEBOOK05_ARGS)
    weights.save(model, tmp_path / "generator.weights.npz", builder="os.system",
                 builder_args={"command": "true"})
    with pytest.raises(weights.WeightsFileError,
                       match=r"names the builder 'os\.system'.*Rerun notebook 06"):
        pretrained.load_generator(tmp_path)


def test_learners_generator_is_used_unless_it_is_from_a_quick_run(tmp_path, dcgan):
    z = _latents(3, seed=5)
    mine = _save_notebook05_generator(tmp_path / "real", quick_mode=False)
    loaded, description = pretrained.trained_or_pretrained(tmp_path / "real")
    np.testing.assert_allclose(loaded(z), mine(z), atol=1e-6)
    assert "your generator" in description and "1234 steps" in description

    _save_notebook05_generator(tmp_path / "quick", quick_mode=True)
    loaded, description = pretrained.trained_or_pretrained(tmp_path / "quick")
    np.testing.assert_allclose(loaded(z), dcgan(z), atol=1e-6)
    assert "quick" in description and "pretrained" in description

    loaded, description = pretrained.trained_or_pretrained(tmp_path / "missing")
    assert "no trained generator" in description


def test_an_unloadable_or_old_learners_file_falls_back_and_says_why(tmp_path, dcgan):
    z = _latents(2, seed=7)
    _save_notebook05_generator(tmp_path / "broken", quick_mode=False)
    weights_file = tmp_path / "broken" / "generator.weights.npz"
    weights_file.write_bytes(weights_file.read_bytes()[:500])
    loaded, description = pretrained.trained_or_pretrained(tmp_path / "broken")
    np.testing.assert_allclose(loaded(z), dcgan(z), atol=1e-6)
    assert "pretrained" in description and f"cannot load {weights_file}" in description

    old = tmp_path / "old"
    old.mkdir()
    (old / "generator.keras").write_bytes(b"PK")
    (old / "generator.json").write_text(json.dumps({"steps": 9, "quick_mode": False}))
    loaded, description = pretrained.trained_or_pretrained(old)
    np.testing.assert_allclose(loaded(z), dcgan(z), atol=1e-6)
    assert "old .keras format" in description and "rerun notebook 06's saving cell" in description


def test_explorer_redraws_when_a_slider_moves_and_on_a_new_digit(cgan):
    directions = np.eye(LATENT_DIM, dtype=np.float32)[::-1]
    explorer = latent.latent_explorer(cgan, {"reversed": directions}, num_sliders=3,
                                       num_classes=10, seed=4)
    assert len(explorer.sliders) == 3
    base, picture = explorer.z.copy(), explorer.image.value
    explorer.sliders[1].value = 1.5
    np.testing.assert_allclose(explorer.z - base, 1.5 * directions[1], atol=1e-6)
    assert explorer.image.value != picture
    picture = explorer.image.value
    explorer.controls["digit"].value = "4"
    assert explorer.digit == 4 and explorer.image.value != picture
    explorer.reset_sliders()
    np.testing.assert_allclose(explorer.z, base, atol=1e-6)
    explorer.new_z()
    assert explorer.controls["seed"].value == 5
    assert not np.allclose(explorer.z, base)
    with pytest.raises(ValueError, match=r"directions\['bad'\]"):
        latent.latent_explorer(cgan, {"bad": np.eye(3)}, num_classes=10)


def test_training_tool_learning_rate_is_constant_then_linear_to_zero():
    """scripts/assets/train_mnist_generators.py --lr-decay-start: values worked out by hand."""
    decay = train.LinearDecay(2e-4, total_steps=1000, decay_start=0.6)   # decay from 600
    for step, expected in ((0, 2e-4), (600, 2e-4), (800, 1e-4), (900, 5e-5), (1000, 0.0),
                           (1200, 0.0)):
        assert float(decay.rate(step)) == pytest.approx(expected, abs=1e-9), step
    constant = train.LinearDecay(2e-4, total_steps=1000, decay_start=1.0)
    assert float(constant.rate(999)) == pytest.approx(2e-4, rel=1e-6)
    with pytest.raises(ValueError, match="decay_start=1.5"):
        train.LinearDecay(2e-4, total_steps=1000, decay_start=1.5)


@pytest.mark.slow
def test_a_constant_rate_run_resumes_with_a_decaying_rate(tmp_path):
    """A run that trained at a constant rate is resumed (its checkpoint restored) with
    --lr-decay-start 0.5: it goes on from its step, and the rate set inside the step
    follows the new line, down to 0.0 after the last step."""
    from gan_utils import weights

    tool = load_script("scripts/assets/train_mnist_generators.py")

    def run(steps: int, decay_start: float):
        return tool.train_one("dcgan_mnist", tool.argparse.Namespace(
            batch_size=8, precision="float32", d_dropout=0.1, lr=2e-4, steps=steps,
            lr_decay_start=decay_start, work_dir=str(tmp_path), ema_decay=0.999,
            jit_compile=False, max_minutes=0, info_weight=1.0))[0]

    with weights.dtype_policy("float32"):
        first = run(3, 1.0)
        assert first.step == 3
        assert float(first.g_optimizer.learning_rate) == pytest.approx(2e-4)
        resumed = run(6, 0.5)           # was: "incompatible tensor" (a schedule held no rate)
        assert resumed.step == 6
        for optimizer in (resumed.g_optimizer, resumed.d_optimizer):
            assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)
        assert run(5, 0.5).step == 6   # restored at step 6 (not restarted): nothing to train


@pytest.mark.slow
def test_training_tool_rebuilds_the_shipped_info_generator_end_to_end(tmp_path):
    """The command that builds the shipped MNIST generator, 2 steps: it trains G with
    InfoGAN's code (D with Q's head), writes weights that the shipped loader reads back
    as the same function, and a card that names the step, the code and its reading."""
    from gan_utils import pretrained, weights

    tool = load_script("scripts/assets/train_mnist_generators.py")
    out = tmp_path / "out"
    with weights.dtype_policy("float32"):
        assert tool.main(["--only", "infogan_mnist", "--steps", "2", "--batch-size", "8",
                          "--eval-samples", "300", "--precision", "float32",
                          "--info-weight", "1.5", "--seed", "7",
                          "--spread", "0.9", "--code-weight-rounds", "1",
                          "--code-weight-steps", "6",
                          "--work-dir", str(tmp_path / "work"),
                          "--output-dir", str(out)]) == 0
        path = out / "infogan_mnist_generator.weights.npz"
        generator = pretrained.load("infogan_mnist", path)
        with pytest.raises(SystemExit):   # a spread that would widen z is refused
            tool.main(["--only", "infogan_mnist", "--spread", "1.5"])
    prior = generator.get_layer("code_prior")
    assert prior.codes == 20
    assert float(prior.spread) == pytest.approx(0.9, abs=1e-3)   # stored in float16
    info = json.loads((tmp_path / "work" / "infogan_mnist_info.json").read_text())
    assert info["steps"] == 2 and info["info_weight"] == 1.5 and info["seed"] == 7
    # the discriminator moved the code probabilities off 1/20, and the file keeps them
    assert len(info["code_weights"]) == 1 and info["spread"] == 0.9
    np.testing.assert_allclose(models.code_probabilities(generator),
                               info["code_probabilities"], atol=2e-4)
    assert np.ptp(info["code_probabilities"]) > 0
    card = (out / "INFOGAN_MNIST_MODEL_CARD.md").read_text()
    assert "info_dcgan_mnist_generator(latent_dim=100, codes=20)" in card
    assert "latent_code(z, generator)" in card
    assert "**spread 0.9**" in card and "1 rounds of 6 steps" in card
    assert "gain 1.5 x the cross-entropy of Q's" in card and "## The code in z" in card
    assert "(purity): " in card and "--info-weight 1.5" in card and "seed 7;" in card


