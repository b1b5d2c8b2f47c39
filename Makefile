# The two commands a newcomer needs are `make run` and `make test`; both
# install what is missing first (`make deps`).
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DATA_DIR ?= data

# C libraries and tools from Debian; test-only Python packages from PyPI.
DEBIAN_PACKAGES := pkg-config libnghttp2-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler \
	libsqlite3-dev libhiredis-dev nghttp2-client redis-server openssl
PIP_PACKAGES := grpcio==1.85.1 grpcio-tools==1.85.1 grpcio-health-checking==1.85.1 protobuf

# The data set: MovieLens-100K inside the recbole 1.2.1 wheel (never committed).
RECBOLE_WHEEL := recbole-1.2.1-py3-none-any.whl
RECBOLE_SHA256 := 9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407

.PHONY: deps build test run bench data clean oracle golden

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
	@mkdir -p $(DATA_DIR)/raw
	@if [ ! -f $(DATA_DIR)/raw/ml-100k.inter ]; then \
		tmp=$$(mktemp -d); \
		python3 -m pip download -q --no-deps -d $$tmp recbole==1.2.1 && \
		echo "$(RECBOLE_SHA256)  $$tmp/$(RECBOLE_WHEEL)" | sha256sum -c --quiet - && \
		python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
			[open(sys.argv[2] + '/' + n.rsplit('/', 1)[1], 'wb').write(z.read(n)) \
			 for n in z.namelist() if n.startswith('recbole/dataset_example/ml-100k/ml-100k.')]" \
			$$tmp/$(RECBOLE_WHEEL) $(DATA_DIR)/raw && \
		rm -rf $$tmp; \
	fi
	@cd $(DATA_DIR)/raw && sha256sum -c --quiet $(CURDIR)/tools/ml-100k.sha256 && echo "data: MovieLens-100K verified in $(DATA_DIR)/raw"

run: data build
	@echo "run: built; the services land with the transport and services issues (see README, Status)."

# Benchmarks against real peers in the same run; results go to BENCHMARKS.md.
# The grpc-swift-2 peer is its own package (Tests/Benchmarks/PeerServer), so
# the main build never pulls it.
bench: deps
	$(SWIFT) build -c release --product CodecBench --product EchoServer
	.build/release/CodecBench
	cd Tests/Benchmarks/PeerServer && $(SWIFT) build -c release
	python3 tools/transport_bench.py .build/release/EchoServer Tests/Benchmarks/PeerServer/.build/release/PeerServer

# Regenerate the protobuf-c oracle from Protos/ (committed; needs protobuf-c-compiler).
oracle:
	protoc-c --c_out=Tests/UserRecoPBC -IProtos Protos/user_reco.proto
	mv Tests/UserRecoPBC/user_reco.pb-c.h Tests/UserRecoPBC/include/

# Regenerate the golden vectors with Python protobuf (committed).
golden: deps
	python3 tools/make_golden.py

clean:
	rm -rf .build
