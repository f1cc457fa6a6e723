"""gan_utils.weights: the weights-only file format of the shipped and the learners' models.

A round trip keeps every weight and output; every kind of bad file (missing, truncated,
not an npz, a single array, no signature, broken JSON, an unknown format, another
architecture, a wrong shape, a pickled entry) gives one WeightsFileError naming the file,
the Keras version, what differs and what to do, and leaves the model untouched.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from gan_utils import models, weights

BUILDER = "gan_utils.models.mlp_generator"
ARGS = {"latent_dim": 4, "hidden": 8, "image_shape": [2, 3, 1]}
REMEDY = "Do this to fix it."


def _tiny(seed: int = 0, **overrides):
    """A small MLP generator (17 x 8 + 8 x 6 weights) with seeded, non-zero weights."""
    model = models.mlp_generator(**{**ARGS, **overrides})
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    return model


def _load(model, path):
    return weights.load_into(model, path, builder=BUILDER, builder_args=ARGS, remedy=REMEDY)


def _message_names_everything(error: pytest.ExceptionInfo, path) -> str:
    message = str(error.value)
    assert str(path) in message and f"Keras {keras.__version__}" in message
    assert message.endswith(REMEDY)
    return message


@pytest.fixture
def saved(tmp_path):
    """A tiny model and the float32 file it was saved to."""
    model = _tiny()
    return model, weights.save(model, tmp_path / "tiny.weights.npz", builder=BUILDER,
                               builder_args=ARGS, info={"steps": 7})


def test_round_trip_gives_identical_weights_and_outputs(saved):
    model, path = saved
    loaded = weights.build_and_load(models.mlp_generator, path, builder=BUILDER,
                                    builder_args=ARGS, remedy=REMEDY)
    for ours, theirs in zip(loaded.get_weights(), model.get_weights(), strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs)
    z = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(loaded(z)), np.asarray(model(z)))


def test_the_file_is_plain_arrays_and_a_json_signature(saved):
    model, path = saved
    with np.load(path, allow_pickle=False) as archive:
        names = sorted(archive.files)
        description = json.loads(archive[weights.SIGNATURE_KEY].tobytes())
        kernel = archive["000/hidden/kernel"]
    assert names == ["000/hidden/kernel", "001/hidden/bias", "002/pixels/kernel",
                     "003/pixels/bias", weights.SIGNATURE_KEY]
    np.testing.assert_array_equal(kernel, model.get_layer("hidden").kernel.numpy())
    assert description["format"] == weights.FORMAT and description["builder"] == BUILDER
    assert description["builder_args"] == ARGS
    assert description["variables"] == [["hidden/kernel", [4, 8], "float32"],
                                         ["hidden/bias", [8], "float32"],
                                         ["pixels/kernel", [8, 6], "float32"],
                                         ["pixels/bias", [6], "float32"]]
    assert description["info"] == {"keras": keras.__version__, "steps": 7}


def test_float16_storage_halves_the_bytes_and_casts_back(tmp_path):
    model = _tiny()
    path = weights.save(model, tmp_path / "half.weights.npz", builder=BUILDER,
                        builder_args=ARGS, storage_dtype="float16")
    _, arrays = weights.read(path, REMEDY)
    assert {a.dtype.name for a in arrays.values()} == {"float16"}
    fresh = models.mlp_generator(**ARGS)
    _load(fresh, path)
    for ours, theirs in zip(fresh.get_weights(), model.get_weights(), strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs.astype(np.float16).astype(np.float32))
    with pytest.raises(ValueError, match="storage_dtype='int8'"):
        weights.save(model, tmp_path / "x.npz", builder=BUILDER, builder_args=ARGS,
                     storage_dtype="int8")


def test_loading_builds_float32_under_a_mixed_precision_policy(saved):
    _, path = saved
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        loaded = weights.build_and_load(models.mlp_generator, path, builder=BUILDER,
                                        builder_args=ARGS, remedy=REMEDY)
        assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy(previous)
    assert loaded.get_layer("hidden").compute_dtype == "float32"


def test_a_missing_file(tmp_path):
    path = tmp_path / "nowhere.weights.npz"
    with pytest.raises(weights.MissingWeightsFile) as error:
        _load(_tiny(), path)
    assert "does not exist" in _message_names_everything(error, path)
    assert isinstance(error.value, FileNotFoundError)


def _bad_file_cases(path, tmp_path):
    """(name, bytes-writer, expected words) for files that are not course weights files."""
    good = path.read_bytes()

    def truncated(target):
        target.write_bytes(good[: len(good) // 2])

    def text(target):
        target.write_text("this is not an archive\n")

    def empty(target):
        target.write_bytes(b"")

    def single_array(target):
        with open(target, "wb") as handle:
            np.save(handle, np.zeros(3))

    def no_signature(target):
        np.savez(target, **{"000/hidden/kernel": np.zeros((4, 8))})

    def pickled(target):
        np.savez(target, **{"000/hidden/kernel": np.array([{"a": 1}])})

    def broken_json(target):
        np.savez(target, **{weights.SIGNATURE_KEY: np.frombuffer(b"{no", np.uint8)})

    def other_format(target):
        blob = json.dumps({"format": "gan_utils.weights/99"}).encode()
        np.savez(target, **{weights.SIGNATURE_KEY: np.frombuffer(blob, np.uint8)})

    return [("truncated", truncated, "not a readable .npz"),
            ("text", text, "not an .npz archive (it starts with b'this i'"),
            ("empty", empty, "not an .npz archive (it starts with b''"),
            ("single_array", single_array, "single NumPy array"),
            ("no_signature", no_signature, "no '__signature__' entry"),
            ("pickled", pickled, "cannot be read"),
            ("broken_json", broken_json, "not valid JSON"),
            ("other_format", other_format, "'gan_utils.weights/99'")]


def test_every_broken_file_is_one_clear_error_and_loads_nothing(saved, tmp_path):
    _, path = saved
    for name, write, words in _bad_file_cases(path, tmp_path):
        target = tmp_path / f"{name}.weights.npz"
        write(target)
        model = _tiny(seed=5)
        before = [w.copy() for w in model.get_weights()]
        with pytest.raises(weights.WeightsFileError) as error:
            _load(model, target)
        assert words in _message_names_everything(error, target), (name, str(error.value))
        for now, then in zip(model.get_weights(), before, strict=True):
            np.testing.assert_array_equal(now, then)


def test_another_architecture_says_what_differs(saved, tmp_path):
    _, path = saved
    wider = models.mlp_generator(**{**ARGS, "hidden": 16})
    before = [w.copy() for w in wider.get_weights()]
    with pytest.raises(weights.WeightsFileError) as error:
        weights.load_into(wider, path, builder=BUILDER, builder_args={**ARGS, "hidden": 16},
                          remedy=REMEDY)
    message = _message_names_everything(error, path)
    assert "'hidden': 8" in message and "'hidden': 16" in message
    assert "hidden/kernel: file has shape (4, 8), the model (4, 16)" in message
    for now, then in zip(wider.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)

    with pytest.raises(weights.WeightsFileError, match=r"saved from 'gan_utils\.models\."
                                                       r"mlp_generator', the code builds 'x\.y'"):
        weights.load_into(_tiny(), path, builder="x.y", builder_args=ARGS, remedy=REMEDY)


def test_a_stored_array_of_the_wrong_shape_loads_nothing(saved, tmp_path):
    """The signature agrees with the model but one array does not (a hand-edited file)."""
    _, path = saved
    _, arrays = weights.read(path, REMEDY)
    with np.load(path) as archive:
        signature = archive[weights.SIGNATURE_KEY]
    arrays["003/pixels/bias"] = np.zeros(5, np.float32)
    target = tmp_path / "edited.npz"
    np.savez(target, **arrays, **{weights.SIGNATURE_KEY: signature})
    model = _tiny(seed=3)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(weights.WeightsFileError) as error:
        _load(model, target)
    assert "pixels/bias: the stored array has shape (5,), the model (6,)" in \
        _message_names_everything(error, target)
    for now, then in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_arguments_the_builder_refuses_are_a_clear_error(saved):
    _, path = saved
    with pytest.raises(weights.WeightsFileError, match=r"cannot be built \(hidden=-1"):
        weights.build_and_load(models.mlp_generator, path, builder=BUILDER,
                               builder_args={**ARGS, "hidden": -1}, remedy=REMEDY)


def test_save_refuses_a_name_that_is_not_npz_and_leaves_no_partial_file(tmp_path):
    with pytest.raises(ValueError, match=r"expected a file name ending in \.npz"):
        weights.save(_tiny(), tmp_path / "g.keras", builder=BUILDER, builder_args=ARGS)
    weights.save(_tiny(), tmp_path / "g.weights.npz", builder=BUILDER, builder_args=ARGS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.weights.npz"]


def test_shipped_file_remedy_names_the_install_source_and_the_tool(monkeypatch):
    monkeypatch.setenv("GAN_UTILS_SOURCE", "git+https://example.org/fork@branch")
    remedy = weights.shipped_file_remedy(
        "python scripts/assets/train_mnist_generators.py --only cgan_mnist")
    assert '"gan_utils @ git+https://example.org/fork@branch"' in remedy
    assert "--no-deps" in remedy and remedy.endswith("--only cgan_mnist")
