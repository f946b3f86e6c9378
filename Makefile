# lrbook: the two commands a new user needs are `make book` and `make test`.
# Both install what they need on first use (scripts/setup.sh is idempotent).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: all setup book examples serve test test-cuda test-rust lint check-book clean-book bench

all: book

## setup: .venv with torch==2.13.0, mdbook + mdbook-katex in .tools/, Fashion-MNIST
setup:
	@scripts/setup.sh all

## book: run every example (full configuration) and build the HTML book into book/build
book: setup
	@scripts/build-book.sh
	@echo "Book built: open $(CURDIR)/book/build/index.html  (or: make serve)"

## serve: serve the built book on http://localhost:3000
serve: setup
	@[ -f book/build/index.html ] || scripts/build-book.sh
	mdbook serve book --hostname 127.0.0.1 --port 3000

## test: formatting, lints, unit + snapshot tests (scripts/run-tests.sh: cargo-nextest, one test
##       per core, where installed; no pending snapshots), the publish check
##       (scripts/check-publish.sh: dry-run, docs.rs-style docs, the README used downstream),
##       the book build, then
##       chapter 2's slider and every page of the book in headless Chromium
##       (screenshots in target/artifacts/)
test: setup
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	@rm -f target/test-skips.txt target/test-kept-passes.txt
	@scripts/run-tests.sh
	@scripts/kept-pass.sh doctests src examples assets env-check README.md Cargo.toml Cargo.lock build.rs .cargo .libtorch/version.py -- cargo test --doc
	@scripts/check-publish.sh
	@scripts/check-no-pending-snapshots.sh
	@python3 scripts/compare-tables.py --self-test > /dev/null
	@python3 scripts/check-book-numbers.py --self-test
	@python3 scripts/check-prose-numbers.py --self-test
	@python3 scripts/test_mdbook_listings.py
	@python3 scripts/check-prose-numbers.py
	@scripts/build-book.sh
	@scripts/test-slider.sh
	@scripts/test-explorer.sh
	@scripts/test-pages.sh
	@scripts/report-skips.sh
	@echo "make test: all checks passed"

## test-cuda: on a machine with an NVIDIA GPU, proves the CUDA path: driver and wheel, the
##            libtorch_cuda link, every CUDA-vs-CPU test with no skipping, every example
##            --quick on both devices with their tables compared, and the CUDA benchmark.
##            Report in target/artifacts/cuda-report.md. Fails at once without a GPU.
test-cuda:
	@scripts/test-cuda.sh

clean-book:
	rm -rf book/build book/src/generated book/src/figures

## bench: speed against PyTorch-Python, in the same run (prints tables; asserts nothing).
##        Runs with the CPU's fastest code paths: .cargo/config.toml pins ATEN_CPU_CAPABILITY
##        and MKL_CBWR=COMPATIBLE for reproducible numbers, which makes sgemm about 2.5x
##        slower; both sides of every comparison get the same setting (bench/README.md).
bench: export MKL_CBWR := AUTO
bench: export ATEN_CPU_CAPABILITY := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo avx512 || echo avx2)
bench: setup
	cargo run --quiet --example bench_train_step -- --threads 1
	cargo run --quiet --example bench_train_step -- --threads 2
	cargo run --quiet --example bench_adam_step
	bench/finder_range_test.sh
	cargo run --quiet --example bench_lr_sweep
	cargo run --quiet --example bench_noisy_chains
	bench/chapter_quick.sh
