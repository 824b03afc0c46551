//! Demo: what the core does for one Airtable listing, end to end but without a network.
//! It encodes the requests a sync would send, decodes a bundled page of users, and shows
//! how hostile values stay inside their quotes and path segments.

use scim_provision::filter::Filter;
use scim_provision::http::HttpResponse;
use scim_provision::profile::Profile;
use scim_provision::request::{ListQuery, RequestEncoder, ResourceKind};
use scim_provision::response::{decode_user, DecodeOptions, Decoded, Expect};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let profile = Profile::airtable();
    let encoder = RequestEncoder::new("/scim/v2", profile.clone())?;

    println!(
        "Profile `{}`: {} req/s, {} ms after a 429, groups paged by startIndex: {}",
        profile.name,
        profile.rate_limit.map_or(0.0, |r| r.requests_per_second),
        profile.retry_after_default_ms,
        profile.groups.start_index
    );

    let first_page = ListQuery {
        start_index: Some(1),
        count: Some(profile.users.page_size),
        ..ListQuery::default()
    };
    let req = encoder.list(ResourceKind::User, &first_page)?;
    println!("\nlist users   {} {}", req.method.as_str(), req.path);

    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/airtable-users-page.json"
    ))?;
    let Decoded::Page(page) = decode_user(
        Expect::List,
        &HttpResponse::new(200, body),
        &DecodeOptions::default(),
    )?
    else {
        return Err("expected a page".into());
    };
    println!(
        "decoded      {} of {} users",
        page.resources.len(),
        page.total_results
    );
    for user in &page.resources {
        let dept = user
            .enterprise
            .as_ref()
            .and_then(|e| e.department.as_deref())
            .unwrap_or("-");
        println!(
            "  {:<28} {:<8} dept={}",
            user.user_name,
            if user.is_active() {
                "active"
            } else {
                "inactive"
            },
            dept
        );
    }

    let hostile = &page.resources[2];
    let lookup = ListQuery {
        filter: Some(Filter::eq("userName", hostile.user_name.as_str())),
        ..ListQuery::default()
    };
    println!(
        "\nlookup       {}",
        encoder.list(ResourceKind::User, &lookup)?.path
    );
    let id = hostile.id.as_deref().unwrap_or_default();
    println!("get by id    {}", encoder.get(ResourceKind::User, id)?.path);

    let unsupported = ListQuery {
        filter: Some(Filter::eq("externalId", "E1")),
        ..ListQuery::default()
    };
    match encoder.list(ResourceKind::User, &unsupported) {
        Ok(r) => println!("unexpected: {}", r.path),
        Err(e) => println!("\nrefused      {e}"),
    }
    Ok(())
}
