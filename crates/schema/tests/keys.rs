//! The key conventions of `schema::keys` and their SQL twins agree, in the real
//! PostgreSQL, on well-formed keys and on every odd shape we could think of.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use schema::keys::{mailbox_domain, step_position, step_variant};
use schema::{mailbox_domain_sql, step_position_sql, step_variant_sql};

const STEP_KEYS: &[&str] = &[
    "t00001-c1-cmp001-s1",
    "t00001-c1-cmp001-s12",
    "t00001-c1-cmp001-s2a",
    "t00001-c1-cmp001-s2b",
    "t00001-c1-cmp001-s2ab",
    "t00001-c1-cmp001-s",
    "t00001-c1-cmp001-sa",
    "t00001-c1-cmp001-s+3",
    "t00001-c1-cmp001-s3B",
    "t00001-c1-cmp001-s3-x",
    "t00001-s9-cmp001-s4",
    "no-position-here",
    "",
];

const MAILBOX_KEYS: &[&str] = &[
    "jordan.lee@gethettinger-12-1a.io",
    "Jo.Lee@GetAcme.IO",
    "odd@name@acme.io",
    "trailing@",
    "no-at-sign",
    "",
];

#[derive(QueryableByName)]
struct Parsed {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    position: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    variant: Option<String>,
    #[diesel(sql_type = Text)]
    domain: String,
}

fn parse_in_sql(keys: &[&str]) -> Vec<Parsed> {
    let sql = concat!(
        "SELECT key, ",
        step_position_sql!("key"),
        " AS position, ",
        step_variant_sql!("key"),
        " AS variant, ",
        mailbox_domain_sql!("key"),
        " AS domain FROM unnest($1) WITH ORDINALITY AS k(key, n) ORDER BY n"
    );
    let mut conn = PgConnection::establish(&testdb::server_url())
        .unwrap_or_else(|err| panic!("{}", testdb::scrub(&err.to_string(), &testdb::server_url())));
    diesel::sql_query(sql)
        .bind::<Array<Text>, _>(keys)
        .load(&mut conn)
        .expect("parsing keys in SQL")
}

#[test]
fn step_keys_parse_the_same_in_rust_and_sql() {
    let parsed = parse_in_sql(STEP_KEYS);
    assert_eq!(parsed.len(), STEP_KEYS.len());
    for row in parsed {
        assert_eq!(
            row.position,
            step_position(&row.key).map(i64::from),
            "position of {:?}",
            row.key
        );
        assert_eq!(
            row.variant,
            step_variant(&row.key).map(String::from),
            "variant of {:?}",
            row.key
        );
    }
}

#[test]
fn mailbox_domains_parse_the_same_in_rust_and_sql() {
    let parsed = parse_in_sql(MAILBOX_KEYS);
    assert_eq!(parsed.len(), MAILBOX_KEYS.len());
    for row in parsed {
        assert_eq!(
            row.domain,
            mailbox_domain(&row.key),
            "domain of {:?}",
            row.key
        );
    }
}
