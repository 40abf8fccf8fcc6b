#!/usr/bin/env python3
"""Ground truth for the Python side of one corpus checkout.

Input (stdin, JSON): {"root": "/abs/checkout", "pyprojects": ["rel/pyproject.toml", ...],
                      "locks": ["rel/uv.lock", ...]}
  pyprojects: git-tracked pyproject.toml files outside the registration's exclude globs;
  locks: git-tracked uv.lock files outside them.
Output (stdout, JSON): {"projects": [...], "notProjects": [...], "edges": [...], "refused": [...]}
  projects:    {"root", "name", "how"}        one per pyproject.toml with a package name
  notProjects: {"root", "reason"}             tool-configuration-only pyproject.toml
  edges:       {"source": {"kind","root"}, "target": {"kind","root"}, "how"}
  refused:     {"file", "error"}              a manifest the real tool would not read

How each truth is derived (see README.md):
  * project:  `[project].name` or `[tool.poetry].name` is a string (Poetry `package-mode = false`
              counts: it still has a name).
  * uv:       the committed uv.lock: packages whose `source` is editable / virtual / directory are
              local; the lock's members (`[manifest].members`, else the package at the lock's own
              directory) have an edge to every local package named in their `dependencies`,
              `optional-dependencies` and `dev-dependencies`. A local package that is not a member
              (a path source of a member) gets its edges from its own lock / manifest, not this one.
  * Poetry:   poetry-core's own parser (`Factory().create_poetry(dir)`): every
              `DirectoryDependency` of `package.all_requires` (all groups).
  * PEP 621:  `name @ file:...` requirements in `[project].dependencies`,
              `[project].optional-dependencies` and `[dependency-groups]`, parsed with
              `packaging.requirements.Requirement` (relative file: URLs and `${PROJECT_ROOT}`
              are taken relative to the pyproject's directory); for a uv project with no
              committed uv.lock, also `[tool.uv.sources]` `path` (and `workspace = true`, by a
              unique name) for those requirements: manifest reading, not the real tool.
  * maturin:  `[build-system].build-backend == "maturin"`: an edge to the crate at
              `[tool.maturin].manifest-path` (default `Cargo.toml` beside the pyproject).
A pyproject that is a local package of a committed uv.lock takes its Python edges from that
lock only; otherwise from Poetry when it has a `[tool.poetry]` table; otherwise from PEP 621.
Maturin edges are added in every case.
"""
import json
import os
import sys
import tomllib
import traceback
from urllib.parse import unquote, urlparse

from packaging.requirements import InvalidRequirement, Requirement


def rel(root, path):
    r = os.path.relpath(os.path.normpath(path), root)
    return "." if r == "." else r.replace(os.sep, "/")


def norm(name):
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def load_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def uv_lock_truth(root, lock_rel):
    """(local package roots by normalized name, edges) of one uv.lock."""
    lock_path = os.path.join(root, lock_rel)
    lock_dir = os.path.dirname(lock_path)
    doc = load_toml(lock_path)
    local = {}
    for pkg in doc.get("package", []):
        src = pkg.get("source", {})
        for kind in ("editable", "virtual", "directory"):
            if kind in src:
                local.setdefault(norm(pkg["name"]), rel(root, os.path.join(lock_dir, src[kind])))
    # the lock's own projects: `[manifest].members` of a workspace, else the package at the
    # lock's directory. Other local packages (path sources of a member) are edge targets only:
    # the lock resolves *their* dependencies with the member's sources, not with their own.
    manifest_members = (doc.get("manifest") or {}).get("members")
    if manifest_members:
        members = {norm(m) for m in manifest_members}
    else:
        members = {n for n, r in local.items() if r == rel(root, lock_dir)}
    edges = []
    for pkg in doc.get("package", []):
        name = norm(pkg["name"])
        if name not in local or name not in members:
            continue
        src = pkg.get("source", {})
        if not any(k in src for k in ("editable", "virtual", "directory")):
            continue
        deps = [("dependencies", d) for d in pkg.get("dependencies", [])]
        for extra, lst in (pkg.get("optional-dependencies") or {}).items():
            deps += [(f"optional-dependencies.{extra}", d) for d in lst]
        for group, lst in (pkg.get("dev-dependencies") or {}).items():
            deps += [(f"dev-dependencies.{group}", d) for d in lst]
        for table, d in deps:
            target = norm(d["name"])
            if target in local and target != name:
                edges.append((local[name], local[target], f"uv.lock {lock_rel}: {pkg['name']} {table} {d['name']}"))
    return local, members, edges


def file_url_path(url, project_dir):
    url = url.replace("${PROJECT_ROOT}", project_dir)
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        path = parsed.netloc + path  # file://../x written without the third slash
    return os.path.normpath(os.path.join(project_dir, path))


def pep621_edges(doc, project_dir, by_name):
    out = []
    project = doc.get("project") or {}
    uv = ((doc.get("tool") or {}).get("uv")) or {}
    sources = {norm(k): v for k, v in (uv.get("sources") or {}).items()}
    lists = [("project.dependencies", project.get("dependencies") or [])]
    for extra, lst in (project.get("optional-dependencies") or {}).items():
        lists.append((f"project.optional-dependencies.{extra}", lst))
    for group, lst in (doc.get("dependency-groups") or {}).items():
        lists.append((f"dependency-groups.{group}", lst))
    lists.append(("tool.uv.dev-dependencies", uv.get("dev-dependencies") or []))
    for key, lst in lists:
        for r in lst:
            if not isinstance(r, str):
                continue  # {include-group = "..."}
            try:
                req = Requirement(r)
            except InvalidRequirement:
                continue
            if req.url:
                path = file_url_path(req.url, project_dir)
                if path is not None:
                    out.append((path, f"{key}: {r}"))
                continue
            # no committed uv.lock to ask: [tool.uv.sources] as uv documents them (manifest reading)
            src = sources.get(norm(req.name))
            for one in src if isinstance(src, list) else [src]:
                if isinstance(one, dict) and isinstance(one.get("path"), str):
                    out.append((os.path.normpath(os.path.join(project_dir, one["path"])), f"{key}: {r} + tool.uv.sources path (no uv.lock)"))
                elif isinstance(one, dict) and one.get("workspace") is True and len(by_name.get(norm(req.name), [])) == 1:
                    out.append((by_name[norm(req.name)][0], f"{key}: {r} + tool.uv.sources workspace (no uv.lock)"))
    return out


def poetry_edges(project_dir):
    from poetry.core.factory import Factory

    poetry = Factory().create_poetry(project_dir)
    out = []
    for dep in poetry.package.all_requires:
        if dep.is_directory():
            groups = ",".join(sorted(dep.groups))
            out.append((str(dep.full_path), f"poetry {groups}: {dep.name} path={dep.path}"))
    return out


def main():
    req = json.load(sys.stdin)
    root = os.path.realpath(req["root"])
    result = {"projects": [], "notProjects": [], "edges": [], "refused": []}

    lock_of = {}  # project root -> (lock, local map)
    lock_edges = []
    for lock in req.get("locks", []):
        try:
            local, members, edges = uv_lock_truth(root, lock)
        except Exception as e:  # noqa: BLE001
            result["refused"].append({"file": lock, "error": f"uv.lock unreadable: {e}"})
            continue
        for n in members:
            lock_of.setdefault(local[n], lock)
        lock_edges += [(s, t, how, lock) for s, t, how in edges]

    roots = {}
    for py in req["pyprojects"]:
        path = os.path.join(root, py)
        proot = rel(root, os.path.dirname(path))
        try:
            doc = load_toml(path)
        except Exception as e:  # noqa: BLE001
            result["refused"].append({"file": py, "error": f"TOML: {e}"})
            continue
        project = doc.get("project") if isinstance(doc.get("project"), dict) else {}
        poetry = ((doc.get("tool") or {}).get("poetry")) if isinstance(doc.get("tool"), dict) else None
        poetry = poetry if isinstance(poetry, dict) else None
        name = project.get("name") if isinstance(project.get("name"), str) else None
        how = "project.name"
        if name is None and poetry is not None and isinstance(poetry.get("name"), str):
            name, how = poetry["name"], "tool.poetry.name"
        if not name:
            result["notProjects"].append({"root": proot, "reason": "no [project].name nor [tool.poetry].name"})
            continue
        roots[proot] = (py, doc, poetry)
        result["projects"].append({"root": proot, "name": name, "how": how})

    by_name = {}
    for p in result["projects"]:
        by_name.setdefault(norm(p["name"]), []).append(os.path.join(root, p["root"]))

    edges = {}

    def add(src, tgt_kind, tgt, how):
        if tgt_kind == "python" and tgt == src:
            return
        edges.setdefault((src, tgt_kind, tgt), how)

    for s, t, how, lock in lock_edges:
        if s in roots and t in roots:
            add(s, "python", t, how)

    for proot, (py, doc, poetry) in roots.items():
        project_dir = os.path.join(root, proot)
        targets = []
        if proot in lock_of:
            pass  # edges from the lock, above
        elif poetry is not None:
            try:
                targets = poetry_edges(project_dir)
            except Exception as e:  # noqa: BLE001
                msg = "".join(traceback.format_exception_only(type(e), e)).strip().splitlines()
                result["refused"].append({"file": py, "error": "poetry-core: " + " ".join(msg)[:400]})
        else:
            targets = pep621_edges(doc, project_dir, by_name)
        for path, how in targets:
            add(proot, "python", rel(root, path), how)

        build = doc.get("build-system") or {}
        if build.get("build-backend") == "maturin":
            maturin = ((doc.get("tool") or {}).get("maturin")) or {}
            manifest = maturin.get("manifest-path", "Cargo.toml")
            crate = rel(root, os.path.dirname(os.path.join(project_dir, manifest)))
            add(proot, "cargo", crate, f"maturin manifest-path={manifest}")

    for (src, kind, tgt), how in sorted(edges.items()):
        result["edges"].append({"source": {"kind": "python", "root": src}, "target": {"kind": kind, "root": tgt}, "how": how})
    json.dump(result, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
