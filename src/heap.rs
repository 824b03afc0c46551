//! Growing the WebAssembly heap once ahead of a large decode, instead of step by step.
//!
//! In WebAssembly the heap only grows, and a JavaScript host (V8) may answer every
//! `memory.grow` with a full collection of its own heap: the hundreds of small grows of one
//! large plan cost a minute in Node, one grow costs nothing. Natively this is one allocation
//! handed straight back. Not getting the memory changes nothing else.

/// Grows the heap once by about what decoding and planning `input_bytes` of JSON will hold,
/// and hands it straight back to the allocator.
pub fn reserve_heap_for(input_bytes: usize) {
    // Decoded inputs and planning hold about 3x the JSON (benches/plan.rs); 1 GiB at most.
    let want = input_bytes.saturating_mul(3).min(1 << 30);
    let mut reserve: Vec<u8> = Vec::new();
    let _ = reserve.try_reserve_exact(want);
}
