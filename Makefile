# One-command set-up on a fresh machine: `make run` executes every notebook, `make test` runs the suite.
VENV ?= .venv
PROFILE ?= quick
KERNEL ?= course
PYTHON ?= python3
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install run test test-fast test-seeds test-browser browser-packages checkpoints bench lab clean

# Install once; a second call only checks the stamp (re-installs when requirements change).
$(INSTALLED): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (course)"
	touch $(INSTALLED)

install: $(INSTALLED)

# Execute every notebook headless, write build/*.html and the gallery build/index.html.
run: $(INSTALLED)
	$(PY) -m course_utils.gallery notebooks/*.ipynb --out build --profile $(PROFILE) --kernel $(KERNEL)

# Unit tests, static notebook checks, ruff, and every notebook under nbval in the quick profile.
test: $(INSTALLED)
	COURSE_PROFILE=$(PROFILE) $(PY) -m pytest

# For contributors: unit tests, static checks, lint, the mutation test's tags and the pretrained
# profile; no quick-profile notebook runs and no mutation runs.
test-fast: $(INSTALLED)
	COURSE_PROFILE=$(PROFILE) $(PY) -m pytest tests -k "not fail_without_training"

# For maintainers (slow, not in CI): every notebook's checks at several seeds, with the spread of
# each printed number, e.g. `make test-seeds SEEDS="0 1 2" NOTEBOOKS=notebooks/05_conditional_gan.ipynb`.
SEEDS ?= 0 1 2 3 4
NOTEBOOKS ?= notebooks/*.ipynb
test-seeds: $(INSTALLED)
	$(PY) tests/seed_sweep.py --seeds $(SEEDS) --profile $(PROFILE) $(NOTEBOOKS)

# JupyterLab in headless Chromium: every notebook with widgets runs all its cells, and its widgets
# are moved and must redraw (tests/browser).  The one target that may need root: it installs
# Debian's chromium and chromium-driver when they are missing.
test-browser: $(INSTALLED)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || $(MAKE) browser-packages
	COURSE_PROFILE=$(PROFILE) $(PY) -m pytest -m browser tests/browser -s

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser-packages:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

# Rebuild the shipped weights in data/checkpoints/ and their manifest: the judges first (the
# notebooks' checks use them), then every notebook with shipped weights in its full profile.
checkpoints: $(INSTALLED)
	$(PY) -m course_utils.judge
	$(PY) -m course_utils.video_judge
	$(PY) -m course_utils.story_judge
	$(PY) -m course_utils.avatar_judge
	$(PY) -m course_utils.shipped --build-all

# Images/s of the course's DCGAN and pix2pix steps against plain reference steps at the public
# code's configurations.
bench: $(INSTALLED)
	$(PY) -m course_utils.bench

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab notebooks

clean:
	rm -rf build .pytest_cache .ruff_cache
