"""The image's build steps without a Docker engine: the Dockerfile's COPY set, its wheelhouse, its install.

Runs deploy/docker/build.sh (the script both Dockerfile stages run) on a copy of exactly the paths the
Dockerfile copies, into a fresh virtual environment that sees nothing of the test's own environment
(``--no-index``: every dependency comes from the wheelhouse just built). Then the installed ``logwarden``
command checks every config the compose file, the ECS task and the Kubernetes overlays ship. Differences
from the image build, on purpose: pip may reuse its download cache (the image disables it) and skips
byte-compiling (PIP_NO_COMPILE), which changes nothing checked here and saves about a minute.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.shipped import DEPLOY, ROOT, all_configs

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


def _build_stage_sources() -> list[str]:
    """Repository paths the Dockerfile's build stage copies into /src."""
    text = DOCKERFILE.read_text()
    build = text.split(" AS build", 1)[1].split("\nFROM ", 1)[0]
    sources = []
    for line in build.splitlines():
        match = re.match(r"COPY\s+(?!--)(.+?)\s+(\S+)$", line.strip())
        if match and not match.group(2).startswith("/usr/local/bin"):
            sources += match.group(1).split()
    return sources


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    text = DOCKERFILE.read_text()
    assert re.findall(r"^FROM \S+ AS (\w+)", text, re.M) == ["build", "runtime"]
    runtime = text.split(" AS runtime", 1)[1]
    assert re.search(r"^USER \$\{UID\}", runtime, re.M) and "ARG UID=10001" in runtime
    assert "COPY --from=build /opt/logwarden /opt/logwarden" in runtime and "/wheels" not in runtime
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", runtime, re.M)
    assert 'ENTRYPOINT ["logwarden"]' in runtime  # exec form: SIGTERM reaches logwarden
    assert "LOGWARDEN_CONFIG=/etc/logwarden/config.yaml" in runtime
    assert set(_build_stage_sources()) == {"pyproject.toml", "README.md", "streams", "processors", "detectors"}
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    for path in [*_build_stage_sources(), "deploy/docker/build.sh", "deploy/config/"]:
        assert f"!{path}" in ignore or f"!{path}/" in ignore, f".dockerignore excludes {path}"


def test_wheelhouse_install_runs_and_checks_the_shipped_configs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in _build_stage_sources():
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, src / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "LOGWARDEN_"))}
    env.update(PYTHON=sys.executable, PIP_NO_COMPILE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    script = str(DEPLOY / "docker" / "build.sh")
    run = {"env": env, "capture_output": True, "text": True, "timeout": 400}

    wheels = tmp_path / "wheels"
    built = subprocess.run(["sh", script, "wheelhouse", str(src), str(wheels)], **run)
    assert built.returncode == 0, built.stderr[-3000:]
    assert any(p.name.startswith("logwarden-") for p in wheels.glob("*.whl"))

    venv = tmp_path / "venv"
    installed = subprocess.run(["sh", script, "install", str(wheels), str(venv)], **run)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert installed.stdout.strip().endswith("logwarden 0.1.0")

    logwarden = str(venv / "bin" / "logwarden")
    version = subprocess.run([logwarden, "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert version.stdout.strip() == "logwarden 0.1.0"
    # the installed package is used, not the repository's sources
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import streams; print(streams.__file__)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.stdout.startswith(str(venv))
    for shipped in all_configs(tmp_path / "k8s"):
        checked = subprocess.run([logwarden, "check-config", str(shipped.path)], capture_output=True, text=True,
                                 timeout=60, cwd=tmp_path, env={**env, **shipped.env})
        assert checked.returncode == 0, f"{shipped.name}: {checked.stdout}{checked.stderr}"
        assert re.search(r": ok \(1 sources, 2 sinks, [23] finding sinks", checked.stdout), checked.stdout
