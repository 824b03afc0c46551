#!/usr/bin/env bash
# Fuzzes the crate's parsers and decoders with cargo-fuzz (libFuzzer; needs nightly Rust).
#
#   scripts/fuzz.sh                  # every target in fuzz/fuzz_targets, 60 s each
#   scripts/fuzz.sh filter_parse     # only the named targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh # longer runs
#
# Each run starts from fuzz/corpus/TARGET (grown by earlier runs, not committed) plus the
# committed regression inputs in tests/fixtures/fuzz/TARGET, so every crash ever found is
# replayed first. A crash stops that target; its input is saved under fuzz/artifacts/TARGET.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

seconds="${FUZZ_SECONDS:-60}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

failed=()
for target in "${targets[@]}"; do
  corpus="$root/fuzz/corpus/$target"
  mkdir -p "$corpus"
  # libFuzzer writes new inputs to the first corpus directory only, so the committed
  # regression inputs are read but never modified.
  corpora=("$corpus")
  regressions="$root/tests/fixtures/fuzz/$target"
  if [ -d "$regressions" ]; then
    corpora+=("$regressions")
  fi
  echo "== fuzzing $target for ${seconds}s (corpora: ${corpora[*]})"
  echo "   crashers will be saved in fuzz/artifacts/$target/"
  if ! cargo +nightly fuzz run "$target" "${corpora[@]}" -- -max_total_time="$seconds"; then
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== fuzzing FAILED for: ${failed[*]}" >&2
  for target in "${failed[@]}"; do
    echo "   crasher inputs: fuzz/artifacts/$target/ (replay: cd fuzz && cargo +nightly fuzz run $target artifacts/$target/FILE)" >&2
  done
  echo "   After fixing, copy each crasher into tests/fixtures/fuzz/TARGET/ as a regression input." >&2
  exit 1
fi
echo "== fuzzing passed: ${targets[*]}"
echo "   Any crasher found later lands in fuzz/artifacts/TARGET/; copy it into"
echo "   tests/fixtures/fuzz/TARGET/ as a regression input once the bug is fixed."
