//! Writing one tenant as of a day: all of it into an empty warehouse, or, for a tenant
//! the warehouse holds as of an earlier day, only what changed since — the nightly batch.
//!
//! History does not depend on the as-of day (see the `sim` crate docs on time), so the
//! months that had closed by the earlier day are already right and are not touched: same
//! rows, same ids, same `updated`. Of the month that was open then, only the rows that a
//! batch since re-aggregated are written ([`sim::Rows::retain_aggregated_after`]): most
//! lead rows of an open month get no email on a given day and are left alone. They are
//! written under the ids the simulator kept for them, by one `INSERT … ON CONFLICT (id) DO
//! UPDATE` per table, all in one statement: updated where they exist (never over a row of
//! another grain), inserted where they first saw mail since. The months since are
//! inserted whole. The caller
//! runs it in the tenant's transaction, with the tenant's ledger row, so readers see the
//! tenant either as of the earlier day or as of the later one.

use crate::error::{refuse, Result, Step};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use sim::calendar::Calendar;
use sim::columns::{visit_table, ColumnSink};
use sim::ids::Table;
use sim::{Rows, TenantActivity};

use super::checksum::Checksum;
use super::copy::TenantBuffers;
use schema::cached::{Cached, Value};
use schema::PerTable;

/// Encoded rows a loader holds before it sends them: what bounds the seeder's memory,
/// whatever the scale and however large one tenant is.
const FLUSH_BYTES: usize = 4 << 20;

/// What writing a tenant did.
#[derive(Debug, Default)]
pub struct Written {
    /// Rows inserted per table.
    pub inserted: PerTable<usize>,
    /// Rows of the month that was open written under their ids per table: updated where
    /// they existed, inserted where they first saw mail since.
    pub reaggregated: PerTable<usize>,
    /// The tenant's checksum as of the new day, for the ledger.
    pub sum: Checksum,
    /// The part of `sum` in the periods still open on the new day: what the next
    /// advance may overwrite, and checks before it starts.
    pub open: Checksum,
}

impl Written {
    /// Rows written per table: inserted or re-aggregated.
    pub fn rows(&self) -> PerTable<usize> {
        PerTable::from_fn(|t| self.inserted[t] + self.reaggregated[t])
    }
}

/// Writes `activity`'s tenant, simulated as of `as_of`, given that the warehouse holds it
/// as of `since` (`None`: not at all). Runs inside the caller's transaction.
pub fn write_tenant(
    conn: &mut PgConnection,
    activity: TenantActivity<'_>,
    since: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Result<Written> {
    // The warehouse's day, and the last nightly batch it holds.
    let held = since.map(|day| (Calendar::midnight(day), Calendar::batch_on(day)));
    // The periods still open on the new day end after its midnight.
    let open_after = Calendar::midnight(as_of);
    let mut written = Written::default();
    let mut buffers = TenantBuffers::default();
    for mut period in activity {
        written.sum.add(&period);
        let billing = &period.billing[0].new;
        if billing.period_end > open_after {
            written.open.add(&period);
        }
        match held {
            // Closed by then: already right.
            Some((since, _)) if billing.period_end <= since => continue,
            // Open then: what the batches since re-aggregated is updated where it exists
            // and inserted where it is new; the rest is already right.
            Some((since, batch)) if billing.period_start <= since => {
                period.retain_aggregated_after(batch);
                written.reaggregated = upsert(conn, &period)?;
                continue;
            }
            _ => {}
        }
        buffers.add(&period);
        if buffers.bytes().total() >= FLUSH_BYTES {
            buffers.flush(conn, &mut written.inserted)?;
        }
    }
    buffers.flush(conn, &mut written.inserted)?;
    Ok(written)
}

/// Writes `rows` under their ids, every table in one statement (one round trip per
/// tenant), prepared once per connection and shape (the tables that have rows): updated
/// where the id exists, inserted where it does not. Returns how many per table: every
/// row sent.
///
/// A row is only ever overwritten by the same grain (the same keys in the same period):
/// an id held by any other row (added by hand, or moved to another period) is left as
/// it is, and the tenant fails, so nothing of the warehouse's is lost under it. The
/// advance checks only the open periods before it starts, and this is what covers the
/// rest.
fn upsert(conn: &mut PgConnection, rows: &Rows) -> Result<PerTable<usize>> {
    let tables: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|&t| rows.count(t) > 0)
        .collect();
    if tables.is_empty() {
        return Ok(PerTable::default());
    }
    let mut ctes = Vec::new();
    let mut values = Vec::new();
    for &table in &tables {
        let mut columns = Columns::default();
        visit_table(rows, table, &mut columns).expect("collecting into memory cannot fail");
        let names = table.columns();
        let t = table.name();
        let params: Vec<String> = columns
            .0
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}", values.len() + i + 1, array_type(c)))
            .collect();
        let set: Vec<String> = names[1..]
            .iter()
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect();
        let same_grain: Vec<String> = grain(table)
            .split(", ")
            .map(|c| format!("{t}.{c} = EXCLUDED.{c}"))
            .collect();
        ctes.push(format!(
            "w_{t} AS (INSERT INTO {t} ({}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest({}) \
             ON CONFLICT (id) DO UPDATE SET {} WHERE {} RETURNING 1)",
            names.join(", "),
            params.join(", "),
            set.join(", "),
            same_grain.join(" AND ")
        ));
        values.extend(columns.0);
    }
    let counts: Vec<String> = tables
        .iter()
        .map(|t| format!("(SELECT count(*) FROM w_{})", t.name()))
        .collect();
    let sql = format!(
        "WITH {} SELECT ARRAY[{}] AS rows",
        ctes.join(", "),
        counts.join(", ")
    );
    let written: WrittenRows = Cached::new(sql, values)
        .get_result(conn)
        .step("re-aggregating the open month failed")?;
    for (&table, &n) in tables.iter().zip(&written.rows) {
        let sent = rows.count(table);
        if n as usize != sent {
            refuse!(
                UnrecordedRows,
                "{} of the {sent} {} rows it re-aggregates have ids that another row of \
                 the warehouse holds (added by hand, or moved to another period), which it \
                 leaves as it is: the warehouse no longer holds what its seed ledger \
                 records; run again with --reset",
                sent - n as usize,
                table.name()
            );
        }
    }
    Ok(PerTable::from_fn(|t| rows.count(t)))
}

/// Rows written per table by [`upsert`]'s statement.
#[derive(QueryableByName)]
struct WrittenRows {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
    rows: Vec<i64>,
}

/// The columns that say which row of `table` a row is, as the rules define its grain.
fn grain(table: Table) -> &'static str {
    sim::rules::GRAINS
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, grain)| *grain)
        .expect("every table has a grain")
}

/// The `unnest` cast of a column's values.
fn array_type(column: &Value) -> &'static str {
    match column {
        Value::Int8s(_) => "int8[]",
        Value::Int4s(_) => "int4[]",
        Value::Texts(_) => "text[]",
        Value::Times(_) => "timestamptz[]",
        _ => unreachable!("a column collects arrays only"),
    }
}

/// Rows turned into columns (one array value each), for `unnest`.
#[derive(Default)]
struct Columns(Vec<Value>, usize);

impl Columns {
    /// The column the next value goes to, created by the first row.
    fn next(&mut self, new: impl FnOnce() -> Value) -> &mut Value {
        let at = self.1;
        self.1 += 1;
        if at == self.0.len() {
            self.0.push(new());
        }
        &mut self.0[at]
    }
}

impl ColumnSink for Columns {
    fn begin_row(&mut self, _columns: u16) -> std::io::Result<()> {
        self.1 = 0;
        Ok(())
    }
    fn end_row(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn int8(&mut self, v: i64) -> std::io::Result<()> {
        if let Value::Int8s(c) = self.next(|| Value::Int8s(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
    fn int4(&mut self, v: i32) -> std::io::Result<()> {
        if let Value::Int4s(c) = self.next(|| Value::Int4s(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
    fn text(&mut self, v: Option<&str>) -> std::io::Result<()> {
        if let Value::Texts(c) = self.next(|| Value::Texts(Vec::new())) {
            c.push(v.map(str::to_owned));
        }
        Ok(())
    }
    fn timestamptz(&mut self, v: DateTime<Utc>) -> std::io::Result<()> {
        if let Value::Times(c) = self.next(|| Value::Times(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
}
