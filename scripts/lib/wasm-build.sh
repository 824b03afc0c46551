# Sourced by scripts/npm.sh and scripts/component.sh: builds a crate of the workspace for
# wasm32-unknown-unknown with the standard library rebuilt for size.
#
#   wasm_build <package> <cargo profile> [more rustc flags]
#
# The shipped .wasm files are built with std compiled from source (`-Zbuild-std`) under the
# same profile as our code (opt-level, LTO), with panics that trap at once
# (`-Cpanic=immediate-abort`) and std's size-optimized code paths (`optimize_for_size`).
# A panic in WebAssembly is a trap either way; what goes is the formatting of a message
# nobody can read (the module has no stderr) and the location data behind it: about 8% of
# the gzipped module. These are unstable flags: machines of this kind have one (stable)
# toolchain and cannot fetch a nightly, so the build sets RUSTC_BOOTSTRAP=1 for this one
# cargo invocation, with the toolchain's own std sources (the rust-src component). Native
# builds and tests never use it.
wasm_build() {
  local package=$1 profile=$2 flags=${3:-}
  if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "== rustup component add rust-src"
    rustup component add rust-src
  fi
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort $flags" \
    cargo build --quiet -p "$package" --target wasm32-unknown-unknown --profile "$profile" \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
}
