//! Request targets: the path and query of an [`HttpRequest`](scim_provision::http::HttpRequest)
//! as a server sees them.
//!
//! The simulator stands in for the host's HTTP stack as well as the server, so the path is
//! first normalized the way a WHATWG URL parser (`fetch`) would: `.` and `..` segments, also
//! when percent-encoded as `%2e`, are resolved before routing. A client that lets an id such
//! as `..` reach the path unencoded therefore hits a different endpoint here, as it would in
//! production. Each remaining segment is then percent-decoded on its own, so `%2F` inside an
//! id stays inside that id. Query values are decoded as `application/x-www-form-urlencoded`
//! (`+` is a space), which is what common server frameworks do.

use percent_encoding::percent_decode_str;

/// The endpoint a request addressed, for logs, statistics and fault scoping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Endpoint {
    /// `/Users`
    Users,
    /// `/Users/{id}`
    UserById,
    /// `/Groups`
    Groups,
    /// `/Groups/{id}`
    GroupById,
    /// `/ServiceProviderConfig`
    ServiceProviderConfig,
    /// `/Bulk`
    Bulk,
    /// Anything else (answered 404).
    Unknown,
}

/// Where a request goes, with ids decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Users,
    User(String),
    Groups,
    Group(String),
    ServiceProviderConfig,
    Bulk,
    Unknown,
}

impl Target {
    pub(crate) fn endpoint(&self) -> Endpoint {
        match self {
            Target::Users => Endpoint::Users,
            Target::User(_) => Endpoint::UserById,
            Target::Groups => Endpoint::Groups,
            Target::Group(_) => Endpoint::GroupById,
            Target::ServiceProviderConfig => Endpoint::ServiceProviderConfig,
            Target::Bulk => Endpoint::Bulk,
            Target::Unknown => Endpoint::Unknown,
        }
    }
}

/// Decoded query parameters, in order. A parameter whose name or value does not decode to
/// UTF-8 is kept as an error so that using it gives a 400, while ignoring it costs nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    params: Vec<(String, Result<String, ()>)>,
}

impl Query {
    /// The first value of `name` (exact match): `None` when absent, `Some(Err(()))` when it
    /// is not valid UTF-8 once decoded.
    pub(crate) fn get(&self, name: &str) -> Option<Result<&str, ()>> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().map_err(|_| ()))
    }

    /// Whether `name` was given at all.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// A parsed request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub target: Target,
    pub query: Query,
}

/// Parses `raw` (path and query, percent-encoded) against the base path `base` (no trailing
/// slash; may be empty).
pub(crate) fn parse(base: &str, raw: &str) -> Route {
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, q),
        None => (raw, ""),
    };
    // A fragment never reaches a server.
    let path = path.split_once('#').map_or(path, |(p, _)| p);
    Route {
        target: target(base, path),
        query: parse_query(query.split_once('#').map_or(query, |(q, _)| q)),
    }
}

fn target(base: &str, path: &str) -> Target {
    let Some(rest) = path.strip_prefix('/') else {
        return Target::Unknown;
    };
    let segments = remove_dot_segments(rest.split('/'));
    let base_segments: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() < base_segments.len()
        || segments
            .iter()
            .zip(&base_segments)
            .any(|(seg, base)| seg != base)
    {
        return Target::Unknown;
    }
    let decoded: Option<Vec<String>> = segments[base_segments.len()..]
        .iter()
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        })
        .collect();
    let Some(decoded) = decoded else {
        return Target::Unknown;
    };
    match decoded.as_slice() {
        [e] if e == "Users" => Target::Users,
        [e] if e == "Groups" => Target::Groups,
        [e] if e == "ServiceProviderConfig" => Target::ServiceProviderConfig,
        [e] if e == "Bulk" => Target::Bulk,
        [e, id] if e == "Users" && !id.is_empty() => Target::User(id.clone()),
        [e, id] if e == "Groups" && !id.is_empty() => Target::Group(id.clone()),
        _ => Target::Unknown,
    }
}

/// WHATWG URL path parsing's dot-segment handling on already split segments.
fn remove_dot_segments<'a>(segments: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let segments: Vec<&str> = segments.collect();
    let last = segments.len().saturating_sub(1);
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.into_iter().enumerate() {
        let lower = seg.to_ascii_lowercase();
        let double = matches!(lower.as_str(), ".." | ".%2e" | "%2e." | "%2e%2e");
        let single = matches!(lower.as_str(), "." | "%2e");
        if double {
            out.pop();
            if i == last {
                out.push("");
            }
        } else if single {
            if i == last {
                out.push("");
            }
        } else {
            out.push(seg);
        }
    }
    out
}

fn parse_query(query: &str) -> Query {
    let params = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let name = decode_form(k).ok()?;
            Some((name, decode_form(v)))
        })
        .collect();
    Query { params }
}

fn decode_form(s: &str) -> Result<String, ()> {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> Target {
        parse("/scim/v2", raw).target
    }

    #[test]
    fn routes_and_ids() {
        assert_eq!(t("/scim/v2/Users"), Target::Users);
        assert_eq!(t("/scim/v2/Users?count=1"), Target::Users);
        assert_eq!(t("/scim/v2/Groups/ugp1"), Target::Group("ugp1".into()));
        assert_eq!(t("/scim/v2/Users/a%2Fb%3Fc"), Target::User("a/b?c".into()));
        assert_eq!(
            t("/scim/v2/ServiceProviderConfig"),
            Target::ServiceProviderConfig
        );
        for unknown in [
            "/scim/v2/users",
            "/scim/v2/Users/",
            "/scim/v2//Users",
            "/scim/v2/Users/a/b",
            "/scim/v3/Users",
            "scim/v2/Users",
            "",
            "/",
            "/scim/v2/Users/%FF",
            "/scim/v2/Schemas",
        ] {
            assert_eq!(t(unknown), Target::Unknown, "{unknown}");
        }
    }

    #[test]
    fn dot_segments_resolve_like_fetch() {
        assert_eq!(t("/scim/v2/Users/../Groups"), Target::Groups);
        assert_eq!(
            t("/scim/v2/Users/%2e%2E/Groups/g"),
            Target::Group("g".into())
        );
        assert_eq!(t("/scim/v2/Users/./x"), Target::User("x".into()));
        // Encoded by the core: stays an id.
        assert_eq!(
            t("/scim/v2/Users/..%2FGroups"),
            Target::User("../Groups".into())
        );
    }

    #[test]
    fn empty_base_path() {
        assert_eq!(parse("", "/Users/x").target, Target::User("x".into()));
    }

    #[test]
    fn query_decoding() {
        let q = parse(
            "/b",
            "/b/Users?filter=a%20eq%20%22x%2By%22&count=5&x&filter=ignored&bad=%FF+",
        )
        .query;
        assert_eq!(q.get("filter"), Some(Ok(r#"a eq "x+y""#)));
        assert_eq!(q.get("count"), Some(Ok("5")));
        assert_eq!(q.get("x"), Some(Ok("")));
        assert_eq!(q.get("bad"), Some(Err(())));
        assert_eq!(q.get("missing"), None);
        let plus = parse("/b", "/b/Users?filter=a+b").query;
        assert_eq!(plus.get("filter"), Some(Ok("a b")));
    }
}
