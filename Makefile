# The two commands of the course:
#   make book   executes every chapter (full profile) and writes the site to _build/html
#   make test   runs the unit tests, every chapter under nbval and a book build (quick profile)
#   make student  writes the student editions (solutions removed) to student/chapters
#   make lint     ruff's lint and format checks (CI runs them before the tests)
#   make test-tensorflow  the student editions on TensorFlow, Colab's default backend (CI runs it too)
# Both create the virtual environment .venv from requirements.txt when it is missing, and
# node_modules from package-lock.json (MathJax, which the site serves itself; axe-core for its test).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PROFILE ?= full
JOBS ?= 2

# The offline datasets: ../shared/datasets when it is there, unless set already.
ifeq ($(origin COURSE_DATA_DIR), undefined)
  ifneq ($(wildcard ../shared/datasets/mnist.npz),)
    export COURSE_DATA_DIR := $(abspath ../shared/datasets)
  endif
endif

# Where chapters run (coursebook/cluster.py): by default JOBS worker processes on this machine.
#   SCHEDULER=tcp://host:8786 or SCHEDULER_FILE=path   a running Dask scheduler's workers
#   CLUSTER=slurm|pbs                                  JOBS batch jobs of workers (dask-jobqueue, Dask's config)
#   GPU=1                                              workers that declare GPU=1; the GPU runs' own cache
RUNNER = $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(SCHEDULER_FILE),--scheduler-file $(SCHEDULER_FILE)) \
	$(if $(CLUSTER),--cluster $(CLUSTER)) $(if $(GPU),--gpu)

.PHONY: book quick-book test test-tensorflow test-colab lint student dist assignment grade benchmark robustness env clean

$(STAMP): requirements.txt pyproject.toml package-lock.json
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 10), "Python 3.10 or newer is needed (3.11 recommended): set PYTHON=..."'
	@command -v npm >/dev/null || { echo "npm is needed for the site's own MathJax and the accessibility test: sudo apt-get install nodejs npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

env: $(STAMP)

# The chapters the cache lacks run first, on Dask workers (JOBS processes here unless RUNNER says
# otherwise), each in its own kernel; the book build then takes every chapter from the cache.
book: $(STAMP)
	@export KERAS_BACKEND="$${KERAS_BACKEND:-$$($(BIN)/python -c 'import coursebook; print(coursebook.BOOK_BACKEND)')}" && \
	config="$$($(BIN)/python -m coursebook.build config $(PROFILE) $(if $(GPU),--gpu))" && set -x && \
	COURSE_PROGRESS=none $(BIN)/python -m coursebook.build execute $(PROFILE) --jobs $(JOBS) $(RUNNER) && \
	COURSE_PROFILE=$(PROFILE) COURSE_PROGRESS=none COURSE_CHECKS=strict $(BIN)/jupyter-book build . --warningiserror --keep-going \
		--config "$$config"
	@echo "The site is in _build/html (open _build/html/index.html)."

quick-book:
	$(MAKE) book PROFILE=quick

test: $(STAMP)
	$(BIN)/python -m pytest

# The student editions top to bottom at the quick profile on TensorFlow, the backend a
# Colab student gets by default (the book itself is built and tested on JAX).
test-tensorflow: $(STAMP)
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest student/chapters

# Student editions top to bottom on Colab's library versions (tests/colab-versions.txt), from the
# built wheel, and the wheel with only its declared dependencies in a bare environment (CI runs it).
test-colab: $(STAMP)
	$(BIN)/python -m pytest -m colab tests/test_colab.py

# ruff, configured in pyproject.toml: helpers, coursebook, tests, benchmarks and the chapters' code cells.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The student edition of every chapter (solutions removed) in student/chapters,
# which the Colab buttons open; run after editing a chapter or the repository address.
student: $(STAMP)
	$(BIN)/python -m coursebook.editions student

# A release's files in dist/: the student edition's zip and the helpers wheel (the publish workflow attaches them).
dist: $(STAMP)
	$(BIN)/python -m coursebook.editions dist --out dist

# Graded work: the student notebooks and a helpers wheel without the official solutions, in assignment/.
# HINTS=0 withholds the hints too.
assignment: $(STAMP)
	$(BIN)/python -m coursebook.assignment --out assignment $(if $(filter 0,$(HINTS)),--no-hints)

# A class's submitted notebooks (SUBMISSIONS=folder, one folder per student) run and graded: gradebook/.
grade: $(STAMP)
	$(BIN)/python -m coursebook.grade $(SUBMISSIONS) --out gradebook --jobs $(JOBS) $(RUNNER)

# Every chapter from several base seeds; writes robustness/$(PROFILE).json (shown on the site).
# ADD=1 runs only BASES and adds them to the existing record (refused if a chapter's code changed).
# REUSE=1 takes the runs `make book` already made (same code, profile and base) from its cache.
# RESUME=1 finishes an interrupted run: each finished run is in robustness/$(PROFILE).runs.jsonl.
# Then it regenerates the editions: each chapter's "Time" note and published_checks.json come from these records.
BASES ?= 0 100 200
robustness: $(STAMP)
	$(BIN)/python -m coursebook.robustness $(PROFILE) --bases $(BASES) --jobs $(JOBS) $(RUNNER) \
		$(if $(ADD),--add-bases) $(if $(REUSE),--reuse-book) $(if $(RESUME),--resume)
	$(MAKE) student

benchmark: $(STAMP)
	$(BIN)/python benchmarks/training_speed.py --repeats 1 --markdown benchmarks/results.md

clean:
	rm -rf _build
