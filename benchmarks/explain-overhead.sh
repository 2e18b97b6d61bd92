#!/usr/bin/env bash
# What Grad-CAM explanations cost (issue 11, point 4: at most 10% of the run time of experiments/cnn.yaml). Runs
# experiments/cnn.yaml twice in one `dotnet cifar run` (same process, seed and thread count, so both train the same
# model): once with `report.explain: {method: gradcam}` (the default, 4 images per class) and once with
# `{method: none}`, and prints from timing.json the total wall times, the time after training (evaluation, pictures,
# Grad-CAM and its checks, report), and the overhead as a share of the run without explanations. The after-training
# difference is the less noisy estimate: training time varies by a few percent between runs on a busy machine.
# Not run by CI; run it on a quiet machine.
#
#   CIFAR10_URL=/path/to/cifar-10-binary.tar.gz benchmarks/explain-overhead.sh
#
# Environment: EPOCHS (default: cnn.yaml's 20), THREADS (default all cores), TRAIN_SAMPLES and TEST_SAMPLES (default
# all; smaller for a smoke check), IMAGES_PER_CLASS (default 4), KEEP_REPORTS (a folder to copy both report folders
# to, for a look at them), CIFAR_TOOL (default `dotnet cifar`, e.g.
# "dotnet run --project tool/Cifar.Cli -c Release --" from source). Needs python3 to edit the spec and read the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CIFAR10_URL:?set CIFAR10_URL to the CIFAR-10 archive (URL or file path)}"
threads=${THREADS:-$(nproc)}
tool=${CIFAR_TOOL:-dotnet cifar}
work=$(mktemp -d)
trap 'if [ -n "${KEEP_REPORTS:-}" ]; then mkdir -p "$KEEP_REPORTS" && cp -r "$work/reports/." "$KEEP_REPORTS/"; fi; rm -rf "$work"' EXIT

# Both specs are experiments/cnn.yaml with only the name, the data URL and subset, the epochs and report.explain changed.
python3 - "$work" "${EPOCHS:-}" "${TRAIN_SAMPLES:-}" "${TEST_SAMPLES:-}" "${IMAGES_PER_CLASS:-4}" "$CIFAR10_URL" <<'PY'
import re, sys
work, epochs, train, test, per_class, url = sys.argv[1:]
base = open("experiments/cnn.yaml").read()
for name, explain in (("explained", f"{{method: gradcam, images_per_class: {per_class}}}"), ("unexplained", "{method: none}")):
    spec = re.sub(r"^name: .*$", f"name: {name}", base, flags=re.M)
    data = f"  url: {url}\n" + (f"  train_samples: {train}\n" if train else "") + (f"  test_samples: {test}\n" if test else "")
    spec = spec.replace("  dataset: cifar10\n", "  dataset: cifar10\n" + data)
    if epochs:
        spec = re.sub(r"^  epochs: \d+", f"  epochs: {epochs}", spec, flags=re.M)
    spec = spec.replace("report:\n", f"report:\n  explain: {explain}\n")
    open(f"{work}/{name}.yaml", "w").write(spec)
PY

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); threads: $threads"
echo "command: $tool run $work/explained.yaml $work/unexplained.yaml --threads $threads --output $work/reports"
$tool run "$work/explained.yaml" "$work/unexplained.yaml" --threads "$threads" --output "$work/reports"

python3 - "$work/reports" <<'PY'
import json, sys
root = sys.argv[1]
t = {n: json.load(open(f"{root}/{n}/timing.json")) for n in ("explained", "unexplained")}
after = {n: v["total_seconds"] - v["training_seconds"] for n, v in t.items()}
for n, v in t.items():
    print(f"{n:>11}: {v['total_seconds']:.1f} s in total, {v['training_seconds']:.1f} s training, {after[n]:.1f} s after training")
base = t["unexplained"]["total_seconds"]
print(f"explanations, after training: {after['explained'] - after['unexplained']:+.2f} s = {(after['explained'] - after['unexplained']) / base * 100:+.2f}% of the run without them (target at most +10%)")
print(f"explanations, total wall time: {(t['explained']['total_seconds'] / base - 1) * 100:+.2f}% (includes training noise)")
PY
