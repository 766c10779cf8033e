# The two commands of the README: `make run` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INDEX ?= index
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test test-fast lint index bench clean chromium nginx apertium

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first, the CPU build on this machine's disk, so nothing resolves another one
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The sources are in sources.toml (and those added with `python -m ingest SOURCE`).
# Without Apertium (no root for apt-get) the index is still built; nynorsk text is then
# only found by its own words, and ingest says so.
index: $(STAMP)
	-$(MAKE) --no-print-directory apertium
	$(PY) -m ingest --index $(INDEX)

run: index
	$(PY) app.py --index $(INDEX)

# The browser tests drive Debian's Chromium (Playwright's own download is not used).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# The proxy tests put Debian's nginx in front of the app (run as this user, on a free port).
nginx:
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light || DEBIAN_FRONTEND=noninteractive apt-get install -y nginx)

# Nynorsk documents read in bokmål as well at ingest (ingest/written.py): Debian's Apertium.
apertium:
	apertium -l 2>/dev/null | grep -qw nno-nob || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y apertium apertium-nno-nob)

test: $(STAMP) chromium nginx apertium
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(INDEX) .pytest_cache
