#!/usr/bin/env python3
"""Installs a Poetry package's environment exactly as its poetry.lock says.

Usage: tools/python-env.py <package-dir>

Creates <package-dir>/.venv (which `poetry run` uses when it exists), installs
every locked package of every group whose markers match this interpreter with
pip, pinned and hash-checked against the lock, then the package itself in
editable mode. It is what `poetry install --sync` does; Poetry's own installer
is not used because it needs PyPI's per-release JSON API, which the package
registry reachable here does not serve, while pip only needs the simple index.
Skips all work when the lock has not changed since the last install.
"""

import hashlib
import subprocess
import sys
import tomllib
import venv
from pathlib import Path


def requirements(lock: dict) -> list[str]:
    lines = []
    for package in lock["package"]:
        markers = package.get("markers")
        if isinstance(markers, dict):  # lock 2.1 may key markers by group
            markers = " or ".join(f"({m})" for m in markers.values())
        hashes = " ".join(f"--hash={f['hash']}" for f in package.get("files", []))
        spec = f"{package['name']}=={package['version']}"
        if markers:
            spec += f" ; {markers}"
        lines.append(f"{spec} {hashes}")
    return lines


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(sys.argv[1]).resolve()
    lock_file = root / "poetry.lock"
    if not lock_file.is_file():
        print(f"{lock_file}: missing; run `poetry lock` in {root}", file=sys.stderr)
        return 1
    lock_text = lock_file.read_bytes()
    fingerprint = hashlib.sha256(lock_text + (root / "pyproject.toml").read_bytes()).hexdigest()
    env = root / ".venv"
    stamp = env / ".installed-lock"
    if stamp.is_file() and stamp.read_text() == fingerprint:
        return 0

    venv.EnvBuilder(with_pip=True, clear=env.exists()).create(env)
    python = str(env / "bin" / "python")
    req_file = env / "requirements.lock.txt"
    req_file.write_text("\n".join(requirements(tomllib.loads(lock_text.decode()))) + "\n")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "--no-deps", "-r", str(req_file)], check=True)
    subprocess.run([*pip, "--no-deps", "--editable", str(root)], check=True)
    stamp.write_text(fingerprint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
