# newsflow — the commands a developer types. Tests need ../shared beside the
# repository, a Redis (REDIS_URL, default 127.0.0.1:6379); NATS is embedded.
MODULES := $(shell go list -f '{{.Dir}}' -m)
PKGS    := $(addsuffix /...,$(MODULES))

.PHONY: test vet race bench eval build run

test: vet
	go test -count=1 $(PKGS)

vet:
	go vet $(PKGS)

race:
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

run:
	go run ./cmd/newsflow up --feed $(FEED)
