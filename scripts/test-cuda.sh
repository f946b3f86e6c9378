#!/usr/bin/env bash
# make test-cuda: proves the CUDA path on a machine with an NVIDIA GPU. It
#   1. checks the GPU and its driver (nvidia-smi), and fails at once without them;
#   2. checks that .venv's torch wheel sees the GPU, and that the build linked libtorch_cuda;
#   3. runs every CUDA-against-CPU test with skipping turned into failure
#      (LRBOOK_REQUIRE_CUDA=1);
#   4. runs every chapter and exercise --quick on both devices and compares their tables
#      within the tolerances of scripts/cuda-tolerances.json (scripts/compare-tables.py);
#   5. runs the CUDA benchmark of a training step against PyTorch-Python.
# It writes target/artifacts/cuda-report.md, and exits non-zero if any step failed.
#
# scripts/test-cuda.sh --rehearse-on-cpu runs the same pipeline with the CPU standing in for
# the GPU (no GPU checks, no LRBOOK_REQUIRE_CUDA), to test this script on a machine without one.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PATH"

say() { printf '\033[1m[test-cuda]\033[0m %s\n' "$*" >&2; }

gpu=cuda
if [ "${1:-}" = --rehearse-on-cpu ]; then
    gpu=cpu
    say "rehearsal: the CPU stands in for the GPU; this proves the script, not the GPU path"
elif [ -n "${1:-}" ]; then
    say "error: unknown argument '$1' (the only option is --rehearse-on-cpu)"
    exit 2
fi

# 1. A GPU and its driver, before anything slow.
if [ "$gpu" = cpu ]; then
    gpus="none (rehearsal on the CPU)"
elif ! command -v nvidia-smi > /dev/null 2>&1; then
    say "error: make test-cuda needs an NVIDIA GPU, and this machine has no nvidia-smi (no GPU"
    say "or no NVIDIA driver). Run it on a machine with a GPU; make test checks everything else."
    exit 1
fi
if [ "$gpu" = cuda ] && { ! gpus="$(nvidia-smi --query-gpu=name,driver_version,memory.total \
        --format=csv,noheader 2>&1)" || [ -z "$gpus" ]; }; then
    say "error: nvidia-smi found no usable GPU: ${gpus:-no output}"
    say "Check the driver (nvidia-smi should list the GPU), then rerun make test-cuda."
    exit 1
fi

scripts/setup.sh all || { say "error: scripts/setup.sh failed"; exit 1; }

# Determinism where it can be had: one cuBLAS workspace layout (see docs.nvidia.com/cuda/cublas,
# "Results reproducibility"); the tests and the comparison runs also turn cuDNN off.
export CUBLAS_WORKSPACE_CONFIG=:4096:8
# The CPU code-path pins of .cargo/config.toml, which cargo sets but a binary run from
# target/ directly does not get (CONTRIBUTING: "Numbers across machines").
eval "$(sed -n 's/^\(ATEN_CPU_CAPABILITY\|MKL_CBWR\) *= *\("[^"]*"\)/export \1=\2/p' .cargo/config.toml)"

artifacts=target/artifacts
work=target/cuda-check
rm -rf "$work"
mkdir -p "$artifacts" "$work/cpu" "$work/cuda" "$work/logs"
report="$artifacts/cuda-report.md"
failed=()
{
    echo "# make test-cuda report"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "## GPU"
    echo
    echo '```'
    echo "$gpus"
    echo '```'
} > "$report"

# 2. The wheel sees the GPU; the build linked libtorch_cuda.
say "checking .venv's torch"
if wheel="$(REQUIRE="$gpu" .venv/bin/python - 2>&1 <<'EOF'
import os
import torch
if os.environ["REQUIRE"] == "cuda":
    assert torch.cuda.is_available(), "torch.cuda.is_available() is False"
else:
    print(f"torch {torch.__version__} (rehearsal: GPU not required)"); raise SystemExit
print(f"torch {torch.__version__}, built for CUDA {torch.version.cuda}, "
      f"cuDNN {torch.backends.cudnn.version()}, device 0: {torch.cuda.get_device_name(0)}")
EOF
)"; then
    say "$wheel"
else
    failed+=("the torch wheel in .venv does not see the GPU: $wheel")
fi
{ echo; echo "## Wheel and linkage"; echo; echo "- $wheel"; } >> "$report"

say "building the examples and tests"
cargo build --quiet --examples --tests || { say "error: cargo build failed"; exit 1; }
probe=target/debug/examples/ch1_quadratic
if linked="$(ldd "$probe" | grep -E 'libtorch_cuda\.so')" && ! grep -q "not found" <<< "$linked"; then
    echo "- $probe links $(awk '{print $1 " → " $3}' <<< "$linked")" >> "$report"
else
    failed+=("$probe does not link libtorch_cuda.so (see DESIGN: -Wl,--no-as-needed -ltorch)")
    echo "- $probe does NOT link libtorch_cuda.so" >> "$report"
fi

# 3. The CUDA-against-CPU tests, which must not skip.
say "CUDA-against-CPU tests (LRBOOK_REQUIRE_CUDA=1)"
require=1
[ "$gpu" = cpu ] && require=0
if LRBOOK_REQUIRE_CUDA=$require cargo test --quiet --all-targets cuda > "$work/logs/cuda-tests.log" 2>&1; then
    result=passed
else
    result=FAILED
    failed+=("cargo test cuda: see $work/logs/cuda-tests.log")
fi
{
    echo; echo "## CUDA-against-CPU tests: $result"; echo
    echo '```'
    grep -E '^test .*cuda|^test result' "$work/logs/cuda-tests.log" || true
    echo '```'
} >> "$report"

# 4. Every chapter and exercise, --quick, on both devices.
say "every example --quick on the CPU and on CUDA"
{
    echo; echo "## Every example with --quick on both devices"; echo
    echo "| example | CPU (1 thread) s | CUDA s | CUDA ÷ CPU |"
    echo "|:---|---:|---:|---:|"
} >> "$report"
for src in $(ls examples/ch*_*.rs | sort -V); do
    name="$(basename "$src" .rs)"
    times=()
    for side in cpu cuda; do
        device=cpu extra=(--threads 1)
        if [ "$side" = cuda ]; then device=$gpu extra=(--cuda-deterministic); fi
        start=$(date +%s.%N)
        if ! "target/debug/examples/$name" --quick --device "$device" "${extra[@]}" \
                --out "$work/$side" > "$work/logs/$name.$side.log" 2>&1; then
            failed+=("$name --device $device: see $work/logs/$name.$side.log")
        fi
        times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')")
    done
    awk -v n="$name" -v c="${times[0]}" -v g="${times[1]}" \
        'BEGIN { printf "| %s | %.1f | %.1f | %.2f |\n", n, c, g, g / c }' >> "$report"
    say "$name: CPU ${times[0]%.*} s, CUDA ${times[1]%.*} s"
done
echo >> "$report"
if python3 scripts/compare-tables.py "$work/cpu" "$work/cuda" \
        --tolerances scripts/cuda-tolerances.json --report "$work/tables.md" > /dev/null; then
    result=passed
else
    result=FAILED
    failed+=("tables differ beyond tolerance: see the report")
fi
{ echo "### Tables, CPU against CUDA: $result"; echo; cat "$work/tables.md" 2>/dev/null; } >> "$report"

# 5. The benchmark, both sides on the GPU.
say "benchmark: a training step on CUDA, lrbook against PyTorch-Python"
{ echo; echo "## Benchmark: one MLP training step on CUDA"; echo; } >> "$report"
if cargo run --quiet --example bench_train_step -- --device "$gpu" > "$work/logs/bench.log" 2>&1; then
    cat "$work/logs/bench.log" >> "$report"
else
    failed+=("bench_train_step --device cuda: see $work/logs/bench.log")
fi
# The rehearsal's CPU benchmark, taken beside everything else, must not replace the committed
# CPU results of bench/README.md.
if [ "$gpu" = cpu ]; then
    git checkout -- bench/results 2>/dev/null || true
fi

{ echo; echo "## Verdict"; echo; } >> "$report"
if [ ${#failed[@]} -eq 0 ]; then
    echo "All checks passed." >> "$report"
    say "all checks passed; report in $report"
    exit 0
fi
for f in "${failed[@]}"; do echo "- FAILED: $f" >> "$report"; say "FAILED: $f"; done
say "report in $report"
exit 1
