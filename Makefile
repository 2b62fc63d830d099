# The two commands a newcomer types: `make run` and `make test`.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
BIN   := $(VENV)/bin
SHARED ?= ../shared
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd poppler-utils fonts-liberation2 fonts-dejavu-core chromium chromium-driver libreoffice-writer-nogui

.PHONY: install system venv run ingest serve test eval bench real-scan-quality bench-hostile bench-kill bench-cluster fixtures ocr-quality clean

install: system $(VENV)/.installed

system:
	@missing=""; \
	command -v tesseract >/dev/null || missing="yes"; \
	command -v pdftotext >/dev/null || missing="yes"; \
	[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || missing="yes"; \
	command -v chromium >/dev/null || missing="yes"; \
	command -v chromedriver >/dev/null || missing="yes"; \
	command -v soffice >/dev/null || missing="yes"; \
	( command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx vie ) || missing="yes"; \
	( command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx osd ) || missing="yes"; \
	( command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx eng ) || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $(APT_PACKAGES)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: install
	$(BIN)/congvan ingest corpus --db db/congvan.db || true
	$(BIN)/congvan serve --db db/congvan.db --port 8001

ingest: install
	$(BIN)/congvan ingest corpus --db db/congvan.db

serve: install
	$(BIN)/congvan serve --db db/congvan.db --port 8001

test: install
	$(BIN)/pytest -q

# `make eval` ingests each development set into its own database under $(EVAL_DIR) (one OCR
# cache shared by all sets) and scores it; it fails when the shared corpus falls below F1 0.98.
EVAL_DIR  ?= /tmp/congvan-eval
EVAL_SETS ?= corpus dev-real dev-real-scans dev-cchc
MIN_F1    ?= 0.98

eval: install
	@mkdir -p $(EVAL_DIR); status=0; \
	for set in $(EVAL_SETS); do \
	  src=$(SHARED)/$$set; pdfs=$$src; gold=$$src; \
	  [ -d $$src/pdf ] && pdfs=$$src/pdf; [ -d $$src/gold ] && gold=$$src/gold; \
	  [ -d $$src ] || { echo "== $$set: not in $(SHARED), skipped"; continue; }; \
	  rm -f $(EVAL_DIR)/$$set.db $(EVAL_DIR)/$$set.db-wal $(EVAL_DIR)/$$set.db-shm; \
	  $(BIN)/congvan ingest $$pdfs --db $(EVAL_DIR)/$$set.db --trust $(SHARED)/corpus/test-ca.pem >$(EVAL_DIR)/$$set.ingest.log 2>&1; \
	  gate=""; [ $$set = corpus ] && gate="--min-f1 $(MIN_F1)"; \
	  echo "== $$set (details: $(EVAL_DIR)/$$set.score.txt)"; \
	  $(PY) $(SHARED)/tools/score.py --db $(EVAL_DIR)/$$set.db --gold $$gold -v $$gate >$(EVAL_DIR)/$$set.score.txt; rc=$$?; \
	  grep -v '^  ' $(EVAL_DIR)/$$set.score.txt; \
	  [ $$rc = 0 ] || { echo "!! $$set: overall F1 below $(MIN_F1), or the scorer failed (see above)"; status=1; }; \
	done; exit $$status

# `make bench`: throughput against bare tesseract/ocrmypdf/pdftotext, then the real-scan OCR
# quality measure (share of dev-real-scans gold header strings read exactly, pages per second).
BENCH_CACHE ?=
bench: install
	$(PY) bench/bench.py --corpus $(SHARED)/corpus
	$(MAKE) --no-print-directory real-scan-quality

real-scan-quality: install
	@[ -d $(SHARED)/dev-real-scans ] || { echo "real-scan quality: $(SHARED)/dev-real-scans not found, skipped"; exit 0; }; \
	$(PY) bench/real_scan_quality.py --set-dir $(SHARED)/dev-real-scans $(if $(BENCH_CACHE),--cache $(BENCH_CACHE))

# peak memory and wall time per hostile class (Flate bomb, huge page, 1000 pages), default limits
bench-hostile: install
	$(PY) bench/hostile.py

# kill -9 an ingest at random moments (seeded): integrity ok and a re-run equal to a clean run, every trial
bench-kill: install
	$(PY) bench/kill_trials.py --trials 50 --seed 13

# the local pool against a 2-worker Dask LocalCluster on the same files, and the SQLite writer's rate
bench-cluster: install
	$(PY) bench/cluster.py --corpus $(SHARED)/corpus

fixtures: install
	$(PY) tests/fixtures/build.py --out corpus --bad tests/fixtures/bad

ocr-quality: install
	$(PY) bench/ocr_quality.py --corpus $(SHARED)/corpus

clean:
	rm -rf $(VENV) *.egg-info build
