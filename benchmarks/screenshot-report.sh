#!/usr/bin/env bash
# A full-page screenshot of an HTML report or HTML diff, for a person to look at (issue 11, "Done when": the report's
# class grid, galleries and Grad-CAM maps as Chromium draws them). Uses Debian's chromium in its own headless
# screenshot mode; the page is opened from disk and needs nothing else (the browser tests check that it asks for
# nothing outside its file).
#
#   benchmarks/screenshot-report.sh reports/cnn/report.html                 # writes reports/cnn/report.png
#   benchmarks/screenshot-report.sh diff.html /tmp/diff.png 6000             # output file, page height in pixels
#
# Environment: CHROMIUM (default chromium), WIDTH (default 1280).
set -euo pipefail
page=${1:?usage: $0 REPORT.html [OUT.png] [HEIGHT]}
[ -f "$page" ] || { echo "no such file: $page" >&2; exit 2; }
out=${2:-${page%.html}.png}
height=${3:-5000}
chromium=${CHROMIUM:-chromium}
command -v "$chromium" > /dev/null || { echo "$chromium is not installed (apt-get install -y chromium)" >&2; exit 2; }
url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: Chromium refuses to run as root (CI, containers) with its sandbox; the page is our own file.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${WIDTH:-1280},$height" --screenshot="$(realpath -m "$out")" "$url" 2> "$profile/stderr" \
  || { cat "$profile/stderr" >&2; exit 1; }
[ -s "$out" ] || { cat "$profile/stderr" >&2; echo "no screenshot written" >&2; exit 1; }
echo "$out"
