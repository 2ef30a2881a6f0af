# SPDX-License-Identifier: GPL-2.0-or-later
"""contrib/gen-definitions loaded as a module (it has no .py name), for the tests of what
it makes of the checks' --help."""

import importlib.machinery
import importlib.util
import os

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "contrib", "gen-definitions")


def _load():
    loader = importlib.machinery.SourceFileLoader("gen_definitions", PATH)
    spec = importlib.util.spec_from_loader("gen_definitions", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


gen = _load()
