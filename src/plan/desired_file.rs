//! Which of the two directory formats a file holds, decided once for every host: the CLI,
//! the facade and any embedder hand over the file's name and text and get a desired state.

use super::desired::{DesiredState, DesiredStateError};

/// The two directory formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DesiredFormat {
    /// The CSV format ([`DesiredState::from_csv`]).
    Csv,
    /// The JSON format ([`DesiredState::from_json`]).
    Json,
}

impl DesiredFormat {
    /// The format of a file called `file_name` holding `text`: by its extension (`.csv`,
    /// `.json`, in any case), else JSON when the text starts with `{` (after white space and
    /// a byte-order mark), else CSV. A CSV header never starts with `{`, and a JSON directory
    /// is always an object, so the content decides whatever the file is called.
    pub fn detect(file_name: &str, text: &str) -> DesiredFormat {
        let lower = file_name.to_ascii_lowercase();
        let json = !lower.ends_with(".csv")
            && (lower.ends_with(".json")
                || text
                    .trim_start_matches('\u{feff}')
                    .trim_start()
                    .starts_with('{'));
        if json {
            DesiredFormat::Json
        } else {
            DesiredFormat::Csv
        }
    }
}

impl DesiredState {
    /// Parses a directory file in the format [`DesiredFormat::detect`] reads from its name
    /// and text.
    ///
    /// # Errors
    ///
    /// As [`DesiredState::from_csv`] or [`DesiredState::from_json`], whichever format it is.
    pub fn from_file(file_name: &str, text: &str) -> Result<DesiredState, DesiredStateError> {
        match DesiredFormat::detect(file_name, text) {
            DesiredFormat::Csv => DesiredState::from_csv(text),
            DesiredFormat::Json => DesiredState::from_json(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_decides_then_the_content() {
        use DesiredFormat::{Csv, Json};
        for (name, text, want) in [
            ("people.csv", "{not json}", Csv),
            ("PEOPLE.CSV", "", Csv),
            ("people.json", "userName\nana@x", Json),
            ("people.Json", "", Json),
            ("people.txt", "  \n{\"users\":[]}", Json),
            ("people", "\u{feff}{\"users\":[]}", Json),
            ("people", "userName,active\nana@x,true", Csv),
            ("-", "", Csv),
        ] {
            assert_eq!(DesiredFormat::detect(name, text), want, "{name:?} {text:?}");
        }
    }

    #[test]
    fn from_file_parses_in_the_detected_format() {
        let csv = DesiredState::from_file("x", "userName\nana@example.com\n").unwrap();
        assert_eq!(csv.users[0].user_name, "ana@example.com");
        let json = DesiredState::from_file("x", r#"{"users":[{"userName":"bo@x"}]}"#).unwrap();
        assert_eq!(json.users[0].user_name, "bo@x");
        // A .csv file is read as CSV even when it looks like JSON: its error says rows.
        let err = DesiredState::from_file("x.csv", "{\"users\":[]}").unwrap_err();
        assert!(matches!(err, DesiredStateError::Csv { .. }), "{err:?}");
    }
}
