"""Convert the shipped ``.keras`` models to weights files, without retraining, and prove it.

Until commit ae6d600 the course shipped four ``.keras`` files saved by Keras 3.15, which
Keras 3.13 (Colab's, Kaggle's) cannot read. This script takes them from that commit (or
from ``--keras-dir``), loads them with a Keras that can (3.14 or newer), writes
``gan_utils/assets/*.weights.npz`` (or into ``--output-dir``), loads those back the way
the course does (architecture from code) and checks that nothing changed:

- generators (float16 files): every stored weight is bitwise the old file's, and the
  rebuilt float32 model's images equal, exactly, those of the old loading path (the old
  model copied into a float32 model);
- classifiers (float32 files): every weight bitwise equal, and logits and features equal
  exactly on fixed inputs.

Run from the repository root (prints one line per model; exit status 1 on any mismatch)::

    python tools/convert_keras_assets.py
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_utils import metrics, models, weights  # noqa: E402

SOURCE_COMMIT = "ae6d600"
GENERATORS = ("cgan_mnist",)   # dcgan_mnist was retrained since (train_pretrained.py, with
                                # InfoGAN's code): its old .keras file is not what ships
CLASSIFIERS = ("mnist", "cifar10")


def old_file(name: str, keras_dir: Path | None, scratch: Path) -> Path:
    """The old ``.keras`` file: from ``keras_dir`` if given, else from git at SOURCE_COMMIT."""
    if keras_dir is not None:
        return keras_dir / name
    target = scratch / name
    blob = subprocess.run(["git", "show", f"{SOURCE_COMMIT}:gan_utils/assets/{name}"],
                          cwd=ROOT, check=True, capture_output=True).stdout
    target.write_bytes(blob)
    return target


def same_weights(old_model, path: Path) -> bool:
    """Every array in the new file is bitwise the old model's weight of the same path."""
    _, arrays = weights.read(path, remedy="")
    stored = {key.split("/", 1)[1]: value for key, value in arrays.items()}
    old = {name: variable.numpy() for name, variable in weights.variable_paths(old_model).items()}
    return stored.keys() == old.keys() and all(
        stored[name].dtype == old[name].dtype and stored[name].tobytes() == old[name].tobytes()
        for name in old)


def convert_generator(name: str, old_path: Path, output_dir: Path) -> bool:
    import keras

    old = keras.models.load_model(old_path, compile=False)
    path = models.save_pretrained_generator(old, name,
                                            output_dir / models.pretrained_path(name).name)
    new = models.load_pretrained_generator(name, path)
    builder_name, builder_args = models.PRETRAINED_GENERATORS[name]
    with weights.float32_policy():  # the old loading path: a float32 copy of the old model
        old32 = getattr(models, builder_name)(**builder_args)
    old32.set_weights([np.asarray(w, np.float32) for w in old.get_weights()])
    rng = np.random.default_rng(0)
    z = rng.standard_normal((64, 100)).astype(np.float32)
    inputs = [z, (np.arange(64) % 10).astype(np.int32)] if name == "cgan_mnist" else z
    ours = np.asarray(new(inputs, training=False))
    theirs = np.asarray(old32(inputs, training=False))
    ok = same_weights(old, path) and np.array_equal(ours, theirs)
    print(f"{name}: {old_path.name} ({old_path.stat().st_size / 1e6:.2f} MB) -> {path.name} "
          f"({path.stat().st_size / 1e6:.2f} MB); float16 weights bitwise equal: "
          f"{same_weights(old, path)}; 64 images equal exactly: {np.array_equal(ours, theirs)} "
          f"(max |difference| {np.max(np.abs(ours - theirs)):.1e})")
    return ok


def convert_classifier(dataset: str, old_path: Path, output_dir: Path) -> bool:
    import keras

    old = keras.models.load_model(old_path, compile=False)
    path = metrics.save_classifier(old, output_dir / metrics.COURSE_CLASSIFIERS[dataset].path.name,
                                   dataset)
    new = metrics.load_classifier(path, dataset)
    shape = metrics.COURSE_CLASSIFIERS[dataset].image_shape
    x = np.random.default_rng(1).uniform(-1, 1, (64, *shape)).astype(np.float32)

    def logits_and_features(model):
        both = keras.Model(model.input, [model.output,
                                         model.get_layer(metrics.FEATURE_LAYER).output])
        return [np.asarray(out) for out in both(x, training=False)]

    equal = all(np.array_equal(a, b) for a, b in zip(logits_and_features(new),
                                                     logits_and_features(old), strict=True))
    print(f"{dataset} classifier: {old_path.name} ({old_path.stat().st_size / 1024:.0f} KiB) -> "
          f"{path.name} ({path.stat().st_size / 1024:.0f} KiB); float32 weights bitwise equal: "
          f"{same_weights(old, path)}; logits and features on 64 inputs equal exactly: {equal}")
    return same_weights(old, path) and equal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-dir", type=Path, default=None,
                        help=f"folder of the old .keras files (default: git {SOURCE_COMMIT})")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "gan_utils" / "assets")
    args = parser.parse_args()
    import keras

    print(f"Keras {keras.__version__}, NumPy {np.__version__}")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        ok = [convert_generator(name, old_file(f"{name}_generator.keras", args.keras_dir,
                                               Path(scratch)), args.output_dir)
              for name in GENERATORS]
        ok += [convert_classifier(dataset, old_file(f"{dataset}_classifier.keras",
                                                    args.keras_dir, Path(scratch)),
                                  args.output_dir)
               for dataset in CLASSIFIERS]
    print("all four converted without a change" if all(ok) else "MISMATCH: see above")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
