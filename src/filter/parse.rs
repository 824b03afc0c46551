pub fn parse(_: &str) -> Result<super::Filter, FilterParseError> {
    Err(FilterParseError)
}
#[derive(Debug)]
pub struct FilterParseError;
