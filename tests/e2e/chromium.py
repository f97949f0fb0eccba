"""Headless Chromium for the browser tests: Debian's `chromium`, driven by Playwright, never a
browser Playwright downloads (an unpinned binary from the internet, and a second copy of one
the machine can install from its own signed archive).

When /usr/bin/chromium is missing and we are root with apt, the `browser` fixture installs it
(a minute or two, once per machine; a file lock keeps xdist workers from running two apt-gets
at once). Where it cannot be installed the tests skip with the reason, except under CI, where a
browser test that never runs is a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: root in a container has no user namespaces for it. The rest keep a test browser
# from talking to Google (updates, sync, field trials) or anything else behind the test's back.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_LOCK = Path(tempfile.gettempdir()) / "socialscore-chromium-install.lock"
APT_SECONDS = 900  # a slow mirror; far beyond the minute or two it usually takes


def in_ci() -> bool:
    """`CI` as tests/conftest.py reads it: set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip with the reason; under CI, fail with it (a skipped browser test proves nothing)."""
    message = f"no Chromium at {CHROMIUM}: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI: failing rather than skipping)", pytrace=False)
    pytest.skip(message)


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", *args],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        capture_output=True,
        text=True,
        timeout=APT_SECONDS,
        check=False,
    )


def install() -> str | None:
    """Install Debian's chromium; None when done, else why it could not be."""
    if shutil.which("apt-get") is None:
        return "apt-get not found (not Debian or Ubuntu): install chromium yourself"
    if os.geteuid() != 0:
        return "not root: run `sudo apt-get install chromium`"
    install = ("install", "-y", "--no-install-recommends", "chromium")
    done = _apt(*install)
    if done.returncode != 0:  # most often an image with no package lists yet
        updated = _apt("update")
        if updated.returncode != 0:
            return f"apt-get update failed: {updated.stderr.strip()[-500:]}"
        done = _apt(*install)
    if done.returncode != 0:
        return f"apt-get install chromium failed: {done.stderr.strip()[-500:]}"
    return None if CHROMIUM.exists() else f"apt-get installed chromium, but not at {CHROMIUM}"


def ensure_chromium() -> Path:
    """/usr/bin/chromium, installed first if need be (skips or fails when it cannot be)."""
    if CHROMIUM.exists():
        return CHROMIUM
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be installing it right now
        problem = None if CHROMIUM.exists() else install()
    if problem is not None:
        unavailable(problem)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the session (each test opens its own context)."""
    executable = ensure_chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()
