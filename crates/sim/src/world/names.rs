//! Names of the world: company brands, sending domains and mailbox addresses, drawn with
//! the `fake` crate from each entity's own naming stream.
//!
//! Names come from streams of their own ([`Domain::Naming`]), never from the streams that
//! decide sizes and dates, so that how many numbers a name takes cannot move the rest of
//! the world. `fake` is pinned to an exact version in the workspace manifest: its word
//! lists are part of the output.

use fake::faker::company::en::CompanyName;
use fake::faker::internet::en::DomainSuffix;
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::Rng;

use crate::rng::{self, Domain, Stream};

/// The naming stream of company `(tenant_no, company_no)`; `domain_no` 0 names the
/// company itself, `n + 1` its `n`-th sending domain and that domain's mailboxes.
pub fn stream(seed: u64, (tenant_no, company_no): (u32, u32), domain_no: usize) -> Stream {
    rng::stream(
        seed,
        Domain::Naming,
        &[
            u64::from(tenant_no),
            u64::from(company_no),
            domain_no as u64,
        ],
    )
}

/// The company's brand, from a company name such as "Hettinger LLC" or "Kuhn and Schmidt
/// Group": its first surname, as a domain label (`hettinger`).
pub fn brand(rng: &mut Stream) -> String {
    let company: String = CompanyName().fake_with_rng(rng);
    label(company.split_whitespace().next().unwrap_or("acme"))
}

/// A sending domain of the brand, shaped the way cold senders keep outreach off their
/// main domain (`gethettinger-…`, `hettinger-mail-…`). The tenant and company numbers and
/// the domain's letter make it unique across the warehouse, whatever the brand.
pub fn domain(
    rng: &mut Stream,
    brand: &str,
    (tenant_no, company_no): (u32, u32),
    domain_no: usize,
) -> String {
    const SHAPES: [(&str, &str); 8] = [
        ("get", ""),
        ("try", ""),
        ("", "hq"),
        ("", "-mail"),
        ("", "-team"),
        ("", "-outreach"),
        ("meet", ""),
        ("", "-growth"),
    ];
    let (before, after) = SHAPES[rng.random_range(0..SHAPES.len())];
    let tld: &str = DomainSuffix().fake_with_rng(rng);
    // `sending.domains_max` is at most 26, so one letter numbers a company's domains.
    let letter = char::from(b'a' + domain_no as u8);
    format!("{before}{brand}{after}-{tenant_no}-{company_no}{letter}.{tld}")
}

/// The local part of a sender's address, as people write theirs: `jordan.lee`, `j.smith`,
/// `jordan` or `jordanlee`.
pub fn local_part(rng: &mut Stream) -> String {
    let first = label(FirstName().fake_with_rng::<&str, _>(rng));
    let last = label(LastName().fake_with_rng::<&str, _>(rng));
    match rng.random_range(0..20) {
        0..=8 => format!("{first}.{last}"),
        9..=13 => format!("{}.{last}", &first[..1]),
        14..=17 => first,
        _ => format!("{first}{last}"),
    }
}

/// Lower-case ASCII letters and digits only (`O'Keefe` → `okeefe`).
fn label(word: &str) -> String {
    let label: String = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if label.is_empty() {
        "x".to_owned()
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_like_people_and_companies() {
        let mut rng = stream(7, (1, 1), 0);
        let brand = brand(&mut rng);
        assert!(brand.chars().all(|c| c.is_ascii_lowercase()), "{brand}");
        let domain = domain(&mut rng, &brand, (42, 3), 1);
        assert!(
            domain.contains(&brand) && domain.contains("-42-3b."),
            "{domain}"
        );
        for _ in 0..200 {
            let local = local_part(&mut rng);
            assert!(
                local.chars().all(|c| c.is_ascii_lowercase() || c == '.'),
                "{local}"
            );
            assert!(!local.starts_with('.') && !local.ends_with('.'), "{local}");
        }
    }
}
