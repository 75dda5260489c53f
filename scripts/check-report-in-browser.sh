#!/usr/bin/env bash
# Checks an audit report in a real browser: renders it with headless Chromium (the Debian
# package) and checks that the rendered DOM has one round element (data-job/data-round) for
# every round of the ledger.
#
#   scripts/check-report-in-browser.sh LEDGER_OR_HTML
#
# Given a ledger (any file not ending in .html), it writes the report with 'audit report' and
# takes the expected rounds from the ledger's round_opened records. Given a report, it takes them
# from the report's <meta name="factoryfl-rounds">. Installs chromium with apt-get when missing
# and running as root. Exit 0 when every round rendered, 1 when not, 2 on bad usage.
# CHECK_REPORT_SCREENSHOT=FILE.png also saves a screenshot of the page.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="0.1.0-SNAPSHOT"

if [[ $# -ne 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  [[ $# -eq 1 ]] && exit 0 || exit 2
fi
input="$1"
if [[ ! -f "$input" ]]; then
  echo "check-report: '$input' is not a file (give a ledger or a report .html)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

find_chromium() {
  command -v chromium || command -v chromium-browser || true
}
browser="$(find_chromium)"
if [[ -z "$browser" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "check-report: installing chromium (Debian package)..." >&2
    { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } \
      >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
    browser="$(find_chromium)"
  fi
  if [[ -z "$browser" ]]; then
    echo "check-report: no chromium found; install it with 'apt-get install -y chromium'" >&2
    exit 1
  fi
fi

# Writes the report for ledger $1 to $2 with 'audit report' from the coordinator jar, (re)built
# like the launcher does when it is missing or older than the sources.
write_report() {
  local jar="$root/coordinator/target/factoryfl-coordinator-$version.jar"
  if [[ ! -f "$jar" ]] || ! jar tf "$jar" | grep -q 'cli/AuditCommand.class' \
      || [[ -n "$(find "$root/core/src/main" "$root/coordinator/src/main" -newer "$jar" -print -quit)" ]]; then
    echo "check-report: building the coordinator jar..." >&2
    # shellcheck disable=SC2086
    (cd "$root" && ./mvnw -q -B ${FACTORYFL_MAVEN_ARGS:-} -DskipTests install -pl coordinator -am) >&2
  fi
  java -cp "$jar" io.factoryfl.coordinator.cli.AuditCommand report "$1" --out "$2"
}

case "$input" in
  *.html|*.htm)
    html="$input"
    expected="$(sed -n 's/.*<meta name="factoryfl-rounds" content="\([^"]*\)".*/\1/p' "$html" \
      | head -1 | tr ' ' '\n' | sed '/^$/d')"
    ;;
  *)
    html="$work/report.html"
    write_report "$input" "$html" >&2
    # canonical JSON: one record per line, "job_id":"..." and "round":N appear verbatim
    expected="$(grep '"type":"round_opened"' "$input" \
      | sed -n 's/.*"job_id":"\([^"]*\)".*"round":\([0-9]*\).*/\1:\2/p' | awk '!seen[$0]++')"
    ;;
esac

echo "browser: $("$browser" --version 2>/dev/null | head -1)"
echo "report:  $html ($(wc -c <"$html") bytes)"

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  "--user-data-dir=$work/profile")
url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
if ! timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/chromium.log"; then
  echo "FAILED: chromium could not render $url:" >&2
  tail -20 "$work/chromium.log" >&2
  exit 1
fi
if [[ -n "${CHECK_REPORT_SCREENSHOT:-}" ]]; then
  timeout 120 "$browser" "${flags[@]}" --window-size=1200,2400 \
    "--screenshot=$CHECK_REPORT_SCREENSHOT" "$url" >/dev/null 2>>"$work/chromium.log" || true
  echo "screenshot: $CHECK_REPORT_SCREENSHOT"
fi

rendered="$(grep -o '<li class="round [a-z]*" data-job="[^"]*" data-round="[0-9]*"' "$work/dom.html" \
  | sed 's/.*data-job="\([^"]*\)" data-round="\([0-9]*\)"/\1:\2/' || true)"
charts="$(grep -o '<figure class="chart"' "$work/dom.html" | wc -l)"
echo "rendered DOM: $(wc -c <"$work/dom.html") bytes, $(printf '%s\n' "$rendered" | sed '/^$/d' | wc -l) round elements, $charts metric charts"

if [[ -z "$expected" ]]; then
  echo "FAILED: no rounds expected: the ledger has no round_opened record (or the report no round list)"
  exit 1
fi
missing=()
while IFS= read -r round; do
  grep -qxF "$round" <<<"$rendered" || missing+=("$round")
done <<<"$expected"
if ! grep -q '</html>' "$work/dom.html"; then
  echo "FAILED: the rendered DOM is incomplete"
  exit 1
fi
if ((${#missing[@]} > 0)); then
  echo "FAILED: not shown in the rendered page: ${missing[*]}"
  exit 1
fi
echo "OK: all $(printf '%s\n' "$expected" | wc -l) rounds rendered: $(tr '\n' ' ' <<<"$expected")"
