#!/usr/bin/env python3
"""One CI job that reproduces a learner's platform: Colab, Kaggle, the lowest versions, or
a local install of the latest versions.

    python3 .ci/platform_job.py colab|kaggle|lowest|latest   # the whole job
    python3 .ci/platform_job.py prepare|notebooks JOB DIR   # its two halves (.ci/run)
    python3 .ci/platform_job.py refresh colab|kaggle FOLDER # a newer published list

The platforms' published package lists live in .ci/platforms/ (see its README).

Each of the colab, kaggle and lowest jobs (standard library only, so any Python 3 runs it):

1. builds a fresh virtual environment with the platform's Python (pyenv) holding the
   platform's exact versions of every package the course imports or runs notebooks with
   (its published ``pip freeze`` as a constraints file; for ``lowest``, the floors that
   pyproject.toml declares);
2. installs gan_utils exactly as the notebooks' setup cell does: ``pip install
   "gan_utils @ git+file://<checkout>@<commit>"``, not editable, no constraints;
3. compares ``pip freeze --all`` before and after, prints every package the install
   changed ("none" when none) and fails if a package that was there before changed;
4. executes every notebook in quick mode, each copied alone into an empty folder (in
   Colab a notebook arrives without the repository around it), with this environment's
   kernel (.ci/execute_notebooks.py, run by the environment's own Python).

The ``latest`` job is the README's local install: ``python3 -m venv`` and ``pip install -r
requirements.txt`` (the newest versions it allows, gan_utils editable from the checkout), then
step 4. The unit job of .ci/run runs the unit tests in the same environment.

Step 1 installs with uv's pip (``uv pip install``, the same versions, several times faster
than pip and lighter on the CPU) when ``GAN_CI_UV`` names a uv executable (.ci/run installs
one), else with the environment's own pip. Steps 2 and 3, and the latest job's install, are
always pip's, as the learner runs them. Downloads are cached for all jobs in
``GAN_CI_PIP_CACHE`` (default ``~/.cache/gan-course-ci/pip``) and ``GAN_CI_UV_CACHE``
(default ``~/.cache/gan-course-ci/uv``).

Step 4 runs ``GAN_CI_NOTEBOOK_JOBS`` notebooks at a time (default 1), and keeps the executed
notebooks in ``$GAN_CI_EXECUTED_DIR/JOB/`` when ``GAN_CI_EXECUTED_DIR`` is set (see
.ci/execute_notebooks.py). Kernels draw with matplotlib's Agg backend (no figure outputs),
except in the latest job, whose notebooks .ci/run's site job turns into the course website:
there they keep the kernel's inline backend and run with ``GAN_UTILS_STATIC_SITE=1`` (each
widget also shows a picture of itself), as scripts/docs/build_site.py executes them. Exit status:
0 only when every step passed.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ROOT / ".ci" / "platforms"   # the platforms' published package lists
#: The files of each platform's list, as .ci/platforms/<platform>/ keeps them.
PLATFORM_FILES = {"colab": ("pip-freeze.txt", "pip-freeze.gpu.txt", "pip-freeze.tpu.txt",
                            "os-info.txt"),
                  "kaggle": ("colab-base-pip-freeze.txt", "kaggle_requirements.txt")}

# What the course imports (gan_utils and the notebooks) and what runs its notebooks
# (a kernel and a notebook client). Their versions come from the platform's constraints.
COURSE_PACKAGES = ["tensorflow", "keras", "numpy", "scipy", "matplotlib", "pillow",
                   "tqdm", "ipywidgets", "ipython"]
RUNNER_PACKAGES = ["ipykernel", "jupyter_client", "nbformat", "nbclient"]

# Kaggle builds on Colab's base image, then pip-installs its own pins. Those pins move
# these base packages with them (ipywidgets 8 needs widgetsnbextension 4; nbconvert 6.4.5
# needs nbclient < 0.6 and mistune < 2), so the base's pins for them do not hold on Kaggle.
KAGGLE_MOVES = {"widgetsnbextension", "nbclient", "mistune"}

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")
FLOOR = re.compile(r'^"?([A-Za-z0-9][A-Za-z0-9._-]*)>=([^,"\s;]+)')


def canonical(name: str) -> str:
    """PEP 503 normalised name: ImageIO, imageio and image_io are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of a pip freeze or requirements file, by canonical name."""
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonical(match.group(1))] = match.group(2)
    return found


def pyproject_floors() -> dict[str, str]:
    """``name>=version`` of pyproject.toml's [project] dependencies (read as text: 3.10 has
    no tomllib)."""
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S)
    if not block:
        raise SystemExit("pyproject.toml: no [project] dependencies list found")
    floors = {}
    for line in block.group(1).splitlines():
        match = FLOOR.match(line.strip())
        if match:
            floors[canonical(match.group(1))] = match.group(2)
    return floors


def requires_python_floor() -> str:
    """The lowest Python pyproject.toml declares, e.g. "3.10"."""
    match = re.search(r'^requires-python = ">=(\d+\.\d+)', (ROOT / "pyproject.toml").read_text(),
                      re.M)
    if not match:
        raise SystemExit("pyproject.toml: requires-python must read \">=3.X\"")
    return match.group(1)


def job_settings(job: str) -> tuple[str, dict[str, str], list[str], str]:
    """(pyenv Python version, constraints, extra packages, description) of one job."""
    if job == "colab":
        constraints = pins(PLATFORMS / "colab" / "pip-freeze.txt")
        return "3.13.0", constraints, [], "Colab: Python 3.13, Colab's pip freeze as constraints"
    if job == "kaggle":
        base = pins(PLATFORMS / "kaggle" / "colab-base-pip-freeze.txt")
        own = pins(PLATFORMS / "kaggle" / "kaggle_requirements.txt")
        constraints = {name: version for name, version in base.items()
                       if name not in KAGGLE_MOVES and name not in own}
        constraints.update(own)
        return ("3.12.1", constraints, ["nbconvert"],
                "Kaggle: Python 3.12.1 (pyenv's nearest to Kaggle's 3.12.13), Colab's May "
                "base freeze + Kaggle's own pins")
    if job == "lowest":
        python = {"3.10": "3.10.13", "3.11": "3.11.7", "3.12": "3.12.1"}[requires_python_floor()]
        return (python, pyproject_floors(), [],
                f"lowest: Python {python}, every floor pyproject.toml declares")
    if job == "latest":
        return ("", {}, [], "latest: python3 -m venv, then pip install -r requirements.txt "
                "(the README's local install)")
    if job == "gpu":
        return ("", {}, [], "gpu: the notebooks' gpu profiles in the latest environment")
    raise SystemExit(f"unknown job {job!r}: expected colab, kaggle, lowest, latest or gpu")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, echoing it; stop the job with its output when it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run(command, text=True, capture_output=True, **kwargs)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
        raise SystemExit(f"command failed with exit status {result.returncode}")
    return result


def freeze(python: Path) -> dict[str, str]:
    """{canonical name: version} of everything installed in an environment."""
    lines = run([str(python), "-m", "pip", "freeze", "--all"]).stdout.splitlines()
    found = {}
    for line in lines:
        if " @ " in line:
            name, source = line.split(" @ ", 1)
            found[canonical(name)] = source.strip()
        elif (match := PIN.match(line)):
            found[canonical(match.group(1))] = match.group(2)
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What an install did to the packages that were there before, as lines."""
    lines = []
    for name in sorted(before):
        if name not in after:
            lines.append(f"removed {name} {before[name]}")
        elif after[name] != before[name]:
            lines.append(f"changed {name} {before[name]} -> {after[name]}")
    return lines


def git_source() -> str:
    """The setup cell's install source for this checkout: a git address at its commit."""
    commit = run(["git", "-C", str(ROOT), "rev-parse", "HEAD"]).stdout.strip()
    dirty = run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]).stdout
    if dirty.strip():
        print("note: uncommitted changes are not part of the install (pip installs commit "
              f"{commit[:10]}):\n{dirty}")
    return f"git+file://{ROOT}@{commit}"


def job_env(version: str) -> dict[str, str]:
    """The environment for pip and the kernels: shared caches, the job's pyenv Python (none
    for the latest job: the python3 on PATH), and never this checkout on PYTHONPATH (the
    installed gan_utils is the one under test)."""
    caches = Path.home() / ".cache" / "gan-course-ci"
    env = {**os.environ, "PIP_CACHE_DIR": os.environ.get("GAN_CI_PIP_CACHE", str(caches / "pip")),
           "UV_CACHE_DIR": os.environ.get("GAN_CI_UV_CACHE", str(caches / "uv")),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if version:
        env["PYENV_VERSION"] = version
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "GAN_CI_EXECUTED_DIR"):
        env.pop(name, None)
    return env


def installer(python: Path, env: dict[str, str]) -> list[str]:
    """The command that installs the platform's packages into one environment: uv's pip
    when GAN_CI_UV names uv (bytecode compiled as pip compiles it, so that kernels start
    as fast), else the environment's own pip."""
    uv = env.get("GAN_CI_UV")
    if uv:
        return [uv, "pip", "install", "--quiet", "--python", str(python), "--compile-bytecode"]
    return [str(python), "-m", "pip", "install", "--quiet"]


def cpu_seconds() -> float:
    """User + system CPU time of the finished child processes so far (pip, uv, the kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def prepare_latest(work: Path, env: dict[str, str]) -> int:
    """The README's local install, in work/venv: python3 -m venv, then pip install -r
    requirements.txt (gan_utils editable from this checkout)."""
    started = time.monotonic()
    venv = work / "venv"
    run(["python3", "-m", "venv", "--clear", str(venv)], env=env)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], env=env,
        cwd=ROOT)
    installed = freeze(python)
    print("environment:", ", ".join(f"{name} {installed.get(canonical(name))}" for name in
                                    COURSE_PACKAGES + RUNNER_PACKAGES + ["pytest", "nbval"]))
    (work / "source.txt").write_text(git_source())
    print(f"[latest] environment and install: {time.monotonic() - started:.0f} s, "
          f"CPU {cpu_seconds():.0f} s")
    return 0


def prepare(job: str, work: Path) -> int:
    """Steps 1-3: the platform's environment in work/venv, gan_utils installed into it as the
    setup cell installs it, and the check that this changed nothing."""
    started = time.monotonic()
    version, constraints, extra, description = job_settings(job)
    print(f"== {description}")
    env = job_env(version)
    work.mkdir(parents=True, exist_ok=True)
    if job == "latest":
        return prepare_latest(work, env)
    constraints_file = work / "constraints.txt"
    constraints_file.write_text("".join(f"{name}=={pin}\n" for name, pin in
                                        sorted(constraints.items())))

    base_python = run(["pyenv", "which", f"python{version.rsplit('.', 1)[0]}"],
                      env=env).stdout.strip()
    venv = work / "venv"
    run([base_python, "-m", "venv", "--clear", str(venv)], env=env)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    install = installer(python, env)
    # The platform's own pip (Colab's and Kaggle's freezes list one); lowest: the newest.
    pip_pin = ["pip"] if "pip" in constraints else ["--upgrade", "pip"]
    run(install + ["-c", str(constraints_file)] + pip_pin, env=env)
    run(install + ["-c", str(constraints_file)] + COURSE_PACKAGES + RUNNER_PACKAGES + extra,
        env=env)

    before = freeze(python)
    mismatched = [f"{name} {before.get(name)} (wanted {constraints[name]})"
                  for name in COURSE_PACKAGES + RUNNER_PACKAGES + extra
                  if canonical(name) in constraints
                  and before.get(canonical(name)) != constraints[canonical(name)]]
    if mismatched:
        print("the environment does not hold the platform's versions:", *mismatched, sep="\n  ")
        return 1
    print("environment:", ", ".join(f"{name} {before.get(canonical(name))}" for name in
                                    COURSE_PACKAGES + RUNNER_PACKAGES + extra))

    source = git_source()
    (work / "source.txt").write_text(source)
    # Exactly the setup cell's command (%pip install --quiet "gan_utils @ SOURCE").
    run(pip + [f"gan_utils @ {source}"], env=env)
    after = freeze(python)
    added = sorted(set(after) - set(before) - {"gan-utils"})
    # A package the platform has, but this smaller environment lacked, counts as changed
    # when the install brought a version other than the platform's.
    changed = changes(before, after) + [
        f"changed {name} {constraints[name]} -> {after[name]} (the platform's version)"
        for name in added if name in constraints and after[name] != constraints[name]]
    print(f"[{job}] packages the install changed: " + ("; ".join(changed) or "none"))
    print(f"[{job}] packages the install added besides gan_utils: " + (", ".join(added) or "none"))
    print(f"[{job}] environment and install: {time.monotonic() - started:.0f} s, "
          f"CPU {cpu_seconds():.0f} s")
    if changed:
        print(f"[{job}] FAILED: installing gan_utils changed the platform's packages")
        return 1
    return 0


def notebooks(job: str, work: Path) -> int:
    """Step 4: every notebook, quick mode, each alone in an empty folder, with the kernel of
    the environment prepare() built."""
    version = job_settings(job)[0]
    env = job_env(version)
    python = work / "venv" / "bin" / "python"
    env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"
    data = datasets_folder()
    if data is not None:
        env["GAN_UTILS_DATA"] = str(data)
    env.update(GAN_UTILS_QUICK="1", MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2",
               PYDEVD_DISABLE_FILE_VALIDATION="1",
               GAN_UTILS_SOURCE=(work / "source.txt").read_text())
    if job == "latest":  # its executed notebooks build the website (.ci/run's site job):
        del env["MPLBACKEND"]  # the kernel's inline backend, so that figures are outputs,
        env["GAN_UTILS_STATIC_SITE"] = "1"  # and each widget also shows a picture of itself
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if job == "gpu":  # every gpu profile on this CPU: float16 with loss scaling, its XLA,
        # steps_per_execution and strategy; quick mode's step counts and data sizes
        env.update(GAN_UTILS_PROFILE="gpu", GAN_UTILS_PRECISION="mixed_float16")
        paths = [path for path in paths if "runtime.choose_profile(" in path.read_text()]
    command = [str(python), str(ROOT / ".ci" / "execute_notebooks.py"), *map(str, paths)]
    if os.environ.get("GAN_CI_EXECUTED_DIR"):
        command += ["--executed-dir", str(Path(os.environ["GAN_CI_EXECUTED_DIR"]) / job)]
    if job == "latest":  # the same run tries every exercise's stored right and wrong answers
        command.append("--check-exercises")
    started = time.monotonic()
    status = subprocess.run(command, env=env, cwd=work).returncode
    print(f"[{job}] notebooks: {time.monotonic() - started:.0f} s, CPU {cpu_seconds():.0f} s")
    return status


def datasets_folder() -> Path | None:
    """The datasets the kernels read: GAN_UTILS_DATA, else ../shared/datasets when it exists,
    else None (gan_utils.data then downloads through keras.datasets)."""
    if os.environ.get("GAN_UTILS_DATA"):
        return Path(os.environ["GAN_UTILS_DATA"]).resolve()
    shared = ROOT.parent / "shared" / "datasets"
    return shared.resolve() if shared.is_dir() else None


def refresh(platform: str, source: Path) -> int:
    """Copy a newer published package list of ``platform`` from the folder ``source`` (files
    named as in PLATFORM_FILES) into .ci/platforms/<platform>/, and print what changed among
    the packages the course uses. Update that folder's README with the source's commit."""
    if platform not in PLATFORM_FILES:
        raise SystemExit(f"refresh {platform}: expected one of {', '.join(PLATFORM_FILES)}")
    missing = [name for name in PLATFORM_FILES[platform] if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"{source}: missing {', '.join(missing)}")
    target = PLATFORMS / platform
    for name in PLATFORM_FILES[platform]:
        file = target / name
        before = pins(file) if file.is_file() else {}
        file.write_bytes((source / name).read_bytes())
        after = pins(file)
        for package in COURSE_PACKAGES:
            if before.get(package) != after.get(package):
                print(f"{platform}/{name}: {package} {before.get(package)} -> "
                      f"{after.get(package)}")
    return 0


def main(argv: list[str]) -> int:
    """``JOB`` (everything), or ``prepare JOB DIR`` then ``notebooks JOB DIR`` (.ci/run builds
    the next job's environment while the current one runs its notebooks), or ``refresh
    PLATFORM FOLDER`` (a newer published package list)."""
    if len(argv) == 3 and argv[0] == "refresh":
        return refresh(argv[1], Path(argv[2]))
    if len(argv) == 1:
        work = Path(tempfile.mkdtemp(prefix=f"gan-ci-{argv[0]}-"))
        return prepare(argv[0], work) or notebooks(argv[0], work)
    if len(argv) == 3 and argv[0] in ("prepare", "notebooks"):
        phase = prepare if argv[0] == "prepare" else notebooks
        return phase(argv[1], Path(argv[2]))
    raise SystemExit("usage: platform_job.py JOB | prepare JOB DIR | notebooks JOB DIR | "
                     "refresh PLATFORM FOLDER (JOB: colab, kaggle, lowest, latest or gpu)")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
