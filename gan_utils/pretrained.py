"""The generators shipped with the course, and a learner's own saved generator.

The shipped ones live in ``gan_utils/assets`` as float16 weights files with a model card
each; their architectures are :mod:`gan_utils.models`' builders, so any Keras 3 loads
them. :func:`generator` loads one by name; :func:`save_generator` and
:func:`load_generator` keep a generator a learner trained (notebook 06 writes one,
notebook 09 explores it, :func:`trained_or_pretrained` picks it or the shipped one).
"""

from __future__ import annotations

from pathlib import Path

from gan_utils import ASSETS_DIR, models

#: The generators shipped in gan_utils/assets, by name: (builder, its arguments).
GENERATORS = {
    "dcgan_mnist": ("dcgan_mnist_generator", {"latent_dim": 100}),
    "infogan_mnist": ("info_dcgan_mnist_generator", {"latent_dim": 100, "codes": 20}),
    "cgan_mnist": ("cgan_mnist_generator", {"latent_dim": 100, "num_classes": 10}),
    "cifar10_frog": ("frog_generator", {"latent_dim": 32, "filters": 64}),
}
#: The builders a saved generator may name (its architecture is rebuilt by one of these).
GENERATOR_BUILDERS = ("mlp_generator", "dcgan_mnist_generator", "info_dcgan_mnist_generator",
                      "frog_generator",
                      "dcgan64_generator", "cgan_mnist_generator")
#: What notebook 06 writes into its output folder: the weights and how they were trained.
GENERATOR_WEIGHTS_FILE = "generator.weights.npz"
GENERATOR_INFO_FILE = "generator.json"


def _check_pretrained_name(name: str) -> str:
    if name not in GENERATORS:
        raise ValueError(f"name={name!r}: no shipped generator of that name; expected one of "
                         f"{sorted(GENERATORS)}")
    return name


def _builder_id(builder_name: str) -> str:
    """How a weights file names a builder of :mod:`gan_utils.models`."""
    return f"{models.__name__}.{builder_name}"


def file_path(name: str):
    """Where the shipped generator ``name`` lives:
    gan_utils/assets/<name>_generator.weights.npz (float16 weights, no Keras config)."""
    return ASSETS_DIR / f"{_check_pretrained_name(name)}_generator.weights.npz"


def model_card(name: str) -> str:
    """The model card of a shipped generator (data, steps, FID, the command that built it)."""
    return (ASSETS_DIR / f"{_check_pretrained_name(name).upper()}_MODEL_CARD.md").read_text()


def save(generator, name: str, path=None):
    """Write ``generator``'s weights as the shipped generator ``name`` (float16, half the
    bytes) to ``path`` (default: :func:`file_path`); the training scripts in
    ``scripts/assets`` call it. Returns the path."""
    from gan_utils import weights

    builder_name, builder_args = GENERATORS[_check_pretrained_name(name)]
    return weights.save(generator, file_path(name) if path is None else path,
                        builder=_builder_id(builder_name), builder_args=builder_args,
                        storage_dtype="float16")


def load(name: str, path=None):
    """The shipped generator ``name`` rebuilt from code (float32) with the weights in
    ``path`` (default: :func:`file_path`); see :func:`generator`."""
    from gan_utils import weights

    builder_name, builder_args = GENERATORS[_check_pretrained_name(name)]
    return weights.build_and_load(
        getattr(models, builder_name), file_path(name) if path is None else path,
        builder=_builder_id(builder_name), builder_args=builder_args,
        remedy=weights.shipped_file_remedy(rebuild_command(name)))


def rebuild_command(name: str) -> str:
    """The command that rebuilds the shipped generator ``name`` from the data."""
    if _check_pretrained_name(name) == "cifar10_frog":
        return "python scripts/assets/train_frog_generator.py"
    return f"python scripts/assets/train_mnist_generators.py --only {name}"


def generator(name: str):
    """A shipped, trained generator by name (``GENERATORS`` lists them).

    ``"dcgan_mnist"``: the plain DCGAN generator of notebook 06
    (:func:`gan_utils.models.dcgan_mnist_generator`), z (N, 100) -> (N, 28, 28, 1) in [-1, 1].
    ``"infogan_mnist"``: the same network behind InfoGAN's code
    (:func:`gan_utils.models.info_dcgan_mnist_generator`: z_0 picks one of 20 code
    values, see :func:`gan_utils.models.latent_code`), z (N, 100) -> (N, 28, 28, 1).
    ``"cgan_mnist"``: notebook 10's, [z (N, 100), labels (N,) int] -> (N, 28, 28, 1).
    ``"cifar10_frog"``: notebook 08's frog generator, z (N, 32) -> (N, 32, 32, 3), trained
    by ``scripts/assets/train_frog_generator.py`` on CIFAR-10's 5,000 training frogs.
    Returned as a float32 Keras model. The file holds only float16 weights (half the
    bytes): the architecture is built by this module's code, so it loads on any Keras 3,
    and a file that does not fit raises ``gan_utils.weights.WeightsFileError`` saying
    what to do. Trained by ``scripts/assets/train_mnist_generators.py`` (the frogs:
    ``scripts/assets/train_frog_generator.py``); :func:`model_card`
    says how and how well.
    """
    return load(name)


def _check_builder(builder_name: str) -> str:
    if builder_name not in GENERATOR_BUILDERS:
        raise ValueError(f"builder={builder_name!r}: expected one of {GENERATOR_BUILDERS}")
    return builder_name


def save_generator(generator, folder, builder: str = "dcgan_mnist_generator",
                   builder_args: dict | None = None, info: dict | None = None):
    """Save a generator the learner trained, as notebook 06 does: its weights in
    ``folder/generator.weights.npz`` and ``info`` (how it was trained) in
    ``folder/generator.json``. Returns the weights file's path.

    ``generator`` must be what ``builder(**builder_args)`` of this module builds (the
    notebook's own copy of it is); that is checked now, so that :func:`load_generator`
    can rebuild it later from code, on whatever Keras the runtime has by then.
    """
    import json

    from gan_utils import weights

    builder_args = dict(builder_args or {})
    with weights.float32_policy():
        reference = getattr(models, _check_builder(builder))(**builder_args)
    wanted = {path: tuple(v.shape) for path, v in weights.variable_paths(reference).items()}
    found = {path: tuple(v.shape) for path, v in weights.variable_paths(generator).items()}
    if wanted != found:
        differing = sorted(set(wanted.items()) ^ set(found.items()))[:5]
        raise ValueError(f"{generator.name} is not the network models.{builder}"
                         f"(**{builder_args}) builds (differing weights: {differing}); pass "
                         "the builder and arguments that build it")
    folder = Path(folder)
    path = weights.save(generator, folder / GENERATOR_WEIGHTS_FILE,
                        builder=_builder_id(builder), builder_args=builder_args,
                        info={"builder": builder})
    (folder / GENERATOR_INFO_FILE).write_text(json.dumps(info or {}, indent=2))
    return path


def load_generator(folder):
    """The generator :func:`save_generator` wrote to ``folder``, rebuilt from code in
    float32, and its training info: ``(generator, info)``.

    Raises ``gan_utils.weights.WeightsFileError`` (missing, broken or foreign file) with
    what to do: rerun the notebook's training and saving cells.
    """
    import json

    from gan_utils import weights

    path = Path(folder) / GENERATOR_WEIGHTS_FILE
    remedy = ("Rerun notebook 06's training and saving cells to write it again, or delete "
              f"{path} to use the course's shipped generator.")
    contents = weights.read(path, remedy)
    builder = str(contents[0].get("builder", ""))
    module, _, builder_name = builder.rpartition(".")
    if module != models.__name__ or builder_name not in GENERATOR_BUILDERS:
        weights.reject_file(path, f"it names the builder {builder!r}, expected one of "
                           f"{[_builder_id(b) for b in GENERATOR_BUILDERS]}", remedy)
    builder_args = contents[0].get("builder_args")
    if not isinstance(builder_args, dict):
        weights.reject_file(path, f"its builder arguments are {builder_args!r}, not a mapping",
                            remedy)
    generator = weights.build_and_load(getattr(models, builder_name), path, builder=builder,
                                       builder_args=builder_args, remedy=remedy,
                                       contents=contents)
    info_file = Path(folder) / GENERATOR_INFO_FILE
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    return generator, info


def trained_or_pretrained(folder, name: str = "dcgan_mnist"):
    """The generator a learner trained (e.g. in notebook 06), else the shipped one.

    ``folder`` holds ``generator.weights.npz`` and ``generator.json`` as notebook 06 writes
    them with :func:`save_generator` (relative paths are relative to the working
    directory, i.e. the notebook). A quick-mode (CI-sized) generator draws noise, so it is
    ignored, and so is a file that cannot be loaded (the description says why). Returns
    ``(generator, description)``, the description saying which one it is.
    """
    import json

    from gan_utils import weights

    folder = Path(folder)
    model_file, info_file = folder / GENERATOR_WEIGHTS_FILE, folder / GENERATOR_INFO_FILE
    if model_file.exists() and info_file.exists():
        info = json.loads(info_file.read_text())
        if not info.get("quick_mode", True):
            try:
                learned, info = load_generator(folder)
            except weights.WeightsFileError as error:
                reason = str(error)
            else:
                return learned, (f"your generator from {model_file} ({info.get('steps')} "
                                   f"steps, FID {info.get('fid', float('nan')):.1f})")
        else:
            reason = f"{model_file} is from a quick (CI) run, so it is ignored"
    elif (folder / "generator.keras").exists():
        reason = (f"{folder / 'generator.keras'} is in the old .keras format, which another "
                  "Keras version may not read; rerun notebook 06's saving cell")
    else:
        reason = f"no trained generator in {folder}"
    return generator(name), f"the course's pretrained {name!r} ({reason})"
