# The two commands of the README, plus the benchmark.
.PHONY: demo test bench build

build:
	go build -o bin/servicepulse ./cmd/servicepulse

# README command 1: the whole pipeline end to end on this machine.
demo: build
	./bin/servicepulse demo

# README command 2: installs and starts the servers, then runs every test.
test:
	bash scripts/test.sh

# Go benchmarks of the hot paths, then the end-to-end benchmark command.
bench: build
	bash scripts/bench.sh
