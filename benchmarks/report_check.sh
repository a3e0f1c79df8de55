#!/usr/bin/env bash
# Opens a study report in headless Chromium (Debian's `chromium`) and fails on a console message,
# a JavaScript error, an image that did not decode, an empty section or a missing results table:
# the report's own load-time check writes its verdict into <body data-check>, and Chromium's log
# shows every console message. With a second argument, also saves two screenshots there (the top
# of the report and its results table).
#   bash benchmarks/report_check.sh out/study/report.html [screenshot-dir]
set -euo pipefail
report=${1:?usage: report_check.sh REPORT.html [SCREENSHOT_DIR]}
shots=${2:-}
[ -f "$report" ] || { echo "report_check: $report: no such file" >&2; exit 1; }
command -v chromium >/dev/null || { echo "report_check: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
url="file://$(realpath "$report")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" --hide-scrollbars)
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --v=0 --virtual-time-budget=10000 --dump-dom "$url" \
  > "$work/dom.html" 2> "$work/log.txt" || { echo "report_check: chromium failed on $report" >&2; tail -5 "$work/log.txt" >&2; exit 1; }
verdict=$(grep -o 'data-check="[^"]*"' "$work/dom.html" | head -1 | sed 's/^data-check="//; s/"$//')
status=0
if [ "$verdict" != "ok" ]; then echo "report_check: $report: ${verdict:-no verdict (the check script did not run)}" >&2; status=1; fi
if grep -q 'CONSOLE' "$work/log.txt"; then
  echo "report_check: $report: console messages:" >&2
  grep 'CONSOLE' "$work/log.txt" | head -10 >&2
  status=1
fi
images=$(grep -o '<img ' "$work/dom.html" | wc -l)
rows=$(grep -o '<tr' "$work/dom.html" | wc -l)
if [ "$images" -lt 5 ]; then echo "report_check: $report: only $images images" >&2; status=1; fi
if [ -n "$shots" ] && [ $status -eq 0 ]; then
  mkdir -p "$shots"
  timeout 120 chromium "${flags[@]}" --window-size=1280,1600 --virtual-time-budget=5000 --screenshot="$shots/report-top.png" "$url" 2>/dev/null
  timeout 120 chromium "${flags[@]}" --window-size=1280,1600 --virtual-time-budget=5000 --screenshot="$shots/report-results.png" "$url?section=results" 2>/dev/null
fi
[ $status -eq 0 ] && echo "report_check: $report: ok ($images images, $rows table rows, no console messages)"
exit $status
