//! Reading (and, for the tests, writing) the `.bin` tables: unsigned LEB128 numbers and
//! single bytes.

/// A cursor over a table's bytes; past the end it reads zeros.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data, at: 0 }
    }

    pub(super) fn exhausted(&self) -> bool {
        self.at >= self.data.len()
    }

    /// Reads a count, then `entry` that many times. Every entry takes at least a byte, so
    /// a count past the data's end is a lie: the reading stops there rather than run away
    /// with a forged count, and where `entry` finds an entry malformed (`None`).
    pub(super) fn each(&mut self, mut entry: impl FnMut(&mut Self) -> Option<()>) {
        for _ in 0..self.uleb() {
            if self.exhausted() || entry(self).is_none() {
                return;
            }
        }
    }

    pub(super) fn byte(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    pub(super) fn uleb(&mut self) -> u32 {
        let mut value = 0u32;
        for shift in (0..32).step_by(7) {
            let b = self.byte();
            value |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
        }
        value
    }
}

/// Appends `v` as unsigned LEB128.
#[cfg(test)]
pub(super) fn write_uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Fails unless `fresh` is what the checked-in `name` holds; with `UPDATE_UNICODE` set,
/// writes it instead.
#[cfg(test)]
pub(super) fn check_current(name: &str, checked_in: &[u8], fresh: &[u8]) {
    if fresh == checked_in {
        return;
    }
    if std::env::var_os("UPDATE_UNICODE").is_some() {
        let path = format!("{}/src/unicode/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, fresh).unwrap();
    } else {
        panic!("src/unicode/{name} is stale: run UPDATE_UNICODE=1 cargo test --lib unicode");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb_round_trips_and_truncation_reads_zeros() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, 0x10FFFF, u32::MAX] {
            write_uleb(&mut out, v);
        }
        let mut r = Reader::new(&out);
        for v in [0, 1, 127, 128, 300, 0x10FFFF, u32::MAX] {
            assert_eq!(r.uleb(), v);
        }
        assert!(r.exhausted());
        assert_eq!((r.uleb(), r.byte()), (0, 0));
        // Continuation bits forever: the number stops after 32 bits' worth.
        let mut r = Reader::new(&[0xff; 16]);
        r.uleb();
        assert!(!r.exhausted());
    }
}
