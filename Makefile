# SafetyPipeline: department exports -> common format -> indicators -> bulletin.
# `make` runs the sample pipeline into out/mingguang/; `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PIPELINE ?= mingguang
PIPELINE_FILE ?= Pipelines/$(PIPELINE)/pipeline.yaml
DATA ?= SampleData/$(PIPELINE)
OUT ?= out/$(PIPELINE)
CONFIG ?= release
BIN ?= .build/$(CONFIG)
# BUILD=no uses the executables already in BIN (the end-to-end test does so inside `swift test`).
BUILD ?= yes
SCALING ?=
# STEP_TIMER prefixes every step's command (make bench sets it to GNU time to log wall and peak RSS).
STEP_TIMER ?=
# PERIOD=2020-10 | 2020Q3 | 2020 | 2020-YTD-10 | a campaign: results go to OUT/periods/PERIOD/.
PERIOD ?=
ifeq ($(PERIOD),)
RESULTS := $(OUT)
PERIOD_ARGS :=
else
RESULTS := $(OUT)/periods/$(PERIOD)
PERIOD_ARGS := --period $(PERIOD)
endif

# Nightly runs read the landing folder departments drop exports into, and keep KEEP runs.
LANDING ?= $(DATA)
KEEP ?= 14

# Exports anywhere below DATA (a landing folder often has a subfolder per department), by their
# path below it; hidden files and folders are not exports.
EXPORTS := $(sort $(shell [ -d '$(DATA)' ] && cd '$(DATA)' && find -L . -type f ! -path '*/.*' | sed 's|^\./||'))
INGESTED := $(EXPORTS:%=$(OUT)/ingest/%/summary.json)
MAPPINGS := $(wildcard $(dir $(PIPELINE_FILE))mappings/*.yaml)
REFERENCE := $(wildcard $(dir $(PIPELINE_FILE))reference.csv)
KINDS := accident hazard enforcement inspection drill hazard_summary
PARTIALS := $(KINDS:%=$(RESULTS)/partials/%.json)
SOURCES := Package.swift $(shell find Sources -name '*.swift' -o -name '*.h' -o -name '*.modulemap')
TOOLS := $(BIN)/safety-ingest $(BIN)/safety-package $(BIN)/safety-indicators $(BIN)/safety-merge $(BIN)/safety-report \
         $(BIN)/safety-publish

.PHONY: all report xlsx html lists spark spark-deps spark-test help test conformance test-deps deps clean distclean sample-data check-sample-data templates check-templates check-core indicators bulletin tools nightly prune bench fuzz install uninstall describe check FORCE

# safety.sqlite comes first: the lists (督办清单, 挂牌督办, 重点关注企业, 较大以上事故) in the other
# outputs are its views.
DATABASE := $(RESULTS)/safety.sqlite
FROM_DATABASE := $(RESULTS)/bulletin.md $(RESULTS)/bulletin.txt $(RESULTS)/bulletin.docx $(RESULTS)/indicators.xlsx \
           $(RESULTS)/report.html $(RESULTS)/indicators-excel.csv $(RESULTS)/supervision.csv $(RESULTS)/listed-hazards.csv \
           $(RESULTS)/repeat-offenders.csv
REPORTS := $(DATABASE) $(FROM_DATABASE)

all: $(REPORTS) ## Run the sample pipeline: ingest, package, indicators, every report (out/mingguang/)
	@echo "outputs in $(RESULTS)/: $(notdir $(REPORTS)) indicators.csv indicators.json"
	@echo "checks in $(OUT)/: rejects.csv ingest-summary.csv corrections.csv normalized/"

indicators: $(RESULTS)/indicators.csv ## Compute indicators (PERIOD=2020Q3 etc. for one period, into out/<p>/periods/PERIOD/)

report: $(REPORTS) ## Every report for PERIOD (bulletin .md/.txt, workbook, HTML, CSV for Excel, SQLite)

bulletin: $(RESULTS)/bulletin.md $(RESULTS)/bulletin.txt $(RESULTS)/bulletin.docx ## The bulletin: 月度通报, 季度分析 or 年度总结 by PERIOD's kind (.md, .txt, 公文 .docx)

lists: $(RESULTS)/supervision.csv $(RESULTS)/listed-hazards.csv $(RESULTS)/repeat-offenders.csv ## 督办清单, 挂牌督办 and 重点关注企业 as CSV for Excel

xlsx: $(RESULTS)/indicators.xlsx ## The Excel workbook (总体 分行业 分乡镇 分事故类别 隐患整改 执法 月度 and the lists)

html: $(RESULTS)/report.html ## The self-contained HTML report with charts

tools: $(TOOLS) ## Build the release executables

nightly: $(TOOLS) ## Unattended run: lock, ingest what changed in LANDING, publish atomically to OUT/current
	PIPELINE=$(PIPELINE) PIPELINE_FILE=$(PIPELINE_FILE) OUT=$(OUT) LANDING=$(LANDING) KEEP=$(KEEP) BIN=$(BIN) BUILD=no \
	  MAKE="$(MAKE)" tools/nightly.sh

# Spark: the same executables under Apache Spark (tools/spark/). MASTER=local[2] runs on this
# machine; spark://host:7077 or yarn on a cluster whose nodes share BIN, the pipeline, LANDING and OUT.
MASTER ?= local[2]
SHARDS ?= 0
SPARK_OUT ?= $(OUT)
spark: $(TOOLS) | spark-deps ## Run the pipeline on Spark (MASTER=local[2]; LANDING, SPARK_OUT; outputs as make's)
	python3 tools/spark/safety_spark.py --master '$(MASTER)' --pipeline $(PIPELINE_FILE) --landing $(LANDING) \
	  --out $(SPARK_OUT) --bin $(BIN) --shards $(SHARDS) $(if $(PERIOD),--period $(PERIOD))

spark-deps: ## Install PySpark (PyPI) and Java 17 (Debian) for make spark
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless; } \
	  || { echo "make spark needs Java 17: sudo apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
	@python3 -c 'import pyspark' 2>/dev/null || python3 -m pip install -q pyspark

spark-test: $(TOOLS) | spark-deps ## Spark gives make's bytes: the sample and a re-export workload, local[2], a standalone cluster, a killed task
	python3 tools/spark/test_spark.py --bin $(BIN)

BENCH_N ?= 2000000
BENCH_RUNS ?= 3

bench: $(TOOLS) ## Side-by-side benchmark with DuckDB and xmllint (BENCH_N records; not part of make test)
	@command -v xmllint >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update && apt-get install -y --no-install-recommends libxml2-utils; } \
	  || { echo "bench needs xmllint: sudo apt-get install -y libxml2-utils" >&2; exit 1; }
	python3 tools/bench/run.py --n $(BENCH_N) --runs $(BENCH_RUNS) --bin $(BIN) $(if $(SCALING),--scaling)

FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= csv xml archive zip

fuzz: ## Fuzz the CSV, XML, gzip/tar and zip/xlsx readers with libFuzzer, FUZZ_SECONDS each (crashers land in fuzz/crashes/)
	swift build --sanitize=fuzzer --scratch-path .build-fuzz --product safety-fuzz -Xswiftc -DFUZZING -Xswiftc -parse-as-library
	@mkdir -p fuzz/crashes
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; \
	  FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no .build-fuzz/debug/safety-fuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=512 \
	    -artifact_prefix=fuzz/crashes/$$t- fuzz/corpus/$$t fuzz/seeds/$$t || exit 1; \
	done

EXPORT ?=
describe: $(BIN)/safety-ingest ## Describe EXPORT=file (format, encoding, columns, a draft mapping); check it with make check EXPORT=file
	@test -n '$(EXPORT)' || { echo "describe: give EXPORT=path/to/export" >&2; exit 64; }
	$(BIN)/safety-ingest --describe '$(EXPORT)'

check: $(BIN)/safety-ingest ## Run PIPELINE's mapping over EXPORT=file without writing anything: counts and rejects by reason
	@test -n '$(EXPORT)' || { echo "check: give EXPORT=path/to/export" >&2; exit 64; }
	$(BIN)/safety-ingest --pipeline $(PIPELINE_FILE) --check '$(EXPORT)'

# make install: executables, shell completions and man pages under DESTDIR/PREFIX.
PREFIX ?= /usr/local
DESTDIR ?=
GENERATE_MANUAL ?= $(shell swift build -c release --show-bin-path 2>/dev/null)/generate-manual
INSTALL_DIRS := bin share/man/man1 share/bash-completion/completions share/zsh/site-functions share/fish/vendor_completions.d

install: $(TOOLS) ## Install the executables, shell completions and man pages under PREFIX (default /usr/local)
ifeq ($(BUILD),yes)
	swift build -c release --product generate-manual
endif
	for d in $(INSTALL_DIRS); do install -d '$(DESTDIR)$(PREFIX)'/$$d; done
	for t in $(notdir $(TOOLS)); do \
	  install -m 755 $(BIN)/$$t '$(DESTDIR)$(PREFIX)/bin/'$$t; \
	  $(BIN)/$$t --generate-completion-script bash > '$(DESTDIR)$(PREFIX)/share/bash-completion/completions/'$$t; \
	  $(BIN)/$$t --generate-completion-script zsh > '$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_'$$t; \
	  $(BIN)/$$t --generate-completion-script fish > '$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/'$$t.fish; \
	  $(GENERATE_MANUAL) $(BIN)/$$t -o '$(DESTDIR)$(PREFIX)/share/man/man1'; \
	done
	@echo "installed $(notdir $(TOOLS)) under $(DESTDIR)$(PREFIX) (they load the Swift runtime from $$(dirname $$(dirname $$(command -v swift)))/lib/swift/linux)"

uninstall: ## Remove what make install put under PREFIX
	for t in $(notdir $(TOOLS)); do \
	  rm -f '$(DESTDIR)$(PREFIX)/bin/'$$t '$(DESTDIR)$(PREFIX)/share/man/man1/'$$t.1 \
	    '$(DESTDIR)$(PREFIX)/share/bash-completion/completions/'$$t '$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_'$$t \
	    '$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/'$$t.fish; \
	done

prune: ## Keep the newest KEEP published runs (and logs) in OUT/runs
	$(BIN)/safety-publish --pipeline $(PIPELINE_FILE) --output $(OUT) --keep $(KEEP) --prune

help: ## List the targets and the variables a clerk sets
	@grep -hE '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20
	@echo
	@echo "Variables (make VAR=value; current value in brackets):"
	@printf '  %-10s%s\n' \
	  PIPELINE "the pipeline under Pipelines/ [$(PIPELINE)]" \
	  DATA "the folder of department exports, subfolders included [$(DATA)]" \
	  OUT "where outputs go [$(OUT)]" \
	  PERIOD "one period: 2020-10, 2020Q3, 2020, 2020-YTD-10 or a campaign; results in OUT/periods/PERIOD [$(PERIOD)]" \
	  LANDING "make nightly and make spark: the folder departments drop exports into [$(LANDING)]" \
	  KEEP "make nightly and prune: published runs kept [$(KEEP)]" \
	  MASTER "make spark: the Spark master, local[2], spark://host:7077 or yarn [$(MASTER)]" \
	  SHARDS "make spark: re-export shards, 0 for two per core [$(SHARDS)]" \
	  SPARK_OUT "make spark: where its outputs go [$(SPARK_OUT)]"

test: check-sample-data check-templates check-core | deps test-deps ## Run unit, I/O and end-to-end tests (swift test), from the repository alone
	swift build --build-tests
	swift build --product generate-manual
	swift test

CSV_SPECTRUM ?= ../shared/peer/csv-spectrum
conformance: | deps ## Check the CSV reader against the public csv-spectrum suite (CSV_SPECTRUM=DIR, not in the repository)
	@test -f $(CSV_SPECTRUM)/MANIFEST.json || { echo "conformance: no csv-spectrum suite at $(CSV_SPECTRUM) (set CSV_SPECTRUM=DIR)" >&2; exit 66; }
	swift build --product csv-conformance
	$$(swift build --show-bin-path)/csv-conformance $(CSV_SPECTRUM)

deps: ## Check the system libraries (libxml2, zlib, sqlite3); as root, install them with apt-get
	@if pkg-config --exists libxml-2.0 sqlite3 && test -f /usr/include/zlib.h; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing libxml2-dev zlib1g-dev libsqlite3-dev pkg-config"; \
	  apt-get update && apt-get install -y --no-install-recommends libxml2-dev zlib1g-dev libsqlite3-dev pkg-config; \
	else \
	  echo "missing libxml2-dev, zlib1g-dev or libsqlite3-dev; run: sudo apt-get install -y libxml2-dev zlib1g-dev libsqlite3-dev pkg-config" >&2; exit 1; \
	fi

# What the tests read outputs back with: Chromium (HTML), LibreOffice and poppler (workbook and
# bulletin.docx to PDF to text), Noto CJK fonts, openpyxl, python-docx and jsonschema.
TEST_APT := chromium fonts-noto-cjk libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils
test-deps: ## Install what the tests use to read outputs back (as root with apt-get and pip)
	@missing=""; for c in chromium libreoffice pdftotext; do command -v $$c >/dev/null || missing=1; done; \
	  [ -d /usr/share/fonts/opentype/noto ] || missing=1; \
	  dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || dpkg -s libreoffice-writer >/dev/null 2>&1 || missing=1; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing $(TEST_APT)"; \
	      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(TEST_APT); \
	    else echo "the tests need: sudo apt-get install -y $(TEST_APT)" >&2; exit 1; fi; fi
	@python3 -c 'import openpyxl, jsonschema, docx' 2>/dev/null || python3 -m pip install -q openpyxl jsonschema python-docx

sample-data: ## Regenerate SampleData/ with the committed generator
	python3 tools/generate_sample_data.py

check-sample-data: ## Fail if SampleData/ differs from what the generator writes
	python3 tools/generate_sample_data.py --check

templates: ## Embed the sample's bulletin templates as the built-in defaults (after editing them)
	python3 tools/embed_templates.py

check-templates: ## Fail if the built-in default templates are not the sample's
	python3 tools/embed_templates.py --check

check-core: ## Fail if the pure core imports Foundation or the C library
	@if grep -rnE '^import (Foundation|Glibc|Darwin|CZlibSystem|CLibXML2)' Sources/SafetyCore; then \
	  echo "Sources/SafetyCore must stay free of I/O imports" >&2; exit 1; fi

clean: ## Remove pipeline outputs (out/)
	rm -rf out

distclean: clean ## Remove outputs and the Swift build folder
	rm -rf .build

ifeq ($(BUILD),yes)
$(TOOLS) &: $(SOURCES) | deps
	swift build -c $(CONFIG)
	touch $(TOOLS)
endif

FORCE:

# Hash stamps are kept between runs: they are what makes the next run incremental.
.PRECIOUS: $(OUT)/hashes/%.sha256

# A content hash per export, rewritten only when the content changes: exports are re-ingested
# when their bytes change, whatever their timestamps say (copied with old dates, or touched).
$(OUT)/hashes/%.sha256: $(DATA)/% tools/update-hash FORCE
	@mkdir -p $(@D)
	@$(STEP_TIMER) tools/update-hash $< $@

# One export -> one ingest folder; summary.json is written last, so its presence means done.
$(OUT)/ingest/%/summary.json: $(OUT)/hashes/%.sha256 $(PIPELINE_FILE) $(MAPPINGS) $(BIN)/safety-ingest
	$(STEP_TIMER) $(BIN)/safety-ingest --pipeline $(PIPELINE_FILE) --output $(@D) --name $* $(DATA)/$*

# datapackage.json is written last by safety-package.
$(OUT)/normalized/datapackage.json: $(INGESTED) $(PIPELINE_FILE) $(BIN)/safety-package
	$(STEP_TIMER) $(BIN)/safety-package --pipeline $(PIPELINE_FILE) --output $(OUT) $(INGESTED:%/summary.json=%)

# One partial aggregate per record kind (both cores under -j2), merged exactly.
$(RESULTS)/partials/%.json: $(OUT)/normalized/datapackage.json $(PIPELINE_FILE) $(BIN)/safety-indicators
	$(STEP_TIMER) $(BIN)/safety-indicators --pipeline $(PIPELINE_FILE) --data $(OUT)/normalized/$*.csv --partial $@ $(PERIOD_ARGS)

# indicators.csv is written after indicators.json.
$(RESULTS)/indicators.csv: $(PARTIALS) $(REFERENCE) $(BIN)/safety-merge
	$(STEP_TIMER) $(BIN)/safety-merge --pipeline $(PIPELINE_FILE) --output $(RESULTS) $(PARTIALS)

TEMPLATES := $(wildcard $(dir $(PIPELINE_FILE))templates/*.mustache)

# One output per run of safety-report; the extension picks the format.
$(RESULTS)/bulletin.md $(RESULTS)/bulletin.txt $(RESULTS)/bulletin.docx: $(TEMPLATES)
$(DATABASE): $(RESULTS)/indicators.csv $(PIPELINE_FILE) $(BIN)/safety-report
	$(STEP_TIMER) $(BIN)/safety-report --pipeline $(PIPELINE_FILE) --indicators $< --output $@ $(PERIOD_ARGS) \
	  --normalized $(OUT)/normalized
$(FROM_DATABASE): $(RESULTS)/%: $(RESULTS)/indicators.csv $(DATABASE) $(PIPELINE_FILE) $(BIN)/safety-report
	$(STEP_TIMER) $(BIN)/safety-report --pipeline $(PIPELINE_FILE) --indicators $< --output $@ $(PERIOD_ARGS) \
	  --database $(DATABASE)
