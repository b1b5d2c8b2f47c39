# The two commands a newcomer needs are `make run` and `make test`; both
# install what is missing first (`make deps`).
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DATA_DIR ?= data
# The online store for `make run`: sqlite (embedded, default) or redis at REDIS_URL.
STORE ?= sqlite
REDIS_URL ?= redis://127.0.0.1:6379/0

# C libraries and tools from Debian (chromium: the dashboard test's headless
# browser); test-only Python packages from PyPI.
DEBIAN_PACKAGES := pkg-config libnghttp2-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler \
	libsqlite3-dev libhiredis-dev nghttp2-client redis-server openssl chromium
PIP_PACKAGES := grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-health-checking==1.85.1 protobuf
# `make bench` only: the Python reference peer's ranking (tools/reference_feed.py).
BENCH_PIP_PACKAGES := numpy

.PHONY: artifacts deps build test run run-replicas bench data clean oracle golden fuzz soak reliability

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import grpc, grpc_tools, grpc_health, google.protobuf" 2>/dev/null || \
		{ echo "deps: installing $(PIP_PACKAGES)"; python3 -m pip install -q $(PIP_PACKAGES); }

build: deps
	$(SWIFT) build -c release

test: deps data
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

data: deps
	@tools/fetch-ml100k.sh $(DATA_DIR)/raw

# Fetch, build, run the offline pipeline when nothing is published yet, then
# recod with the five services in the foreground (Ctrl-C stops them all).
run: artifacts
	@mkdir -p $(DATA_DIR)/logs
	RECO_STORE=$(STORE) RECO_REDIS_URL=$(REDIS_URL) .build/release/recod --config deploy/recod.conf

# Two RecoCenters and two CacheServices sharing Redis at REDIS_URL (deploy/README.md).
run-replicas: artifacts
	@mkdir -p $(DATA_DIR)/logs
	RECO_STORE=redis RECO_REDIS_URL=$(REDIS_URL) .build/release/recod --config deploy/recod-replicas.conf

# Benchmarks against real peers in the same run; results go to BENCHMARKS.md.
# The grpc-swift-2 peer is its own package (Tests/Benchmarks/PeerServer), so
# the main build never pulls it.
bench: artifacts
	@python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q $(BENCH_PIP_PACKAGES)
	python3 tools/feed_bench.py .build/release $(DATA_DIR)/artifacts
	python3 tools/redis_bench.py .build/release $(DATA_DIR)/artifacts
	.build/release/CodecBench
	cd Tests/Benchmarks/PeerServer && $(SWIFT) build -c release
	python3 tools/transport_bench.py .build/release/EchoServer Tests/Benchmarks/PeerServer/.build/release/PeerServer

# Faults under load, restart times and load shedding (RELIABILITY.md), and a
# 10-minute soak at half the measured maximum rate (SOAK_MINUTES).
SOAK_MINUTES ?= 10
artifacts: data build
	@[ -f $(DATA_DIR)/catalog/catalog.inter ] || .build/release/recoctl import --ml100k $(DATA_DIR)/raw --out $(DATA_DIR)/catalog
	@[ -e $(DATA_DIR)/artifacts/current ] || .build/release/recoctl train --catalog $(DATA_DIR)/catalog --artifacts $(DATA_DIR)/artifacts
reliability: artifacts
	python3 tools/reliability.py .build/release $(DATA_DIR)/artifacts
soak: artifacts
	python3 tools/soak.py .build/release $(DATA_DIR)/artifacts $(SOAK_MINUTES)

# libFuzzer over the proto3 decoder and the server's whole input path, each for
# FUZZ_SECONDS, after replaying the saved regressions. A crash leaves its input
# in Tests/Fuzz/regressions/<target>/ (commit it: it is replayed from then on).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz --product DecoderFuzz $(FUZZ_FLAGS)
	$(SWIFT) build -c release --scratch-path .build-fuzz --product ServerFuzz $(FUZZ_FLAGS)
	@for target in DecoderFuzz ServerFuzz; do \
		mkdir -p Tests/Fuzz/regressions/$$target .build-fuzz/corpus/$$target; \
		echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 .build-fuzz/release/$$target -detect_leaks=0 \
			-artifact_prefix=Tests/Fuzz/regressions/$$target/ -max_total_time=$(FUZZ_SECONDS) \
			.build-fuzz/corpus/$$target Tests/Fuzz/regressions/$$target || exit 1; \
	done

# Regenerate the protobuf-c oracle from Protos/ (committed; needs protobuf-c-compiler).
oracle:
	protoc-c --c_out=Tests/UserRecoPBC -IProtos Protos/user_reco.proto
	mv Tests/UserRecoPBC/user_reco.pb-c.h Tests/UserRecoPBC/include/

# Regenerate the golden vectors with Python protobuf (committed).
golden: deps
	python3 tools/make_golden.py

clean:
	rm -rf .build
