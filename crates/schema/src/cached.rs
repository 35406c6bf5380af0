//! Statements that PostgreSQL parses and plans once per connection. `sql_query` is never
//! cached by Diesel, yet the seeder runs the same few statements for every tenant, and
//! for the small ones (a claim, a ledger row) parsing and planning cost as much as
//! running them; a large query such as
//! [`lead_engagement`](crate::queries::lead_engagement) costs a millisecond or two to plan
//! on every call.
//!
//! A [`Cached`] runs on any Diesel connection: `RunQueryDsl` of `diesel` on a
//! `PgConnection`, or of `diesel_async` on an `AsyncPgConnection` (both cache it under
//! its text).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Text, Timestamptz, Untyped};

/// One bound value, of the SQL type its name gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `int4`.
    Int4(i32),
    /// `int8`.
    Int8(i64),
    /// `text`.
    Text(String),
    /// `date`.
    Date(NaiveDate),
    /// `int8`, or `NULL`.
    NullInt8(Option<i64>),
    /// `text`, or `NULL`.
    NullText(Option<String>),
    /// `timestamptz`, or `NULL`.
    NullTime(Option<DateTime<Utc>>),
    /// `int8[]`.
    Int8s(Vec<i64>),
    /// `int4[]`.
    Int4s(Vec<i32>),
    /// `text[]` (with `NULL` elements).
    Texts(Vec<Option<String>>),
    /// `timestamptz[]`.
    Times(Vec<DateTime<Utc>>),
}

/// SQL with `$1`, `$2`, … placeholders (each may appear more than once; no other `$`
/// in the text) and their values; prepared under its text, so every call after the first
/// on a connection reuses the parsed statement, and PostgreSQL's plan cache may reuse its
/// plan.
#[derive(Debug, Clone)]
pub struct Cached {
    sql: Cow<'static, str>,
    values: Vec<Value>,
}

impl Cached {
    /// The statement `sql` with `values` for `$1`, `$2`, ….
    pub fn new(sql: impl Into<Cow<'static, str>>, values: Vec<Value>) -> Self {
        Self {
            sql: sql.into(),
            values,
        }
    }
}

impl QueryId for Cached {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Cached {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for Cached {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let mut rest = self.sql.as_ref();
        while let Some(at) = rest.find('$') {
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - at - 1);
            out.push_sql(&rest[..at]);
            let n: usize = rest[at + 1..at + 1 + digits].parse().map_err(|_| {
                diesel::result::Error::QueryBuilderError("a $ without a number".into())
            })?;
            let value = self.values.get(n.wrapping_sub(1)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("no value for ${n}").into())
            })?;
            match value {
                Value::Int4(v) => out.push_bind_param::<Integer, _>(v)?,
                Value::Int8(v) => out.push_bind_param::<BigInt, _>(v)?,
                Value::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Value::Date(v) => out.push_bind_param::<Date, _>(v)?,
                Value::NullInt8(v) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                Value::NullText(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Value::NullTime(v) => out.push_bind_param::<Nullable<Timestamptz>, _>(v)?,
                Value::Int8s(v) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                Value::Int4s(v) => out.push_bind_param::<Array<Integer>, _>(v)?,
                Value::Texts(v) => out.push_bind_param::<Array<Nullable<Text>>, _>(v)?,
                Value::Times(v) => out.push_bind_param::<Array<Timestamptz>, _>(v)?,
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for Cached {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_binds_in_order_even_when_repeated() {
        let q = Cached::new(
            "SELECT $2, $1, $2",
            vec![Value::Int4(1), Value::Text("a".into())],
        );
        let sql = diesel::debug_query::<Pg, _>(&q).to_string();
        assert!(
            sql.starts_with("SELECT $1, $2, $3 -- binds: [\"a\", 1, \"a\"]"),
            "{sql}"
        );
    }
}
