"""Waiting for what another process does, by polling, with a clear failure."""

import time


def wait_until(condition, timeout=30.0, what="condition"):
    """Wait for a condition to hold (polling), failing clearly after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
