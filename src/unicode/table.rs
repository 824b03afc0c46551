//! Reading the `.bin` tables (which `tests/unicode_tables.rs` writes): unsigned LEB128
//! numbers and single bytes.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb_reads_and_truncation_reads_zeros() {
        let bytes = [
            0x00, 0x01, 0x7f, 0x80, 0x01, 0xac, 0x02, 0xff, 0xff, 0x43, 0xff, 0xff, 0xff, 0xff,
            0x0f,
        ];
        let mut r = Reader::new(&bytes);
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
