//! The engine's reading of server answers: `response::decode` with the tolerant reader's
//! changes (`model::tolerant`: a numeric `meta.version` read as text, a `totalResults` of
//! `"2"` read as 2...) turned into run warnings, each distinct one once per run however
//! many pages, resources and kinds of answer repeat it.

use crate::http::HttpResponse;
use crate::model::{Coercion, FromValue};
use crate::response::{decode_with_coercions, DecodeError, DecodeOptions, Decoded, Expect};

/// The warnings given so far in a run. A handful at most (one per odd attribute of a
/// server), so a list beats a set here, and its code is a fraction of one in WebAssembly.
#[derive(Debug, Default)]
pub(super) struct Reader {
    reported: Vec<String>,
}

impl Reader {
    /// Decodes an answer, with the warnings it owes: one per coercion not reported yet in
    /// this run. An answer that does not decode owes none (it is retried or refused).
    pub(super) fn decode<T: FromValue>(
        &mut self,
        expect: Expect,
        response: &HttpResponse,
        options: &DecodeOptions,
    ) -> (Result<Decoded<T>, DecodeError>, Vec<String>) {
        match decode_with_coercions(expect, response, options) {
            Ok((decoded, coercions)) => (Ok(decoded), self.owed(coercions)),
            Err(e) => (Err(e), Vec::new()),
        }
    }

    /// The warnings of `coercions` not given yet (not generic: one copy for every type).
    fn owed(&mut self, coercions: Vec<Coercion>) -> Vec<String> {
        let mut owed = Vec::new();
        for c in coercions {
            let message = c.to_string();
            if !self.reported.contains(&message) {
                self.reported.push(message.clone());
                owed.push(message);
            }
        }
        owed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::User;

    #[test]
    fn each_coercion_is_owed_once() {
        let mut reader = Reader::default();
        let page = |id: u32| {
            HttpResponse::new(
                200,
                format!(
                    r#"{{"totalResults":"1","Resources":[{{"id":{id},"userName":"u{id}","meta":{{"version":{id}}}}}]}}"#
                ),
            )
        };
        let options = DecodeOptions::default();
        let (first, warned) = reader.decode::<User>(Expect::List, &page(1), &options);
        assert!(matches!(first, Ok(Decoded::Page(_))));
        assert_eq!(
            warned,
            [
                "coerced Resources[].id from a number to a string",
                "coerced Resources[].meta.version from a number to a string",
                "coerced totalResults from a string to an integer",
            ]
        );
        let (_, again) = reader.decode::<User>(Expect::List, &page(2), &options);
        assert!(again.is_empty(), "{again:?}");
        let bad = HttpResponse::new(200, r#"{"totalResults":"-1","id":1}"#);
        let (refused, owed) = reader.decode::<User>(Expect::List, &bad, &options);
        assert!(refused.is_err());
        assert!(owed.is_empty());
    }
}
