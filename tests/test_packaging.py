"""`pip install .` gives a working `rag` command: the package is installed into a fresh venv (no pip of its own,
nothing downloaded) that sees the project's installed dependencies, as a user's environment with them would."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from tests.conftest import ROOT


def fresh_venv(tmp_path: Path) -> Path:
    """A new venv whose only packages are those of this interpreter's environment (through a .pth file)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def pip(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # --no-index: nothing may be downloaded (a dependency the pins do not satisfy fails here, as would a CUDA torch).
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-build-isolation", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_pip_install_gives_a_working_rag_command(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building writes build/ and rag.egg-info/ beside pyproject.toml
    shutil.copytree(ROOT / "rag", source / "rag", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", source)
    venv = fresh_venv(tmp_path)
    planned = pip(venv, "--dry-run", ".[test]", cwd=source)
    assert planned.returncode == 0, planned.stderr
    assert "Would install rag-0.1.0" in planned.stdout.splitlines()[-1], "every dependency is already satisfied"
    installed = pip(venv, "--no-deps", ".", cwd=source)
    assert installed.returncode == 0, installed.stderr
    res = subprocess.run([str(venv / "bin" / "rag"), "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0 and "Usage: rag" in res.stdout and "index" in res.stdout, res.stderr
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import rag; print(rag.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert str(venv) in where.stdout, "the installed copy runs, not the source tree"


def test_dependencies_are_declared_with_ranges_the_pins_satisfy() -> None:
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    declared = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    for req in declared:
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} is declared but not pinned in requirements.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} is outside {req.specifier}"
        assert any(s.operator in ("<", "<=", "==", "~=") for s in req.specifier), f"{name} has no upper bound"
    torch = next(r for r in declared if r.name == "torch")
    assert not torch.specifier.contains("2.14.0"), "a newer torch (PyPI's default is the CUDA build) is never pulled"
    assert project["scripts"]["rag"] == "rag.frontends.cli:main"


def test_llama_cpp_is_built_without_amx_kernels() -> None:
    """`make setup` compiles llama.cpp for this CPU but without AMX: its AMX kernels segfault on some hosts (seen
    here, llama.cpp#20824)."""
    import llama_cpp

    from rag.backends.llm import has_amx

    info = llama_cpp.llama_print_system_info().decode()
    assert "CPU :" in info and not has_amx(), info
