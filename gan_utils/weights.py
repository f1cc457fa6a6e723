"""The course's weights files: weights only, the architecture rebuilt from code.

A Keras ``.keras`` file stores each layer's configuration as the Keras that wrote it spells
it, and an older Keras may refuse a newer one's (Keras 3.13 cannot read 3.15's
``GlorotUniform(input_axes=...)``). So the shipped generators and classifiers, and the
generator a learner saves in notebook 06, are stored as weights only, in a NumPy ``.npz``
that every Keras 3 and NumPy 1.26 / 2.x reads the same way:

- one array per variable, under ``"<index>/<layer name>/<variable name>"`` (for example
  ``"003/project_bn/gamma"``), stored in float32 or, to halve the bytes, float16;
- ``"__signature__"``: UTF-8 JSON saying which builder made the model (for example
  ``"gan_utils.models.dcgan_mnist_generator"``), with which arguments, and the list of
  ``[path, shape, stored dtype]`` of every variable.

:func:`load_into` checks the whole file against the model the code builds *before* it
assigns a single weight, so a file either loads completely or not at all, and a file that
cannot be loaded raises one :class:`WeightsFileError` naming the file, the Keras version,
what differs and what to do. Nothing is unpickled (``allow_pickle=False``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Written into every file; a reader refuses a format it does not know.
FORMAT = "gan_utils.weights/1"
SIGNATURE_KEY = "__signature__"
#: The dtypes a file may store weights in (cast on load to each variable's own dtype).
STORAGE_DTYPES = ("float16", "float32")
#: How many differences an error message lists before it says "and N more".
_SHOWN_DIFFERENCES = 5


class WeightsFileError(ValueError):
    """A course weights file that cannot be loaded; the message says why and what to do."""


class MissingWeightsFile(WeightsFileError, FileNotFoundError):
    """The weights file does not exist."""


def shipped_file_remedy(rebuild_command: str) -> str:
    """What to do about a shipped file that does not load: reinstall gan_utils (from
    ``GAN_UTILS_SOURCE`` if set, as the notebooks' setup cell does), or rebuild it."""
    import os

    from gan_utils import COURSE_BRANCH, COURSE_REPOSITORY

    source = os.environ.get("GAN_UTILS_SOURCE",
                            f"git+https://github.com/{COURSE_REPOSITORY}@{COURSE_BRANCH}")
    return (f'Reinstall gan_utils (pip install --force-reinstall --no-deps '
            f'"gan_utils @ {source}"), or, in a clone of the course, rebuild the file: '
            f"{rebuild_command}")


def _keras_version() -> str:
    import keras

    return keras.__version__


def reject_file(path, problem: str, remedy: str,
                error: type[WeightsFileError] = WeightsFileError):
    """Raise one clear error: the file, the Keras version, the problem, the remedy."""
    raise error(f"cannot load {path} with Keras {_keras_version()}: {problem}. {remedy}") \
        from None


def variable_paths(model) -> dict[str, object]:
    """Every weight of ``model`` by ``"<layer name>/<variable name>"``, in the model's order.

    Built from layer and variable names (which the course's builders fix), not from
    ``Variable.path``, whose spelling has changed between Keras 3 releases. Random-seed
    and metric state are not weights and are left out, as ``model.weights`` leaves them.
    """
    paths: dict[str, object] = {}
    for layer in model.layers:
        for variable in layer.weights:
            path = f"{layer.name}/{variable.name.split('/')[-1].split(':')[0]}"
            if path in paths:
                raise ValueError(f"{model.name}: two weights are both called {path!r}; give "
                                 "the layers distinct names to save them")
            paths[path] = variable
    if len(paths) != len(model.weights):
        raise ValueError(f"{model.name}: {len(model.weights)} weights but {len(paths)} found "
                         "layer by layer (nested models are not supported)")
    return paths


def signature(model, builder: str, builder_args: dict,
              storage_dtype: str = "float32") -> dict:
    """The JSON-able description of ``model`` written into (and checked against) a file."""
    if storage_dtype not in STORAGE_DTYPES:
        raise ValueError(f"storage_dtype={storage_dtype!r}: expected one of {STORAGE_DTYPES}")
    return {
        "format": FORMAT,
        "builder": builder,
        "builder_args": _plain(builder_args),
        "variables": [[path, [int(n) for n in variable.shape], storage_dtype]
                      for path, variable in variable_paths(model).items()],
    }


def _plain(value):
    """``value`` as JSON gives it back (tuples become lists), so that comparisons are fair."""
    return json.loads(json.dumps(value))


def save(model, path, *, builder: str, builder_args: dict, storage_dtype: str = "float32",
         info: dict | None = None) -> Path:
    """Write ``model``'s weights and signature to ``path`` (an ``.npz``); returns the path.

    ``builder`` names the function that rebuilds the architecture (``"module.function"``)
    and ``builder_args`` its keyword arguments; ``info`` (JSON-able) travels along, for
    example the Keras version or the training run. Weights are cast to ``storage_dtype``
    (``"float16"`` halves the file; the loader casts back). The file is written next to
    its final name and renamed, so an interrupted save never leaves half a file.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"path={str(path)!r}: expected a file name ending in .npz")
    description = signature(model, builder, builder_args, storage_dtype)
    description["info"] = _plain({"keras": _keras_version(), **(info or {})})
    arrays = {f"{index:03d}/{name}": np.asarray(variable.numpy(), dtype=storage_dtype)
              for index, (name, variable) in enumerate(variable_paths(model).items())}
    arrays[SIGNATURE_KEY] = np.frombuffer(json.dumps(description).encode("utf-8"), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    try:
        np.savez_compressed(partial, **arrays)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def read(path, remedy: str) -> tuple[dict, dict[str, np.ndarray]]:
    """The signature and every array of a weights file, read and checked as a file.

    Raises :class:`WeightsFileError` (with ``remedy`` appended) for a missing, truncated
    or corrupted file, a file that is not an ``.npz``, or one without a readable signature.
    """
    path = Path(path)
    if not path.is_file():
        reject_file(path, "the file does not exist", remedy, MissingWeightsFile)
    with open(path, "rb") as handle:
        start = handle.read(6)
    if not start.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")):
        reject_file(path, f"it is not an .npz archive (it starts with {start!r}, an .npz with "
                   "b'PK\\x03\\x04')", remedy)
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        reject_file(path, f"it is not a readable .npz archive (truncated or corrupted? "
                    f"{type(error).__name__}: {error})", remedy)
    if not hasattr(archive, "files"):  # np.load gave one array (an .npy), not an archive
        reject_file(path, "it is a single NumPy array, not a course weights file (.npz)", remedy)
    try:
        with archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        reject_file(path, f"an entry cannot be read ({type(error).__name__}: {error})", remedy)
    if SIGNATURE_KEY not in arrays:
        reject_file(path, f"it has no {SIGNATURE_KEY!r} entry, so it is not a course weights file",
              remedy)
    try:
        description = json.loads(arrays.pop(SIGNATURE_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        reject_file(path, f"its signature is not valid JSON ({error})", remedy)
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        found = description.get("format") if isinstance(description, dict) else description
        reject_file(path, f"its format is {found!r}, this gan_utils reads {FORMAT!r} (a newer "
                    "gan_utils wrote it? upgrade gan_utils)", remedy)
    return description, arrays


def _differences(expected: dict, found: dict) -> list[str]:
    """What differs between two signatures (builder, arguments, variables), in words."""
    problems = []
    if found.get("builder") != expected["builder"]:
        problems.append(f"it was saved from {found.get('builder')!r}, the code builds "
                        f"{expected['builder']!r}")
    if found.get("builder_args") != expected["builder_args"]:
        problems.append(f"it was saved with arguments {found.get('builder_args')}, the code "
                        f"builds {expected['builder_args']}")
    want = {name: shape for name, shape, _ in expected["variables"]}
    try:
        have = {name: shape for name, shape, _ in found.get("variables", [])}
    except (TypeError, ValueError):
        return [*problems, "its list of variables is malformed"]
    problems += [f"{name}: file has shape {tuple(have[name])}, the model {tuple(shape)}"
                 for name, shape in want.items() if name in have and have[name] != shape]
    problems += [f"the model's {name} {tuple(shape)} is not in the file"
                 for name, shape in want.items() if name not in have]
    problems += [f"the file's {name} {tuple(shape)} is not in the model"
                 for name, shape in have.items() if name not in want]
    return problems


def _summary(problems: list[str]) -> str:
    shown = "; ".join(problems[:_SHOWN_DIFFERENCES])
    more = len(problems) - _SHOWN_DIFFERENCES
    return shown + (f"; and {more} more" if more > 0 else "")


def load_into(model, path, *, builder: str, builder_args: dict, remedy: str) -> dict:
    """Assign the weights in ``path`` to ``model``, all of them or none; returns the file's
    signature (with its ``"info"``).

    ``model`` must be what ``builder(**builder_args)`` builds; the file's signature must
    name the same builder and arguments and hold every variable with the model's shape,
    or a :class:`WeightsFileError` says what differs and adds ``remedy`` (what to do).
    Stored float16 weights are cast to each variable's dtype.
    """
    description, arrays = read(path, remedy)
    _check_and_assign(model, path, description, arrays, builder, builder_args, remedy)
    return description


def _check_and_assign(model, path, description: dict, arrays: dict[str, np.ndarray],
                      builder: str, builder_args: dict, remedy: str) -> None:
    """Compare the file with ``model`` completely, then (only if nothing differs) assign."""
    problems = _differences(signature(model, builder, builder_args), description)
    variables = variable_paths(model)
    stored = {key.split("/", 1)[-1]: value for key, value in arrays.items()}
    if not problems:
        for name, variable in variables.items():
            value = stored.get(name)
            if value is None:
                problems.append(f"the signature lists {name} but the file holds no array for it")
            elif tuple(value.shape) != tuple(variable.shape):
                problems.append(f"{name}: the stored array has shape {value.shape}, the "
                                f"model {tuple(variable.shape)}")
            elif value.dtype.name not in STORAGE_DTYPES:
                problems.append(f"{name} is stored as {value.dtype}, expected one of "
                                f"{STORAGE_DTYPES}")
    if problems:
        reject_file(path, _summary(problems), remedy)
    for name, variable in variables.items():
        variable.assign(stored[name].astype(variable.dtype))


@contextmanager
def dtype_policy(name: str):
    """Build models under the global dtype policy ``name`` ("float32", "mixed_bfloat16", ...),
    then restore the previous one, whatever happened inside."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def float32_policy():
    """Build models in float32 whatever the global (mixed precision) policy, then restore it:
    shipped weights always load into a float32 network."""
    return dtype_policy("float32")


def build_and_load(build: Callable, path, *, builder: str, builder_args: dict,
                   remedy: str, contents: tuple[dict, dict] | None = None):
    """``build(**builder_args)`` in float32, with the weights of ``path``: a ready model.

    The architecture comes from code, never from the file, so it loads under any Keras 3;
    see :func:`load_into` for the checks and the error. ``contents`` is what
    :func:`read` already returned for ``path``, if the caller has read it.
    """
    # A broken file fails before anything is built.
    description, arrays = read(path, remedy) if contents is None else contents
    try:
        with float32_policy():
            model = build(**builder_args)
    except (TypeError, ValueError) as error:
        reject_file(path, f"{builder}(**{builder_args}) cannot be built ({error})", remedy)
    _check_and_assign(model, path, description, arrays, builder, builder_args, remedy)
    return model
