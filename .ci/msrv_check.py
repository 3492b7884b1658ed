"""Reads `cargo metadata --format-version 1` on stdin; fails if a dependency declares a
rust-version newer than the workspace members' rust-version."""

import json
import sys


def parse(version):
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
declared = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(declared) != 1 or None in declared:
    sys.exit("workspace members must share one rust-version, found %s" % sorted(map(str, declared)))
(msrv,) = declared

offenders, undeclared = [], []
dependencies = [p for p in meta["packages"] if p["id"] not in members]
for package in dependencies:
    name = "%s %s" % (package["name"], package["version"])
    needs = package.get("rust_version")
    if needs is None:
        undeclared.append(name)
    elif parse(needs) > parse(msrv):
        offenders.append("%s needs rust %s" % (name, needs))

print("workspace rust-version %s: %d dependencies in Cargo.lock checked" % (msrv, len(dependencies)))
if undeclared:
    print("%d declare no rust-version (not checked): %s" % (len(undeclared), ", ".join(sorted(undeclared))))
if offenders:
    print("%d need a newer rust than %s:" % (len(offenders), msrv))
    for line in sorted(offenders):
        print("  " + line)
    sys.exit(1)
print("ok: none needs a newer rust than %s" % msrv)
