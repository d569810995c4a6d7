# Sourced by the command-line test scripts. Needs $tmp (a scratch folder) and $fail (0 at start).
#   expect CODE 'FIXED STRING' ['FIXED STRING'...] -- command...
# Runs the command; it must exit with CODE and print every string (stdout or stderr). Sets fail=1
# and shows the output otherwise.
expect() {
  local code="$1"; shift
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  "$@" >"$tmp/out" 2>&1
  local got=$? ok=1
  [ "$got" -eq "$code" ] || ok=0
  for p in "${patterns[@]}"; do grep -qF -- "$p" "$tmp/out" || { ok=0; echo "  missing: '$p'"; }; done
  if [ $ok -eq 1 ]; then
    echo "ok: $* -> $got"
  else
    echo "FAIL: '$*' exited $got (want $code):"; head -40 "$tmp/out" | sed 's/^/    /'; fail=1
  fi
}
