"""The Examples sections of the package's docstrings run and print what they show.

Every public module of ``cvcourse`` (as :mod:`test_bad_input` walks them) is run through
:func:`doctest.testmod`; a module without examples passes trivially. A wrong example misleads
the reader who copies it, so it fails here like a wrong function would.
"""

from __future__ import annotations

import doctest
import importlib

import pytest
from conftest import public_module_names

MODULES = public_module_names()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert failures == 0, f"{failures} docstring example(s) of {name} print something else; see the report above"


def test_the_package_has_examples():
    finder = doctest.DocTestFinder()
    examples = sum(len(test.examples) for name in MODULES for test in finder.find(importlib.import_module(name)))
    assert examples >= 450  # 506 when this test was written
