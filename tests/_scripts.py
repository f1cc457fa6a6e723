"""Load one of the repository's scripts (scripts/, dev/) as a module, by its path."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script(relative_path: str):
    """The script at ``relative_path`` (from the repository root), imported once."""
    path = ROOT / relative_path
    name = path.stem
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # dataclasses and pickling look the module up by name
    spec.loader.exec_module(module)
    return module
