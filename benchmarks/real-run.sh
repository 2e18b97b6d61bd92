#!/usr/bin/env bash
# Real run of one or more specs on the real CIFAR-10, served from ../shared/data on a loopback HTTP server, with
# wall time and peak memory (GNU time). Writes the log to benchmarks/logs/<name>.log.
#
#   benchmarks/real-run.sh experiments/cnn.yaml [more specs] [-- extra dotnet-cifar run options]
#
# Needs: the installed tool (README quick start), python3, GNU time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${CIFAR_SHARED_DATA:-../shared/data}
port=${CIFAR_MIRROR_PORT:-8765}
[ -f "$data_dir/cifar-10-binary.tar.gz" ] || { echo "no $data_dir/cifar-10-binary.tar.gz" >&2; exit 1; }

python3 -m http.server --bind 127.0.0.1 "$port" --directory "$data_dir" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1

export CIFAR10_URL="http://127.0.0.1:$port/cifar-10-binary.tar.gz"
mkdir -p benchmarks/logs
name=$(basename "${1%.yaml}")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "command: CIFAR10_URL=$CIFAR10_URL dotnet cifar run $*"
/usr/bin/time -v dotnet cifar run "$@" 2>&1 | tee "benchmarks/logs/$name.log"
