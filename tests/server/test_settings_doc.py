#!/usr/bin/env python3
"""test_settings_doc.py WEIR SRC — every setting `weir serve --help` lists is
in docs/server.md's settings table, with the same default when it is a
number, so the documentation cannot drift from the binary."""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks  # noqa: E402


def main():
    weir, src = sys.argv[1], sys.argv[2]
    c = Checks()
    out = subprocess.run([weir, "serve", "--help"], capture_output=True, text=True).stdout
    settings = re.findall(r"^\s+--([a-z0-9-]+)\s+.*?\(default ([^)]*)\)\s*$", out, re.M)
    c.check(len(settings) >= 30, f"weir serve --help lists the settings ({len(settings)} found)")
    with open(os.path.join(src, "docs", "server.md")) as f:
        rows = [line for line in f if line.startswith("| ")]
    for flag, default in settings:
        key = flag.replace("-", "_")
        row = next((r for r in rows if re.search(rf"`{re.escape(key)}`", r.split("|")[1])), None)
        if not c.check(row is not None, f"{key} has a row in docs/server.md"):
            continue
        if re.fullmatch(r"-?\d+", default):
            c.check(re.search(rf"(^|[^\d]){default}([^\d]|$)", row.split("|")[2]) is not None,
                    f"{key}: docs/server.md gives the default {default}")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
