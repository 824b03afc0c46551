//! Seat costs: with a price per seat (and per license type), what the active seats and the
//! unused purchased seats cost, and the active seats' cost per department and cost center
//! (chargeback in money).
//!
//! Money is whole minor units (cents) in `u64`, never a float: prices are given in cents
//! (`2400` for 24.00; [`parse_amount`] reads decimal text typed by a person), sums saturate
//! instead of overflowing, and [`format_amount`] writes them with the currency code
//! (`USD 2,880.00`). A user's price is their license type's price, else the price per
//! seat; an active user with neither is counted as `unpriced`, not as free.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use serde::Serialize;

use super::chargeback::{Bucket, BucketCount};
use super::licenses::LicenseSeats;
use crate::model::User;

/// Prices of seats, in minor units (cents) of one currency. Hosts take its parts as report
/// options of their own (`currency`, `pricePerSeat`, `prices`) rather than as one JSON
/// document, so it has no deserializer of its own in the WebAssembly module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Pricing {
    /// The ISO 4217 code shown with every amount (`USD`, `EUR`; default `USD`).
    pub currency: Option<String>,
    /// The price of a seat in minor units (`2400` for 24.00).
    pub per_seat: Option<u64>,
    /// The price of a seat per license type in minor units (`{"Creator": 4500}`),
    /// overriding `per_seat`.
    pub per_license: BTreeMap<String, u64>,
}

impl Pricing {
    /// Prices in `currency` (default `USD`): `per_seat` for every seat, `per_license` for the
    /// seats of a license type.
    pub fn new(
        currency: Option<String>,
        per_seat: Option<u64>,
        per_license: BTreeMap<String, u64>,
    ) -> Pricing {
        Pricing {
            currency,
            per_seat,
            per_license,
        }
    }

    /// The currency code shown with amounts.
    pub fn currency(&self) -> &str {
        self.currency.as_deref().unwrap_or("USD")
    }

    /// The price of a seat of `license` (or of any seat, without a type).
    pub fn price(&self, license: Option<&str>) -> Option<u64> {
        license
            .and_then(|l| self.per_license.get(l).copied())
            .or(self.per_seat)
    }
}

/// Minor units (cents) of a decimal amount a person typed: `"24"`, `"24.5"`, `"24.00"` (for
/// Rust hosts; the npm CLI reads its price flags by the same rule).
///
/// # Errors
///
/// A message when `text` is not digits with at most two decimals, or is too large.
pub fn parse_amount(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = !whole.is_empty() && digits(whole) && digits(frac) && frac.len() <= 2;
    let cents = ok
        .then(|| {
            let frac: u64 = format!("{frac:0<2}").parse().ok()?;
            whole
                .parse::<u64>()
                .ok()?
                .checked_mul(100)?
                .checked_add(frac)
        })
        .flatten();
    cents.ok_or_else(|| format!("{text:?} is not an amount such as 24.00"))
}

/// `minor` units as `CUR 1,234.56`.
pub fn format_amount(minor: u64, currency: &str) -> String {
    let whole = (minor / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{currency} {grouped}.{:02}", minor % 100)
}

/// What seats cost, in minor units of `currency`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ReportCost", optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cost {
    /// The currency code.
    pub currency: String,
    /// The price of a seat, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_seat: Option<u64>,
    /// What the active (billed) seats cost.
    pub active: u64,
    /// What the purchased seats nobody uses cost, when purchases are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused: Option<u64>,
    /// Active users with no price (their type has none and no price per seat was given).
    pub unpriced: u64,
    /// Per license type, when seats are counted per type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_license: Vec<LicenseCost>,
    /// Active seats' cost per department, in the chargeback's order.
    pub by_department: Vec<BucketCost>,
    /// Active seats' cost per cost center, in the chargeback's order.
    pub by_cost_center: Vec<BucketCost>,
}

/// The cost of one license type.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LicenseCost {
    /// The type.
    pub license: String,
    /// Its price per seat, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<u64>,
    /// What its active seats cost.
    pub active: u64,
    /// What its unused purchased seats cost, when both are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unused: Option<u64>,
}

/// The cost of one chargeback bucket's active seats.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BucketCost {
    /// The bucket (`null` in JSON when unassigned).
    #[serde(rename = "name")]
    pub bucket: Bucket,
    /// Active users in it.
    pub count: u64,
    /// What their seats cost.
    pub amount: u64,
}

/// What the parts of a report cost.
pub(super) struct Parts<'a> {
    /// Every listed user.
    pub users: &'a [User],
    /// Each user's license type, in the order of `users`, when counted per type.
    pub types: Option<&'a [String]>,
    /// The seats per type (empty without a license rule).
    pub licenses: &'a [LicenseSeats],
    /// Unused seats of the single pool, when purchases are known.
    pub unused: Option<u64>,
    /// The chargeback's lists, for their order.
    pub by_department: &'a [BucketCount],
    /// As above.
    pub by_cost_center: &'a [BucketCount],
}

/// The cost of `parts` under `pricing`.
pub(super) fn cost(pricing: &Pricing, parts: &Parts<'_>) -> Cost {
    let mut active = 0u64;
    let mut unpriced = 0u64;
    let mut dept = Sums::new(parts.by_department);
    let mut center = Sums::new(parts.by_cost_center);
    for (i, user) in parts.users.iter().enumerate() {
        if !user.is_active() {
            continue;
        }
        let license = parts.types.and_then(|t| t.get(i)).map(String::as_str);
        let Some(price) = pricing.price(license) else {
            unpriced += 1;
            continue;
        };
        active = active.saturating_add(price);
        let ent = user.enterprise.as_ref();
        dept.add(ent.and_then(|e| e.department.as_deref()), price);
        center.add(ent.and_then(|e| e.cost_center.as_deref()), price);
    }
    let mut by_license = Vec::with_capacity(parts.licenses.len());
    for l in parts.licenses {
        let price = pricing.price(Some(&l.license));
        by_license.push(LicenseCost {
            license: l.license.clone(),
            price,
            active: price.map_or(0, |p| p.saturating_mul(l.active)),
            unused: price.zip(l.unused).map(|(p, n)| p.saturating_mul(n)),
        });
    }
    let unused = if by_license.is_empty() {
        pricing
            .per_seat
            .zip(parts.unused)
            .map(|(p, n)| p.saturating_mul(n))
    } else {
        by_license
            .iter()
            .filter_map(|l| l.unused)
            .reduce(u64::saturating_add)
    };
    Cost {
        currency: pricing.currency().to_owned(),
        per_seat: pricing.per_seat,
        active,
        unused,
        unpriced,
        by_license,
        by_department: dept.into_costs(),
        by_cost_center: center.into_costs(),
    }
}

/// Amounts summed per chargeback bucket, in the chargeback's order.
struct Sums<'a> {
    order: &'a [BucketCount],
    /// A named bucket's position in `order` (the map type the snapshot already uses).
    named: HashMap<&'a str, usize>,
    amounts: Vec<u64>,
}

impl<'a> Sums<'a> {
    fn new(order: &'a [BucketCount]) -> Sums<'a> {
        let mut named = HashMap::new();
        for (i, b) in order.iter().enumerate() {
            if let Bucket::Named(name) = &b.bucket {
                named.insert(name.as_str(), i);
            }
        }
        Sums {
            order,
            named,
            amounts: vec![0; order.len()],
        }
    }

    /// Adds `price` to the bucket of `value` (blank: unassigned, as the chargeback counts).
    fn add(&mut self, value: Option<&str>, price: u64) {
        let at = match Bucket::of(value) {
            Bucket::Named(_) => value.and_then(|v| self.named.get(v).copied()),
            Bucket::Unassigned => self
                .order
                .iter()
                .position(|b| matches!(b.bucket, Bucket::Unassigned)),
        };
        if let Some(sum) = at.and_then(|i| self.amounts.get_mut(i)) {
            *sum = sum.saturating_add(price);
        }
    }

    fn into_costs(self) -> Vec<BucketCost> {
        let mut out = Vec::with_capacity(self.order.len());
        for (i, b) in self.order.iter().enumerate() {
            out.push(BucketCost {
                bucket: b.bucket.clone(),
                count: b.count,
                amount: self.amounts.get(i).copied().unwrap_or(0),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnterpriseUser;
    use crate::report::{build_report, LicenseGroup, LicenseRule, ReportInput};

    #[test]
    fn amounts_are_parsed_to_cents_and_formatted_with_the_code() {
        for (text, cents) in [("24.00", 2400), ("24", 2400), ("0.5", 50), (" 1.05 ", 105)] {
            assert_eq!(parse_amount(text), Ok(cents), "{text}");
        }
        for bad in [
            "",
            ".5",
            "1.234",
            "-1",
            "1e3",
            "1,000",
            "99999999999999999999",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert_eq!(format_amount(0, "USD"), "USD 0.00");
        assert_eq!(format_amount(123_456_789, "EUR"), "EUR 1,234,567.89");
        assert_eq!(format_amount(100_000, "X"), "X 1,000.00");
    }

    fn user(id: &str, dept: &str, active: bool) -> User {
        let mut u = User::new(format!("{id}@x"));
        u.id = Some(id.into());
        u.active = Some(active);
        u.enterprise = Some(EnterpriseUser {
            department: Some(dept.into()),
            ..EnterpriseUser::default()
        });
        u
    }

    #[test]
    fn cost_per_type_department_and_unused_seats_in_cents() {
        let users = [
            user("a", "Eng", true),
            user("b", "Eng", true),
            user("c", "Ops", true),
            user("d", "Ops", false),
        ];
        let mut creators = crate::model::Group::new("Creators");
        creators.members = Some(vec![crate::model::Member::new("a")]);
        let rule = LicenseRule {
            groups: vec![LicenseGroup::new("Creators", "Creator")],
            purchased: LicenseRule::parse_seats("Creator=3,Standard=2,Free=4").unwrap(),
            ..LicenseRule::default()
        };
        let pricing = Pricing {
            per_seat: Some(1000),
            per_license: [("Creator".to_owned(), 4550), ("Free".to_owned(), 0)].into(),
            ..Pricing::default()
        };
        let groups = [creators];
        let r = build_report(
            &ReportInput::new(&users, &groups, 0)
                .licenses(&rule)
                .pricing(&pricing),
        );
        let c = r.cost.unwrap();
        // a: Creator 45.50; b, c: Standard 10.00; d is not billed.
        assert_eq!((c.active, c.unpriced), (4550 + 2000, 0));
        // Unused: Creator 2 × 45.50, Standard 0, Free 4 × 0.
        assert_eq!(c.unused, Some(9100));
        let eng = &c.by_department[0];
        assert_eq!(
            (eng.bucket.label(), eng.count, eng.amount),
            ("Eng", 2, 5550)
        );
        assert_eq!(c.by_department[1].amount, 1000);
        let sum: u64 = c.by_department.iter().map(|b| b.amount).sum();
        assert_eq!(sum, c.active, "chargeback sums to the active cost");
        // Without a price for a type and no price per seat: unpriced, not free.
        let only_creator = Pricing {
            per_license: [("Creator".to_owned(), 100)].into(),
            ..Pricing::default()
        };
        let r = build_report(
            &ReportInput::new(&users, &groups, 0)
                .licenses(&rule)
                .pricing(&only_creator),
        );
        assert_eq!(r.cost.map(|c| (c.active, c.unpriced)), Some((100, 2)));
    }

    #[test]
    fn one_pool_unused_seats_cost_the_price_per_seat_and_saturate() {
        let users = [user("a", "Eng", true)];
        let pricing = Pricing {
            per_seat: Some(u64::MAX),
            ..Pricing::default()
        };
        let r = build_report(
            &ReportInput::new(&users, &[], 0)
                .purchased_seats(3)
                .pricing(&pricing),
        );
        let c = r.cost.unwrap();
        assert_eq!((c.active, c.unused), (u64::MAX, Some(u64::MAX)));
        assert_eq!(c.currency, "USD");
    }
}
