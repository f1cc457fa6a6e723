"""The notebooks' setup cell, run as IPython would run it, in faked Colab and Kaggle kernels.

IPython's own input transformer turns the cell's ``%pip`` line into a
``get_ipython().run_line_magic("pip", ...)`` call; a fake ``get_ipython`` records that call
(expanding ``{...}`` with IPython's own formatter, as IPython's ``var_expand`` does) instead
of installing anything. Environment variables, ``google.colab``, the network (name lookups)
and which packages can be found are faked per test, so nothing leaves this machine.
"""

import importlib.util
import socket
import sys
import types
from pathlib import Path

import pytest
from _scripts import load_script
from IPython.core.inputtransformer2 import TransformerManager
from IPython.utils.text import DollarFormatter

ROOT = Path(__file__).resolve().parents[1]
course_notebook = load_script("dev/course_notebook.py")

CELL = TransformerManager().transform_cell(course_notebook.SETUP_SOURCE)


class PipCalled(Exception):
    """Raised by the fake %pip: the cell got as far as installing."""


class FakeShell:
    """Just enough of IPython's shell for the setup cell: run_line_magic records the line."""

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.magics: list[tuple[str, str]] = []

    def run_line_magic(self, name: str, line: str):
        expanded = DollarFormatter().vformat(line, args=[], kwargs=self.namespace)
        self.magics.append((name, expanded))
        raise PipCalled(expanded)


@pytest.fixture
def platform(monkeypatch):
    """Fake a platform: ``platform(colab=, kaggle=, missing=, online=)`` -> (namespace, shell)."""
    real_find_spec = importlib.util.find_spec

    def make(*, colab=False, kaggle=False, missing=(), online=True):
        monkeypatch.delenv("GAN_UTILS_SOURCE", raising=False)
        if kaggle:
            monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
        else:
            monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
        if colab:
            monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
        else:
            monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None
                            if name in missing else real_find_spec(name, *args))
        connections = []

        def look_up(host, port, *args, **kwargs):
            connections.append((host, port))
            if not online:
                raise socket.gaierror(-3, "Temporary failure in name resolution")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("151.101.0.223", port))]

        monkeypatch.setattr(socket, "getaddrinfo", look_up)
        namespace: dict = {}
        shell = FakeShell(namespace)
        namespace["get_ipython"] = lambda: shell
        namespace["connections"] = connections
        return namespace, shell

    return make


def run_cell(namespace):
    exec(compile(CELL, "<setup cell>", "exec"), namespace)


def test_the_cell_is_short_and_its_pip_line_becomes_an_ipython_magic_call():
    lines = course_notebook.SETUP_SOURCE.splitlines()
    assert len(lines) <= 10 and max(map(len, lines)) <= 88
    assert ("run_line_magic('pip', 'install --quiet \"gan_utils @ "
            "{os.environ.get(\\'GAN_UTILS_SOURCE\\', URL)}\"')") in CELL


def test_kaggle_with_internet_off_names_the_switch_and_never_runs_pip(platform):
    namespace, shell = platform(kaggle=True, missing={"gan_utils"}, online=False)
    with pytest.raises(SystemExit) as stopped:
        run_cell(namespace)
    message = str(stopped.value)
    assert "Kaggle's Internet is off" in message
    assert "Session options → Internet on" in message
    assert shell.magics == []
    assert namespace["connections"] == [("pypi.org", 443)]


def test_kaggle_with_internet_on_installs_from_the_course_repository(platform):
    namespace, shell = platform(kaggle=True, missing={"gan_utils"}, online=True)
    with pytest.raises(PipCalled):
        run_cell(namespace)
    from gan_utils import COURSE_BRANCH, COURSE_REPOSITORY
    assert shell.magics == [("pip", 'install --quiet "gan_utils @ git+https://github.com/'
                                    f'{COURSE_REPOSITORY}@{COURSE_BRANCH}"')]


def test_gan_utils_source_overrides_the_install_address(platform, monkeypatch):
    namespace, shell = platform(colab=True, missing={"gan_utils"})
    monkeypatch.setenv("GAN_UTILS_SOURCE", "git+https://example.org/fork.git@branch")
    with pytest.raises(PipCalled):
        run_cell(namespace)
    assert shell.magics == [("pip", 'install --quiet "gan_utils @ '
                                    'git+https://example.org/fork.git@branch"')]
    assert namespace["connections"] == []  # the internet check is Kaggle's only


def test_colab_tpu_runtime_without_tensorflow_says_what_to_pick(platform):
    namespace, shell = platform(colab=True, missing={"gan_utils", "tensorflow"})
    with pytest.raises(SystemExit) as stopped:
        run_cell(namespace)
    message = str(stopped.value)
    assert message == "no TensorFlow: choose Runtime → Change runtime type → T4 GPU or CPU"
    assert shell.magics == []


def test_without_tensorflow_outside_colab_pip_installs_it_with_gan_utils(platform):
    namespace, shell = platform(missing={"gan_utils", "tensorflow"})
    with pytest.raises(PipCalled):
        run_cell(namespace)
    assert len(shell.magics) == 1


def test_with_gan_utils_installed_nothing_is_installed_and_start_runs(platform, monkeypatch,
                                                                    capsys):
    import gan_utils
    from gan_utils import runtime

    checked = []
    monkeypatch.setattr(gan_utils, "check_versions", lambda: checked.append(True))
    monkeypatch.setattr(runtime, "describe", lambda: "local | CPU | mode: quick")
    namespace, shell = platform(kaggle=True, online=False)
    run_cell(namespace)
    assert shell.magics == [] and namespace["connections"] == []
    assert namespace["gan_utils"] is gan_utils and checked == [True]
    assert capsys.readouterr().out == "local | CPU | mode: quick\n"


def test_start_stops_on_a_package_too_old_before_describing(monkeypatch, capsys):
    import gan_utils

    monkeypatch.setattr(gan_utils, "FLOORS", (("numpy", "numpy", "999.0"),))
    with pytest.raises(RuntimeError, match=r"numpy .* \(needs 999.0\+\)"):
        gan_utils.start()
    assert capsys.readouterr().out == ""
