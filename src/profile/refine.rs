//! Refining a profile from a server's ServiceProviderConfig (RFC 7643 §5).

use crate::model::ServiceProviderConfig;

use super::{FilterSupport, Profile};

impl Profile {
    /// This profile adjusted to what the server says of itself: PATCH off when unsupported,
    /// filtering off when unsupported, page sizes capped at `filter.maxResults`. A server
    /// can only narrow what the profile allows, never widen it: a vendor profile's known
    /// quirks stay in force whatever the server advertises.
    pub fn refined_by(&self, config: &ServiceProviderConfig) -> Profile {
        let mut p = self.clone();
        if config.patch.supported == Some(false) {
            p.patch.supported = false;
        }
        if config.filter.supported == Some(false) {
            p.users.filter = FilterSupport::none();
            p.groups.filter = FilterSupport::none();
        }
        if let Some(max) = config.filter.max_results {
            let max = u32::try_from(max).unwrap_or(u32::MAX).max(1);
            for r in [&mut p.users, &mut p.groups] {
                r.max_page_size = Some(r.max_page_size.map_or(max, |m| m.min(max)));
                r.page_size = r.page_size.min(max);
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn narrows_but_never_widens() {
        let spc: ServiceProviderConfig = serde_json::from_value(json!({
            "patch": {"supported": false},
            "filter": {"supported": true, "maxResults": 25}
        }))
        .unwrap();
        let p = Profile::generic().refined_by(&spc);
        assert!(!p.patch.supported);
        assert_eq!(p.users.max_page_size, Some(25));
        assert_eq!(p.users.page_size, 25);

        let generous: ServiceProviderConfig =
            serde_json::from_value(json!({"patch": {"supported": true}})).unwrap();
        let mut base = Profile::generic();
        base.patch.supported = false;
        assert!(!base.refined_by(&generous).patch.supported);
    }

    #[test]
    fn filtering_off_disables_lookups() {
        let spc: ServiceProviderConfig =
            serde_json::from_value(json!({"filter": {"supported": false}})).unwrap();
        let p = Profile::generic().refined_by(&spc);
        assert!(!p.users.filter.allows_eq("userName"));
    }
}
