//! Growing the WebAssembly heap once ahead of a large decode, instead of step by step.
//!
//! In WebAssembly the heap only grows, and a JavaScript host (V8) may answer every
//! `memory.grow` with a full collection of its own heap: the hundreds of small grows of one
//! large plan cost a minute in Node, one grow costs nothing. Natively this is one allocation
//! handed straight back. Not getting the memory changes nothing else.
//!
//! It lives here, with the hosts, because it is about the allocator of a WebAssembly
//! module, not a decision of the core: the boundary calls it when a whole input arrives
//! (`boundary::plan_inputs`). The one reservation the core makes itself is the engine's at
//! the first listing page, where only the engine knows how many pages follow; that stays a
//! private hint inside the engine (`engine/machine/listing.rs`), so the core does not
//! depend on this crate.

/// Grows the heap once by about what decoding and planning `input_bytes` of JSON will hold,
/// and hands it straight back to the allocator.
pub fn reserve_heap_for(input_bytes: usize) {
    // Decoded inputs and planning hold about 3x the JSON (benches/plan.rs); 1 GiB at most.
    let want = input_bytes.saturating_mul(3).min(1 << 30);
    let mut reserve: Vec<u8> = Vec::new();
    let _ = reserve.try_reserve_exact(want);
}
