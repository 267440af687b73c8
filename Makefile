# Two commands set everything up on a fresh Debian machine with Python 3.10+:
#   make demo   a real `plan start mass_petition ...` session in a throw-away database
#   make test   the whole test suite, with the Debian packages the browser, PDF and diagram tests need
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: headless browser (web and report tests), CJK font (PDF), pdftotext/pdffonts, Graphviz
DEBS := chromium fonts-noto-cjk poppler-utils graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

.PHONY: demo test install install-test debs clean

$(BIN)/plan: pyproject.toml plugins/*/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet . plugins/flood plugins/forest_fire plugins/mass_petition
	touch $@

install: $(BIN)/plan

demo: install
	@set -e; d=$$(mktemp -d); export PLANENGINE_DB=$$d/demo.db; cd $$d; \
	echo "\$$ plan start mass_petition --set crowd_size=60 --set location=县政府东门 --id DEMO-1"; \
	$(CURDIR)/$(BIN)/plan start mass_petition --set crowd_size=60 --set location=县政府东门 --id DEMO-1; \
	echo "\$$ plan done DEMO-1 report_up --by 王焰"; \
	$(CURDIR)/$(BIN)/plan done DEMO-1 report_up --by 王焰 >/dev/null; \
	echo "\$$ plan done DEMO-1 dispatch --by 王焰"; \
	$(CURDIR)/$(BIN)/plan done DEMO-1 dispatch --by 王焰 >/dev/null; \
	echo "\$$ plan checkin DEMO-1 team --count 50"; \
	$(CURDIR)/$(BIN)/plan checkin DEMO-1 team --count 50 >/dev/null; \
	echo "\$$ plan status DEMO-1"; \
	$(CURDIR)/$(BIN)/plan status DEMO-1; \
	rm -rf $$d

debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "missing Debian packages; run: sudo apt-get install -y $$missing" >&2; exit 1; \
	fi

install-test: debs
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV)
