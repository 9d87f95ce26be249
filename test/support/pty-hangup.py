#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal, waits until a file appears, then closes the
terminal (as closing a tmux window or a terminal tab does) and leaves the command running.

    pty-hangup.py FILE command [args...]

Prints one JSON object: {"pid": the command's pid, "transcript": what the terminal showed,
"error": why it gave up or null}.
"""
import json
import os
import pty
import select
import sys
import time


def main() -> None:
    wanted = sys.argv[1]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(sys.argv[2], sys.argv[2:])
        finally:
            os._exit(127)
    out = bytearray()
    error = None
    deadline = time.monotonic() + 20
    while not os.path.exists(wanted):
        if time.monotonic() > deadline:
            error = f"{wanted} did not appear"
            break
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out.extend(os.read(fd, 4096))
            except OSError:
                error = "the command closed the terminal"
                break
    # The terminal goes away: the kernel sends SIGHUP to the session and later writes fail.
    os.close(fd)
    print(json.dumps({"pid": pid, "transcript": out.decode(errors="replace"), "error": error}))


main()
