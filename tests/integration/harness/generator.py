# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib's definitions for the tests: gen-definitions loaded as a module (it has no .py
name), and a shipped file made ready for a test's own daemons."""

import importlib.machinery
import importlib.util
import os

CONTRIB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "contrib")
PATH = os.path.join(CONTRIB, "gen-definitions")


def _load():
    loader = importlib.machinery.SourceFileLoader("gen_definitions", PATH)
    spec = importlib.util.spec_from_loader("gen_definitions", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


gen = _load()


def shipped(path, replacements):
    """The text of contrib/PATH with installation paths replaced by the test's; each
    replaced path must occur in it, so the test uses what ships."""
    with open(os.path.join(CONTRIB, path)) as f:
        text = f.read()
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError("contrib/%s no longer mentions %s" % (path, old))
        text = text.replace(old, new)
    return text
