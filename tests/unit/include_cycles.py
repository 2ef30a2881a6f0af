#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The include graph of lib/ has no cycle (TAP). A module is x.h with x.c: an edge
x -> y when either file of x includes "y.h". Layers stay layers: a cycle means a module
below another needs it back (as strbuf once needed output for running out of memory).
With a directory argument, checks that directory instead of lib/."""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def graph(lib):
    modules = {}
    for name in sorted(os.listdir(lib)):
        base, ext = os.path.splitext(name)
        if ext in (".c", ".h"):
            modules.setdefault(base, set())
    for base in modules:
        for ext in (".c", ".h"):
            path = os.path.join(lib, base + ext)
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as f:
                for target in INCLUDE.findall(f.read()):
                    if target in modules and target != base:
                        modules[base].add(target)
    return modules


def find_cycle(modules):
    """A cycle as a list of modules (first repeated at the end), or None."""
    state = {}  # absent: unseen; 1: on the path; 2: done
    path = []

    def visit(m):
        state[m] = 1
        path.append(m)
        for n in sorted(modules[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(modules):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    lib = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "lib")
    modules = graph(lib)
    print("1..1")
    if not modules:
        print("not ok 1 - no module found in %s" % lib)
        return 1
    cycle = find_cycle(modules)
    if cycle:
        print("not ok 1 - include cycle in lib/: %s" % " -> ".join(cycle))
        return 1
    print("ok 1 - no include cycle among the %d modules of lib/" % len(modules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
