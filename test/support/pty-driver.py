#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and plays a short script against it, like a person
at a keyboard: wait for a text, then type a line.

    pty-driver.py '<json steps>' command [args...]

Steps: {"expect": "text"} waits (10 s at most, or "timeout" seconds) until the text has been printed since the
last match; {"send": "text"} types it (a terminal sends "\\r" for Enter). Prints one JSON
object: {"transcript": everything the terminal showed, "code": exit status or null,
"error": why a step failed or null}.
"""
import fcntl
import json
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

STEP_TIMEOUT_S = 10.0


def main() -> None:
    steps = json.loads(sys.argv[1])
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[2], sys.argv[2:])
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = bytearray()
    seen = 0  # matches are looked for after the previous match only
    error = None

    def pump(timeout: float) -> bool:
        """Reads what is there; False once the terminal is closed (the child exited)."""
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO on Linux when the child side is closed
            return False
        out.extend(chunk)
        return bool(chunk)

    for step in steps:
        if "send" in step:
            os.write(fd, step["send"].encode())
            continue
        want = step["expect"].encode()
        deadline = time.monotonic() + float(step.get("timeout", STEP_TIMEOUT_S))
        while out.find(want, seen) < 0:
            if time.monotonic() > deadline or not pump(0.05):
                if out.find(want, seen) < 0:
                    error = f"did not see {step['expect']!r}"
                break
        if error:
            break
        seen = out.find(want, seen) + len(want)

    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline and pump(0.05):
        pass
    code = None
    deadline = time.monotonic() + 5
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        error = error or "the command did not exit"
    else:
        code = os.waitstatus_to_exitcode(status)
    os.close(fd)
    print(json.dumps({"transcript": out.decode("utf-8", "replace"), "code": code, "error": error}))


if __name__ == "__main__":
    main()
