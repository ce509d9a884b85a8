import os
import socket
import subprocess
import sys

import pytest

from course_utils.offline import is_local_address, is_local_host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "localhost", None, ""])
def test_loopback_hosts_are_local(host):
    assert is_local_host(host)


@pytest.mark.parametrize("host", ["192.0.2.1", "8.8.8.8", "2001:db8::1", "pypi.org", "10.0.0.1"])
def test_other_hosts_are_not_local(host):
    assert not is_local_host(host)


def test_unix_sockets_are_local():
    assert is_local_address(getattr(socket, "AF_UNIX", -1), "/tmp/some.sock")


def test_guard_is_installed_in_the_test_process():
    assert getattr(socket.socket.connect, "_course_guard", False)
    assert getattr(socket.socket.sendto, "_course_guard", False)


def test_guard_refuses_and_logs_before_any_packet_is_sent(tmp_path):
    # Run in a child process with its own log, so this deliberate attempt does not fail the
    # session.  The guard raises before calling the real connect: nothing leaves the machine.
    log = tmp_path / "network.log"
    code = """
import socket
for attempt in (lambda: socket.socket().connect(("192.0.2.1", 9)),
                lambda: socket.getaddrinfo("example.invalid", 80)):
    try:
        attempt()
    except ConnectionError as error:
        print(type(error).__name__)
"""
    env = {**os.environ, "COURSE_NETWORK_LOG": str(log)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == ["NetworkBlockedError", "NetworkBlockedError"]
    logged = log.read_text()
    assert "192.0.2.1" in logged and "example.invalid" in logged


def test_guard_lets_loopback_through():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_child_python_processes_are_guarded_too():
    # Kernels are child processes: they inherit the guard through sitecustomize on PYTHONPATH.
    code = "import socket; print(getattr(socket.socket.connect, '_course_guard', False))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"
