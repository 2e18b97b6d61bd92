#!/usr/bin/env bash
# The cost and the check of `determinism: portable` (docs/determinism.md), on the lab CNN's layers (experiments/cnn.yaml)
# with a small real-CIFAR-10 subset, 2 libtorch threads.
#   1. identity: metrics.json of portable runs under environments that pretend to be other CPUs (oneDNN's ISA ceiling
#      lowered to SSE4.1, MKL's instruction ceiling lowered to AVX2) must equal the plain portable run's, byte for byte;
#      the same ceilings applied to fast runs show that each one does change numbers when its library is in the path.
#   2. speed: farm-bench times portable (A) against fast (B), paired, and prints the ratio A/B.
# Usage: benchmarks/portable-determinism.sh [TRAIN_SAMPLES] [EPOCHS] [RUNS]   (defaults 2000 1 3)
# Needs: a built tool (dotnet build Repro.sln -c Release), the CIFAR-10 archive in CIFAR10_URL, farm-bench.
set -euo pipefail
train=${1:-2000} epochs=${2:-1} runs=${3:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
tool=$repo/tests/Cifar.Tests/bin/Release/net10.0/linux-x64/dotnet-cifar.dll
export CIFAR10_URL=${CIFAR10_URL:-file:///work/shared/data/cifar-10-binary.tar.gz}
export CIFAR_CACHE_DIR=${CIFAR_CACHE_DIR:-/tmp/e2e/cache}
unset ATEN_CPU_CAPABILITY MKL_CBWR MKL_ENABLE_INSTRUCTIONS ONEDNN_MAX_CPU_ISA DNNL_MAX_CPU_ISA
work=$(mktemp -d /tmp/portable-determinism.XXXXXX)
trap 'rm -rf "$work"' EXIT

spec() { # NAME LEVEL
    sed -e "s/^name: cnn/name: $1\ndeterminism: $2/" \
        -e "s/^  batch_size: 64/  batch_size: 64\n  train_samples: $train\n  test_samples: 1000/" \
        -e "s/^  epochs: 20/  epochs: $epochs/" -e 's/formats: \[markdown, html\]/formats: [markdown]/' \
        "$repo/experiments/cnn.yaml" > "$work/$1.yaml"
}
run() { # NAME [VAR=VALUE...]
    local name=$1; shift
    env "$@" dotnet "$tool" run "$work/$name.yaml" -o "$work/out-$name${*:+-${*//[^A-Za-z0-9]/_}}" --threads 2 > /dev/null
    echo "$work/out-$name${*:+-${*//[^A-Za-z0-9]/_}}/$name/metrics.json"
}
same() { cmp -s "$1" "$2" && echo identical || echo DIFFERENT; }

spec portable portable
spec fast fast
base=$(run portable)
echo "portable vs portable, ONEDNN_MAX_CPU_ISA=SSE41:     $(same "$base" "$(run portable ONEDNN_MAX_CPU_ISA=SSE41)")"
echo "portable vs portable, MKL_ENABLE_INSTRUCTIONS=AVX2: $(same "$base" "$(run portable MKL_ENABLE_INSTRUCTIONS=AVX2)")"
fast=$(run fast)
echo "fast vs fast, ONEDNN_MAX_CPU_ISA=SSE41 (control):   $(same "$fast" "$(run fast ONEDNN_MAX_CPU_ISA=SSE41)")"
echo "fast vs fast, ATEN_CPU_CAPABILITY=avx2 (control):   $(same "$fast" "$(run fast ATEN_CPU_CAPABILITY=avx2)")"
echo "fast vs portable:                                   $(same "$fast" "$base")"

farm-bench -n "$runs" --warmup 0 --timeout 3600 \
    --vs "dotnet $tool run $work/fast.yaml -o $work/bench-fast --threads 2" \
    -- dotnet "$tool" run "$work/portable.yaml" -o "$work/bench-portable" --threads 2
