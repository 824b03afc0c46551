# Sourced by scripts/npm.sh and scripts/component.sh: builds a crate of the workspace for
# wasm32-unknown-unknown on the stable toolchain.
#
#   wasm_build <package> <cargo profile> [more rustc flags]
#
# What ships builds with stable flags only: no unstable (-Z) flags, no bootstrap override, no
# nightly, so a new Rust release cannot break the build. The prebuilt std of the wasm32 target
# is used as it is; size is a budget each script checks (512 KiB gzipped per .wasm), not a
# goal worth unstable flags.
wasm_build() {
  local package=$1 profile=$2 flags=${3:-}
  RUSTFLAGS="$flags" \
    cargo build --quiet -p "$package" --target wasm32-unknown-unknown --profile "$profile"
}
