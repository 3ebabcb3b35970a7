"""The test suite's plugins, declared once for every test module: the fake Google Sheets and
the fake Zoom API, each a local server on 127.0.0.1 (tests/conftest_google.py and
tests/conftest_zoom.py)."""

pytest_plugins = ["tests.conftest_google", "tests.conftest_zoom"]
