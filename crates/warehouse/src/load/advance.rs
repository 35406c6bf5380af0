//! Writing one tenant as of a day: all of it into an empty warehouse, or, for a tenant
//! the warehouse holds as of an earlier day, only what changed since — the nightly batch.
//!
//! History does not depend on the as-of day (see the `sim` crate docs on time), so the
//! months that had closed by the earlier day are already right and are not touched: same
//! rows, same ids, same `updated`. Of the month that was open then, only the rows that a
//! batch since re-aggregated are written ([`sim::Rows::retain_aggregated_after`]): most
//! lead rows of an open month get no email on a given day and are left alone. They are
//! written under the ids the simulator kept for them, by one `INSERT … ON CONFLICT (id) DO
//! UPDATE` per table, all in one statement: updated where they exist, inserted where they
//! first saw mail since. The months since are inserted whole. The caller
//! runs it in the tenant's transaction, with the tenant's ledger row, so readers see the
//! tenant either as of the earlier day or as of the later one.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use sim::calendar::Calendar;
use sim::columns::{visit_table, ColumnSink};
use sim::ids::Table;
use sim::{Rows, TenantActivity};

use super::checksum::Checksum;
use super::copy::TenantBuffers;

/// Encoded rows a loader holds before it sends them: what bounds the seeder's memory,
/// whatever the scale and however large one tenant is.
const FLUSH_BYTES: usize = 4 << 20;

/// What writing a tenant did.
#[derive(Debug, Default)]
pub struct Written {
    /// Rows inserted per table.
    pub inserted: [usize; 6],
    /// Rows of the month that was open written under their ids per table: updated where
    /// they existed, inserted where they first saw mail since.
    pub reaggregated: [usize; 6],
    /// The tenant's checksum as of the new day, for the ledger.
    pub sum: Checksum,
}

impl Written {
    /// Rows written per table: inserted or re-aggregated.
    pub fn rows(&self) -> [usize; 6] {
        std::array::from_fn(|i| self.inserted[i] + self.reaggregated[i])
    }
}

/// Writes `activity`'s tenant, given that the warehouse holds it as of `since` (`None`:
/// not at all). Runs inside the caller's transaction.
pub fn write_tenant(
    conn: &mut PgConnection,
    activity: TenantActivity<'_>,
    since: Option<NaiveDate>,
) -> Result<Written> {
    // The warehouse's day, and the last nightly batch it holds.
    let held = since.map(|day| (Calendar::midnight(day), Calendar::batch_on(day)));
    let mut written = Written::default();
    let mut buffers = TenantBuffers::default();
    for mut period in activity {
        written.sum.add(&period);
        let billing = &period.billing[0].new;
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
        if buffers.bytes().iter().sum::<usize>() >= FLUSH_BYTES {
            buffers.flush(conn, &mut written.inserted)?;
        }
    }
    buffers.flush(conn, &mut written.inserted)?;
    Ok(written)
}

/// Writes `rows` under their ids, every table in one statement (one round trip per
/// tenant): updated where the id exists, inserted where it does not. Returns how many per
/// table: every row sent, since a conflict always updates.
fn upsert(conn: &mut PgConnection, rows: &Rows) -> Result<[usize; 6]> {
    let mut statement = Upsert::default();
    let tables: Vec<Table> = Table::ALL
        .into_iter()
        .filter(|&t| rows.count(t) > 0)
        .collect();
    for (n, &table) in tables.iter().enumerate() {
        let mut columns = Columns::default();
        visit_table(rows, table, &mut columns).expect("collecting into memory cannot fail");
        let names = table.columns();
        let t = table.name();
        // The last table's upsert is the statement; the others are its CTEs.
        statement.sql(match n {
            0 if tables.len() > 1 => format!("WITH w_{t} AS ("),
            0 => String::new(),
            _ if n + 1 < tables.len() => format!("), w_{t} AS ("),
            _ => ") ".to_owned(),
        });
        statement.sql(format!(
            "INSERT INTO {t} ({}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest(",
            names.join(", ")
        ));
        for (i, column) in columns.0.into_iter().enumerate() {
            if i > 0 {
                statement.sql(", ".to_owned());
            }
            let cast = format!("::{}[]", column.sql_type());
            statement.bind(column);
            statement.sql(cast);
        }
        let set: Vec<String> = names[1..]
            .iter()
            .map(|c| format!("{c} = EXCLUDED.{c}"))
            .collect();
        statement.sql(format!(
            ") ON CONFLICT (id) DO UPDATE SET {}",
            set.join(", ")
        ));
    }
    if !tables.is_empty() {
        statement
            .execute(conn)
            .context("re-aggregating the open month failed")?;
    }
    Ok(rows.counts())
}

/// The open month's upsert, built piece by piece. Unlike `sql_query`, which Diesel never
/// caches, it is prepared once per connection for each shape (the tables that have
/// rows) and reused by every tenant after: parsing and planning the statement cost as
/// much as running it.
#[derive(Default)]
struct Upsert(Vec<Piece>);

enum Piece {
    Sql(String),
    Bind(Column),
}

impl Upsert {
    fn sql(&mut self, sql: String) {
        self.0.push(Piece::Sql(sql));
    }
    fn bind(&mut self, column: Column) {
        self.0.push(Piece::Bind(column));
    }
}

impl diesel::query_builder::QueryId for Upsert {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Upsert {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        for piece in &self.0 {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Bind(Column::Int8(v)) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                Piece::Bind(Column::Int4(v)) => out.push_bind_param::<Array<Integer>, _>(v)?,
                Piece::Bind(Column::Text(v)) => {
                    out.push_bind_param::<Array<Nullable<Text>>, _>(v)?
                }
                Piece::Bind(Column::Time(v)) => out.push_bind_param::<Array<Timestamptz>, _>(v)?,
            }
        }
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Upsert {}

/// One column's values, in row order.
enum Column {
    Int8(Vec<i64>),
    Int4(Vec<i32>),
    Text(Vec<Option<String>>),
    Time(Vec<DateTime<Utc>>),
}

impl Column {
    fn sql_type(&self) -> &'static str {
        match self {
            Column::Int8(_) => "int8",
            Column::Int4(_) => "int4",
            Column::Text(_) => "text",
            Column::Time(_) => "timestamptz",
        }
    }
}

/// Rows turned into columns, for `unnest`.
#[derive(Default)]
struct Columns(Vec<Column>, usize);

impl Columns {
    /// The column the next value goes to, created by the first row.
    fn next(&mut self, new: impl FnOnce() -> Column) -> &mut Column {
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
        if let Column::Int8(c) = self.next(|| Column::Int8(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
    fn int4(&mut self, v: i32) -> std::io::Result<()> {
        if let Column::Int4(c) = self.next(|| Column::Int4(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
    fn text(&mut self, v: Option<&str>) -> std::io::Result<()> {
        if let Column::Text(c) = self.next(|| Column::Text(Vec::new())) {
            c.push(v.map(str::to_owned));
        }
        Ok(())
    }
    fn timestamptz(&mut self, v: DateTime<Utc>) -> std::io::Result<()> {
        if let Column::Time(c) = self.next(|| Column::Time(Vec::new())) {
            c.push(v);
        }
        Ok(())
    }
}
