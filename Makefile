# newsflow — the commands a developer types. Both README commands first run
# scripts/deps, which installs (or names) the system programs they need.
# Tests bring their own NATS (embedded) and Redis (a private redis-server,
# unless REDIS_URL names one); they read only the repository's testdata/.
MODULES := $(shell go list -f '{{.Dir}}' -m)
PKGS    := $(addsuffix /...,$(MODULES))

# How long each fuzz target is fuzzed by make test and make fuzz:
# make fuzz FUZZTIME=5m fuzzes longer; FUZZ=Canonical only the targets
# whose "package FuzzName" matches.
FUZZTIME ?= 4s
FUZZ ?=

.PHONY: test deps vet fuzz race bench eval build run

test: deps vet
	go test -count=1 $(PKGS)
	scripts/fuzz $(FUZZTIME)

fuzz:
	scripts/fuzz $(FUZZTIME) '$(FUZZ)'

deps:
	@scripts/deps redis chromium

vet:
	go vet $(PKGS)

race: deps
	go test -race -count=1 $(PKGS)

bench:
	cd pkg && GOMAXPROCS=1 go test -run '^$$' -bench . -benchmem -benchtime 3x ./extract/

eval:
	go run ./cmd/newsflow eval

build:
	mkdir -p bin
	go build -o bin/newsflow ./cmd/newsflow
	go build -o bin/fetcher ./services/fetcher/cmd/fetcher
	go build -o bin/parser ./services/parser/cmd/parser
	go build -o bin/store ./services/store/cmd/store

# make run FEED=<url> [FEED="<url> <url>…"] [ARGS="--allow-private …"]
run:
	@scripts/deps redis
	go run ./cmd/newsflow up $(foreach f,$(FEED),--feed $(f)) $(ARGS)
