# Two commands for a newcomer: `make demo` and `make test`. Both create .venv when missing.
# `make install` puts `mixitup` on your PATH for everyday use (see "install" below).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs clean install uninstall

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

# -- install: `mixitup` on the user's PATH, isolated from every other Python program ---------
# As pipx does: a virtualenv of its own under the user's data folder, and links to its
# `mixitup` and `mixitup-cron` in ~/.local/bin (the folder systemd and most distributions put
# on a user's PATH). A regular (not editable) install: the clone can move, and a `git pull`
# takes effect at the next `make install`. Run it again at any time: it changes only what is
# out of date. `make uninstall` takes it all away again; school folders are never touched.
DATA_HOME := $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
USER_VENV := $(DATA_HOME)/mixitup/venv
USER_BIN := $(HOME)/.local/bin
LINKED := mixitup mixitup-cron
SOURCES := pyproject.toml setup.py scripts/mixitup-cron $(shell find mixitup -name '*.py' -o -name '*.toml')

$(USER_VENV)/bin/python:
	$(PYTHON) -m venv "$(USER_VENV)"
	"$(USER_VENV)/bin/python" -m pip install --quiet --upgrade pip

$(USER_VENV)/.installed: $(SOURCES) | $(USER_VENV)/bin/python
	"$(USER_VENV)/bin/python" -m pip install --quiet --upgrade '.[all]'
	touch "$@"

install: $(USER_VENV)/.installed
	@mkdir -p "$(USER_BIN)"
	@for name in $(LINKED); do \
	    link="$(USER_BIN)/$$name"; \
	    if [ -e "$$link" ] && [ "$$(readlink "$$link")" != "$(USER_VENV)/bin/$$name" ]; then \
	        echo "$$link exists and is not this install's: move it away, then run make install again." >&2; \
	        exit 2; \
	    fi; \
	    ln -sfn "$(USER_VENV)/bin/$$name" "$$link"; \
	done
	@echo "Installed $$("$(USER_VENV)/bin/mixitup" --version) in $(USER_VENV),"
	@echo "linked as $(USER_BIN)/mixitup (and mixitup-cron)."
	@case ":$$PATH:" in \
	    *":$(USER_BIN):"*) echo "Next: mixitup init ~/school  (mixitup init --help lists its options)" ;; \
	    *) echo "$(USER_BIN) is not on your PATH, so the command mixitup is not found yet."; \
	       echo "Many systems add that folder at your next login now that it exists. If yours"; \
	       echo "does not, add it (then log out and in again, or run: . ~/.profile):"; \
	       echo "  echo 'export PATH=\"\$$HOME/.local/bin:\$$PATH\"' >> ~/.profile"; \
	       echo "Until then, type it in full:"; \
	       echo "Next: $(USER_BIN)/mixitup init ~/school" ;; \
	esac

uninstall:
	@for name in $(LINKED); do \
	    link="$(USER_BIN)/$$name"; \
	    if [ -L "$$link" ] && [ "$$(readlink "$$link")" = "$(USER_VENV)/bin/$$name" ]; then \
	        rm -f "$$link"; \
	    fi; \
	done
	rm -rf "$(USER_VENV)"
	@rmdir "$(DATA_HOME)/mixitup" 2>/dev/null || true
	@echo "Removed mixitup from $(USER_VENV) and $(USER_BIN); school folders are left as they are."
