#!/usr/bin/env bash
# The HTML report in headless Chromium: for every results file under tests/data/ (real *.json and
# synthetic/*.json) and both languages, the page loads with no console errors and every chart drew
# SVG marks (the page's inline self-check writes data-charts-total / data-charts-ok / data-js-errors
# on <body>, read back with --dump-dom). A page with a deliberate script error must be caught, so
# the check itself is shown to fail. Exits 77 (skipped) where chromium is not installed.
#   report_html_test.sh LLMKB TESTS_DATA_DIR
set -u
llmkb="$1"
data="$2"
browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [ -z "$browser" ]; then
  echo "SKIP: no headless browser (install Debian's chromium: apt-get install chromium)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# check_page HTML NAME EXPECT(ok|broken): loads HTML, prints what it saw; returns 0 when the page is clean.
check_page() {
  local html="$1" name="$2"
  timeout 120 "$browser" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
    --dump-dom "file://$html" >"$tmp/dom.html" 2>"$tmp/console.log"
  local code=$?
  local total ok errors console
  total=$(grep -o 'data-charts-total="[0-9]*"' "$tmp/dom.html" | head -1 | grep -o '[0-9]*')
  ok=$(grep -o 'data-charts-ok="[0-9]*"' "$tmp/dom.html" | head -1 | grep -o '[0-9]*')
  errors=$(grep -o 'data-js-errors="[0-9]*"' "$tmp/dom.html" | head -1 | grep -o '[0-9]*')
  # The report logs nothing to the console, and Chromium's log line does not carry the level: any
  # console message at all (an uncaught exception, console.error, a failed resource) fails the page.
  console=$(grep -E ':CONSOLE[:(]' "$tmp/console.log" || true)
  echo "$name: chromium exit $code, charts ${ok:-?}/${total:-?} drawn, script errors ${errors:-?}"
  [ -n "$console" ] && echo "$console" | head -5 | sed 's/^/    console: /'
  [ "$code" -eq 0 ] && [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$ok" = "$total" ] && [ "${errors:-1}" = "0" ] &&
    [ -z "$console" ]
}

files=$(ls "$data"/*.json "$data"/synthetic/*.json 2>/dev/null)
[ -n "$files" ] || { echo "FAIL: no results files under $data"; exit 1; }
for f in $files; do
  for lang in en zh; do
    out="$tmp/$(basename "$f" .json)_$lang"
    if ! "$llmkb" report --input "$f" --out "$out" --lang "$lang" >/dev/null; then
      echo "FAIL: llmkb report failed on $f ($lang)"; fail=1; continue
    fi
    check_page "$out/report.html" "$(basename "$f") [$lang]" || { echo "FAIL: $f ($lang)"; fail=1; }
  done
done

# The test of the test: a script error and an empty chart must both be caught.
first=$(echo "$files" | head -1)
if ! "$llmkb" report --input "$first" --out "$tmp/broken" >/dev/null || [ ! -s "$tmp/broken/report.html" ]; then
  echo "FAIL: llmkb report failed on $first (default language): the checks below would test nothing"; exit 1
fi
sed 's#</body>#<script>undefined_function_called();</script></body>#' "$tmp/broken/report.html" >"$tmp/broken/script.html"
if check_page "$tmp/broken/script.html" "deliberate script error" >/dev/null; then
  echo "FAIL: a page with a script error passed the check"; fail=1
else
  echo "ok: a page with a script error is caught"
fi
sed 's#</body>#<svg class="chart"></svg></body>#' "$tmp/broken/report.html" >"$tmp/broken/empty.html"
if check_page "$tmp/broken/empty.html" "deliberate empty chart" >/dev/null; then
  echo "FAIL: a page with an empty chart passed the check"; fail=1
else
  echo "ok: a page with an empty chart is caught"
fi
sed 's#</body>#<script>console.error("deliberate");</script></body>#' "$tmp/broken/report.html" >"$tmp/broken/console.html"
if check_page "$tmp/broken/console.html" "deliberate console error" >/dev/null; then
  echo "FAIL: a page that logs a console error passed the check"; fail=1
else
  echo "ok: a page that logs a console error is caught"
fi
exit $fail
