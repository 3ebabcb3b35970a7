# Two commands for a newcomer: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installing builds the grouping kernels ahead of time (setup.py): again when their source changes.
KERNELS := setup.py mixitup/instance.py mixitup/kernels.py mixitup/aot.py

# Bytecode is compiled at install, as pip does for a regular install: an editable one leaves
# it to the first run, which cannot write it where PYTHONDONTWRITEBYTECODE is set (as in many
# containers), and then every run compiles mixitup's source again.
$(VENV)/.installed: pyproject.toml $(KERNELS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all]'
	$(BIN)/python -m compileall -q mixitup
	touch $@

$(VENV)/.installed-test: pyproject.toml $(KERNELS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	$(BIN)/python -m compileall -q mixitup
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/mixitup demo --dir demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --quiet

test: lint
	$(BIN)/pytest -q -n auto

# The documentation: docs/cli.md written again from --help, then the site into site/.
docs: $(VENV)/.installed-test
	$(BIN)/python docs/cli_reference.py
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) demo site .pytest_cache .mypy_cache .ruff_cache
