//! Placeholder replaced by the filter parser under way.
/// Parses a filter.
pub fn parse(_: &str) -> Result<super::Filter, FilterParseError> {
    Err(FilterParseError)
}
/// A parse failure.
#[derive(Debug)]
pub struct FilterParseError;
