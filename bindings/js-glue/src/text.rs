//! JavaScript strings into Rust `String`s at the speed of the host's `TextEncoder`, and byte
//! arrays into `Vec<u8>`s with one copy.
//!
//! wasm-bindgen copies a string argument into WebAssembly memory with a JavaScript loop, one
//! character at a time, while it is ASCII: about 6 ms per MiB, so a 100 MiB directory spent
//! longer crossing the boundary than being planned. `TextEncoder.encodeInto` writes the
//! UTF-8 straight into the `String`'s buffer, some 25 times faster.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, source: &JsString, destination: &Uint8Array) -> Progress;

    /// `encodeInto`'s answer: UTF-16 units read, bytes written.
    type Progress;
    #[wasm_bindgen(method, getter)]
    fn read(this: &Progress) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &Progress) -> u32;
}

/// The bytes of `source`, copied once into WebAssembly memory (`TypedArray.set` into the
/// vector's room: no length assertion and its formatting code, as `Uint8Array::to_vec` has).
#[inline]
pub fn bytes_from(source: &Uint8Array) -> Vec<u8> {
    let len = source.length() as usize;
    let mut bytes: Vec<u8> = Vec::with_capacity(len);
    // SAFETY: the view covers the vector's `len` bytes of capacity and lives only for the
    // `set` call, during which nothing allocates in WebAssembly memory (so it cannot be
    // detached); `set` writes all `len` bytes of `source` into it.
    unsafe {
        Uint8Array::view_mut_raw(bytes.as_mut_ptr(), len).set(source, 0);
        bytes.set_len(len);
    }
    bytes
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// The UTF-8 of `source` (lone surrogates become U+FFFD, as everywhere in wasm-bindgen).
#[inline]
pub fn string_from(source: &JsString) -> String {
    ENCODER.with(|encoder| {
        // One byte per UTF-16 unit is exact for ASCII, the common case; the rest of a
        // string that does not fit gets room for its worst case (3 bytes per unit).
        let mut bytes: Vec<u8> = Vec::with_capacity(source.length() as usize);
        let mut rest = source.clone();
        loop {
            let spare = bytes.spare_capacity_mut();
            // SAFETY: the view covers the vector's unused capacity and lives only for the
            // `encodeInto` call, during which nothing allocates in WebAssembly memory (so it
            // cannot be detached); `written` bytes of it are initialised afterwards.
            let progress = unsafe {
                let view = Uint8Array::view_mut_raw(spare.as_mut_ptr().cast::<u8>(), spare.len());
                encoder.encode_into(&rest, &view)
            };
            let written = (progress.written() as usize).min(spare.len());
            // SAFETY: `encodeInto` initialised the first `written` bytes of the spare room.
            unsafe { bytes.set_len(bytes.len() + written) };
            let (read, units) = (progress.read(), rest.length());
            if read >= units {
                break;
            }
            // encodeInto stops before a character that does not fit, never inside one.
            rest = rest.slice(read, units);
            bytes.reserve(rest.length() as usize * 3);
        }
        // Valid UTF-8 by construction; checked anyway rather than trusted.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    })
}
