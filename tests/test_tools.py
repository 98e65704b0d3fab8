"""The test tools standing in for Argo's example images (tests/tools/bin)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
from tiphys_core.testing.ports import free_port

BIN = Path(__file__).resolve().parent / "tools" / "bin"


def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True, input=stdin
    )


def test_argosay_without_a_verb_says_hello_argo() -> None:
    assert run("argosay").stdout == "hello argo\n"


def test_argosay_echo_prints_or_writes_its_text(tmp_path: Path) -> None:
    assert run("argosay", "echo").stdout == "hello argo\n"
    assert run("argosay", "echo", "hi there").stdout == "hi there\n"
    target = tmp_path / "deep" / "out.txt"
    assert run("argosay", "echo", "saved", str(target)).returncode == 0
    assert target.read_text() == "saved\n"


def test_argosay_echo_interprets_backslash_escapes_like_dash() -> None:
    assert run("argosay", "echo", "a\\tb\\nc").stdout == "a\tb\nc\n"
    assert run("argosay", "echo", "stop\\chere").stdout == "stop"


def test_argosay_cat_and_assert_contains(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_text("alpha\nbeta\n")
    assert run("argosay", "cat", str(file)).stdout == "alpha\nbeta\n"
    found = run("argosay", "assert_contains", str(file), "bet")
    assert (found.returncode, found.stdout) == (0, "beta\n")
    assert run("argosay", "assert_contains", str(file), "gamma").returncode == 1
    assert run("argosay", "assert_contains", str(tmp_path / "missing"), "x").returncode == 2
    assert run("argosay", "cat", str(tmp_path / "missing")).returncode == 1


@pytest.mark.parametrize(("argv", "code"), [(("exit",), 0), (("exit", "7"), 7), (("nonsense",), 1)])
def test_argosay_exit_codes(argv: tuple[str, ...], code: int) -> None:
    assert run("argosay", *argv).returncode == code


def test_argosay_sleep_accepts_durations() -> None:
    assert run("argosay", "sleep", "0.1s").returncode == 0
    assert run("argosay", "sleep", "soon").returncode == 1


def test_argosay_sh_runs_a_script_file(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text("echo from-script\n")
    assert run("argosay", "sh", str(script)).stdout == "from-script\n"


def test_cowsay_draws_a_bubble_and_the_whale() -> None:
    out = run("cowsay", "hello", "world").stdout.splitlines()
    assert out[:3] == [" _____________ ", "< hello world >", " ------------- "]
    assert any("##        ." in line for line in out)


def test_cowsay_wraps_long_text_at_forty_columns() -> None:
    out = run("cowsay", "word " * 20).stdout.splitlines()
    assert out[1].startswith("/ ") and out[1].endswith(" \\")
    assert max(len(line) for line in out[: out.index(" " + "-" * (len(out[0]) - 2) + " ")]) <= 43


def test_cowsay_reads_stdin_without_arguments() -> None:
    assert "< moo >" in run("cowsay", stdin="moo\n").stdout


def connect_when_listening(port: int) -> socket.socket:
    """A connection to the stand-in's listener, once it listens (it starts a Python)."""

    for _ in range(500):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except ConnectionRefusedError:
            time.sleep(0.02)
    raise AssertionError(f"nothing listens on port {port}")


def received(connection: socket.socket) -> bytes:
    with connection:
        chunks = []
        while chunk := connection.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def received_until_eof(connection: socket.socket, reply: bytes) -> bytes:
    """What the peer sends until it shuts its side, then ``reply`` and close."""
    with connection:
        chunks = []
        while chunk := connection.recv(4096):
            chunks.append(chunk)
        connection.sendall(reply)
    return b"".join(chunks)


def test_nc_lk_e_runs_the_program_for_every_connection_like_busybox() -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "nc"), "-lk", "-p", str(port), "-e", "echo", "hi", "there"]
    )
    try:
        assert received(connect_when_listening(port)) == b"hi there\n"
        assert received(connect_when_listening(port)) == b"hi there\n"
        assert server.poll() is None  # -k: still listening
        # Daemons of one workflow may share a port (each pod has its own IP in Argo).
        twin = subprocess.Popen([str(BIN / "nc"), "-lk", "-p", str(port), "-e", "echo", "twin"])
        try:
            answers = set()
            for _ in range(500):  # the kernel spreads connections over both listeners
                answers.add(received(connect_when_listening(port)))
                if b"twin\n" in answers or twin.poll() is not None:
                    break
                time.sleep(0.02)
            assert b"twin\n" in answers and answers <= {b"hi there\n", b"twin\n"}
        finally:
            twin.terminate()
            twin.wait(10)
    finally:
        server.terminate()
        server.wait(10)


def test_nc_listens_for_one_connection_and_relays_it_to_stdout() -> None:
    port = free_port()
    listener = subprocess.Popen(
        [str(BIN / "nc"), "-l", "-p", str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    try:
        with connect_when_listening(port) as connection:
            connection.sendall(b"payload\n")
            connection.shutdown(socket.SHUT_WR)
            out, _ = listener.communicate(timeout=10)
        assert (listener.returncode, out) == (0, b"payload\n")
    finally:
        listener.kill()
        listener.wait(10)


def test_nc_connects_sends_stdin_and_prints_what_comes_back() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        client = subprocess.Popen(
            [str(BIN / "nc"), "127.0.0.1", str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        connection, _ = server.accept()
        assert client.stdin is not None
        client.stdin.write(b"question\n")
        client.stdin.close()
        assert received_until_eof(connection, reply=b"answer\n") == b"question\n"
        assert client.stdout is not None
        with client.stdout:
            out = client.stdout.read()
    assert (client.wait(10), out) == (0, b"answer\n")


@pytest.mark.parametrize("argv", [("-u", "127.0.0.1", "1"), ("-x",), ("-l", "-p")])
def test_nc_rejects_what_it_does_not_support(argv: tuple[str, ...]) -> None:
    result = run("nc", *argv)
    assert result.returncode == 1 and result.stderr.startswith("nc: ")
