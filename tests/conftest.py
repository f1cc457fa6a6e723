"""Fixtures shared by the unit tests (the session settings are in the root conftest.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helper modules _*.py beside the tests


@pytest.fixture(scope="module")
def shell():
    """An IPython shell, so that display() publishes as it does in a kernel (figures as
    PNG, as the inline backend of a notebook kernel shows them); removed afterwards when made
    here, so later tests run outside IPython again."""
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    existed = InteractiveShell.initialized()
    instance = InteractiveShell.instance()
    select_figure_formats(instance, {"png"})
    yield instance
    if not existed:
        InteractiveShell.clear_instance()
