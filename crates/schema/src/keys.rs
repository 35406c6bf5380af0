//! The conventions of the text keys that the queries and the audit take apart, each with
//! its SQL twin beside it, so that Rust and SQL cannot drift apart: a test runs both on
//! the same keys in PostgreSQL.
//!
//! - A step key is `<campaign_id>-s<position>[variant]`: `…-cmp007-s3` is the third step,
//!   `…-cmp007-s2a` and `…-cmp007-s2b` are the two variants of an A/B-tested second step.
//! - A mailbox key is its address; its domain follows the last `@`, case-folded (domains
//!   are case-insensitive).
//!
//! The SQL twins are macros that expand to string literals, so that they can be spliced
//! into the `concat!`-built queries; each takes the column expression (`"s.step_id"`).

/// `…-cmp007-s3` for a plain step, `…-s3a` / `…-s3b` for the variants of an A/B step
/// (`variant` 0 is `a`).
pub fn step_id(campaign_id: &str, position: u32, variant: Option<u32>) -> String {
    match variant {
        None => format!("{campaign_id}-s{position}"),
        Some(v) => format!("{campaign_id}-s{position}{}", char::from(b'a' + v as u8)),
    }
}

/// The `-s<digits>[letter]` tail of a step key: its digits and its letter, if any.
fn step_tail(step_id: &str) -> Option<(&str, Option<char>)> {
    let (_, tail) = step_id.rsplit_once("-s")?;
    let (digits, letter) = match tail.strip_suffix(|c: char| c.is_ascii_lowercase()) {
        Some(digits) => (digits, tail.chars().last()),
        None => (tail, None),
    };
    let well_formed = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    well_formed.then_some((digits, letter))
}

/// The step position encoded in a step key, if it follows the convention. The SQL twin
/// is [`step_position_sql!`](crate::step_position_sql).
pub fn step_position(step_id: &str) -> Option<u32> {
    step_tail(step_id)?.0.parse().ok()
}

/// The variant letter of a step key (`a`, `b`, …); `None` for an unlettered step or a
/// key outside the convention. The SQL twin is
/// [`step_variant_sql!`](crate::step_variant_sql).
pub fn step_variant(step_id: &str) -> Option<char> {
    step_tail(step_id)?.1
}

/// The domain of a mailbox address: after the last `@` (the whole key when it has none),
/// case-folded. The SQL twin is
/// [`mailbox_domain_sql!`](crate::mailbox_domain_sql).
pub fn mailbox_domain(mailbox_id: &str) -> String {
    let domain = mailbox_id.rsplit('@').next().unwrap_or_default();
    domain.to_ascii_lowercase()
}

/// SQL of [`step_position`] on the column expression `$col`: `int8`, `NULL` outside the
/// convention.
#[macro_export]
macro_rules! step_position_sql {
    ($col:literal) => {
        concat!("substring(", $col, " from '-s([0-9]+)[a-z]?$')::int8")
    };
}

/// SQL of [`step_variant`] on the column expression `$col`: `text`, `NULL` without a
/// variant.
#[macro_export]
macro_rules! step_variant_sql {
    ($col:literal) => {
        concat!("substring(", $col, " from '-s[0-9]+([a-z])$')")
    };
}

/// SQL of [`mailbox_domain`] on the column expression `$col`.
#[macro_export]
macro_rules! mailbox_domain_sql {
    ($col:literal) => {
        concat!("lower(substring(", $col, " from '[^@]*$'))")
    };
}

/// [`step_position_sql!`](crate::step_position_sql) on a bare `step_id` column, for
/// queries built at run time.
pub const STEP_POSITION_SQL: &str = step_position_sql!("step_id");

/// [`mailbox_domain_sql!`](crate::mailbox_domain_sql) on a bare `mailbox_id` column.
pub const MAILBOX_DOMAIN_SQL: &str = mailbox_domain_sql!("mailbox_id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_keys_round_trip() {
        let plain = step_id("t00001-c1-cmp001", 3, None);
        let variant = step_id("t00001-c1-cmp001", 4, Some(1));
        assert_eq!(
            (step_position(&plain), step_variant(&plain)),
            (Some(3), None)
        );
        assert_eq!(
            (step_position(&variant), step_variant(&variant)),
            (Some(4), Some('b'))
        );
        for odd in [
            "no-position-here",
            "x-s",
            "x-sa",
            "x-s+3",
            "x-s3ab",
            "x-s 3",
        ] {
            assert_eq!(step_position(odd), None, "{odd}");
        }
    }

    #[test]
    fn domains_follow_the_last_at_sign_case_folded() {
        assert_eq!(mailbox_domain("Jo.Lee@GetAcme.IO"), "getacme.io");
        assert_eq!(mailbox_domain("odd@name@acme.io"), "acme.io");
        assert_eq!(mailbox_domain("No-At-Sign"), "no-at-sign");
    }
}
