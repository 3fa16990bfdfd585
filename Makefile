# The two commands of the README's quick start:
#   make demo   set up .venv with the runtime dependencies only and run `planlab demo`
#   make test   add the development tools (pytest, ruff, ...) and run the whole test suite
# and `make notebooks` to open the notebooks in JupyterLab,
# `make docs` to build the documentation site into site/ (warnings are errors) and check
# that it works offline (docs/check_site.py).
PYTHON ?= python3
VENV   ?= .venv
DEMO_OUT ?= out/demo
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev

.PHONY: demo test lint format bench clean notebooks docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(DEV)

demo: $(STAMP)
	$(BIN)/planlab demo --out $(DEMO_OUT) --force

# pytest exits 5 when it collected no tests; that is a failure here, never a pass.
test: $(DEV)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	$(BIN)/jupyter lab notebooks/

DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(DEV)
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	touch $(DOCS_STAMP)

# The notebook pages show the notebooks executed: from the copies `make test` kept in
# build/notebooks/ when they were made from the same code, else executed once by the
# build (docs/executed_notebooks.py); what they write goes to a temporary directory.
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean
	$(BIN)/python docs/check_site.py site

bench: $(DEV)
	$(BIN)/python benchmarks/montecarlo.py

clean:
	rm -rf $(VENV) out build site .cache *.egg-info
