"""The package's public face (`mixitup/__init__.py`): what `import mixitup` offers, the heavy
parts loaded only when first used, and the version the package is installed as."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import mixitup


def test_the_public_names_are_there_and_the_lazy_ones_are_the_librarys_own():
    from mixitup import pipeline
    from mixitup.backends import open_backend, open_students_backend

    for name in mixitup.__all__:
        assert getattr(mixitup, name) is not None, name
    assert mixitup.run is pipeline.run
    assert mixitup.pipeline is pipeline
    assert mixitup.open_backend is open_backend
    assert mixitup.open_students_backend is open_students_backend


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="module 'mixitup' has no attribute 'publish'"):
        mixitup.publish  # noqa: B018 - the lookup is the test


def test_importing_mixitup_loads_no_pipeline_until_it_is_used():
    code = (
        "import sys, mixitup\n"
        "print('mixitup.pipeline' in sys.modules)\n"
        "mixitup.run\n"
        "print('mixitup.pipeline' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]


def test_the_version_is_the_installed_packages():
    assert mixitup.__version__ == importlib.metadata.version("mixitup")
