//! What the ledger knows about each loaded tenant, and the check that the six tables
//! still hold exactly that.
//!
//! Per tenant and table the ledger keeps four numbers computed from the generated rows
//! while they are encoded: the row count, the sum of the row ordinals (`id mod 10⁹`), the
//! sum of the table's main counter (`emails_sent` for billing, `sent` elsewhere), and the
//! exclusive or of every row's hash, a chain of PostgreSQL's extended hash functions over
//! its columns computed in Rust (`load::row_hash`). Row ids are `tenant × 10⁹ + ordinal`,
//! so the warehouse side is one aggregate per table ([`totals`], and [`warehouse`] to say
//! where), without joins: a deleted, added or re-numbered row changes its tenant's counts,
//! and an edit of any column (a status, `updated`, a counter swapped with another row's, a
//! row moved to another month) changes its hash.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable};
use sim::ids::{Table, IDS_PER_TENANT};
use sim::rows::Activity;
use sim::Rows;

use schema::cached::{Cached, Value};
use schema::PerTable;
use sim::columns::visit_table;

use super::row_hash::{chain_sql, RowHasher};

/// Every row's chained hash ([`row_hash`](super::row_hash)), folded by exclusive or: what
/// [`Checksum::hashes`] holds for the generated rows, in SQL, over `table` aliased `t`.
/// `bit_xor` combines in parallel.
fn row_hashes(conn: &mut PgConnection, table: Table) -> QueryResult<String> {
    let chain = chain_sql(conn, table.name(), "t")?;
    Ok(format!("coalesce(bit_xor({chain}), 0)"))
}

/// One tenant's numbers per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    /// Rows.
    pub rows: PerTable<i64>,
    /// Sum of `id mod 10⁹`.
    pub ids: PerTable<i64>,
    /// Sum of the main counter.
    pub sent: PerTable<i64>,
    /// The exclusive or of every row's chained hash: every column of every row, in any
    /// order (`load::row_hash`). `None` where a ledger written by an older xtask did not
    /// record it (xtask 0.2 recorded `hash_record_extended`, another hash); such a tenant
    /// is checked by the other numbers.
    pub hashes: Option<PerTable<i64>>,
}

/// The column naming a row's period: a billing row's own id, every other row's
/// `billing_id`.
fn period_column(table: Table) -> &'static str {
    match table {
        Table::Billing => "id",
        _ => "billing_id",
    }
}

/// The `WHERE` clause keeping `table`'s rows of the periods bound as `$1`, or none.
fn in_periods(table: Table, periods: Option<&[i64]>) -> String {
    match periods {
        Some(_) => format!(" WHERE {} = ANY($1)", period_column(table)),
        None => String::new(),
    }
}

/// The counter each table's checksum sums.
fn counter_column(table: Table) -> &'static str {
    match table {
        Table::Billing => "emails_sent",
        _ => "sent",
    }
}

impl Checksum {
    /// Adds a period's rows.
    pub fn add(&mut self, rows: &Rows) {
        let mut add = |t: Table, id: i64, sent: i32| {
            self.rows[t] += 1;
            self.ids[t] += id % IDS_PER_TENANT;
            self.sent[t] += i64::from(sent);
        };
        for r in &rows.billing {
            add(Table::Billing, r.id, r.new.emails_sent);
        }
        for r in &rows.campaigns {
            add(Table::Campaign, r.id, r.new.counters().sent);
        }
        for r in &rows.steps {
            add(Table::SequenceStep, r.id, r.new.counters().sent);
        }
        for r in &rows.leads {
            add(Table::Lead, r.id, r.new.counters().sent);
        }
        for r in &rows.mailboxes {
            add(Table::Mailbox, r.id, r.new.counters().sent);
        }
        for r in &rows.warmups {
            add(Table::Warmup, r.id, r.new.counters().sent);
        }
        let hashes = self.hashes.get_or_insert_with(PerTable::default);
        for t in Table::ALL {
            let mut xor = 0;
            visit_table(rows, t, &mut RowHasher::new(|h| xor ^= h))
                .expect("hashing in memory cannot fail");
            hashes[t] ^= xor as i64;
        }
    }

    /// Adds the numbers and hashes of some of `table`'s rows, as an aggregate counted
    /// them: `[rows, ids, sent]` added, the hashes folded in by exclusive or.
    fn add_table(&mut self, table: Table, [rows, ids, sent]: [i64; 3], hashes: i64) {
        self.rows[table] += rows;
        self.ids[table] += ids;
        self.sent[table] += sent;
        self.hashes.get_or_insert_with(PerTable::default)[table] ^= hashes;
    }

    /// Whether `table` differs between `self` and `other`: its numbers, and its hash
    /// where both recorded one.
    fn differs(&self, other: &Checksum, table: Table) -> bool {
        let numbers = |c: &Checksum| [c.rows[table], c.ids[table], c.sent[table]];
        let hashes = match (self.hashes, other.hashes) {
            (Some(a), Some(b)) => a[table] != b[table],
            _ => false,
        };
        numbers(self) != numbers(other) || hashes
    }
}

/// Every table's row count and folded row hashes, all tenants together: what a warehouse
/// holds in sum, or what a ledger recorded.
pub type Totals = PerTable<(i64, i64)>;

/// The [`Totals`] of what the ledger recorded for these tenants; `None` when one of them
/// has no hashes (an older xtask's ledger), which only [`warehouse`]'s numbers can check.
pub fn totals_of(recorded: &BTreeMap<u32, Checksum>) -> Option<Totals> {
    let mut totals = Totals::default();
    for c in recorded.values() {
        let recorded = c.hashes?;
        for t in Table::ALL {
            let (rows, hashes) = &mut totals[t];
            *rows += c.rows[t];
            *hashes ^= recorded[t];
        }
    }
    Some(totals)
}

/// The [`Totals`] of the six tables, of every row or only of the rows whose period is one
/// of `periods`: one ungrouped aggregate per table, which costs a third less than
/// [`warehouse`]'s grouped ones (on staging's `lead_analytics`, finding each row's period
/// in a hash table costs as much as reading the row). When they equal the ledger's, the
/// tables hold what it records: a difference in one tenant that another cancels would
/// take two edits whose 64-bit hashes collide. Only when they differ does [`warehouse`]
/// have to say where.
pub fn totals(conn: &mut PgConnection, periods: Option<&[i64]>) -> QueryResult<Totals> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = BigInt)]
        rows: i64,
        #[diesel(sql_type = BigInt)]
        hashes: i64,
    }
    diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
    let mut totals = Totals::default();
    for t in Table::ALL {
        let scope = in_periods(t, periods);
        let sql = format!(
            "SELECT count(*) AS rows, {} AS hashes FROM {} t{scope}",
            row_hashes(conn, t)?,
            t.name()
        );
        let query = diesel::sql_query(sql).into_boxed();
        let query = match periods {
            Some(periods) => query.bind::<Array<BigInt>, _>(periods),
            None => query,
        };
        let total = query.get_result::<Total>(conn)?;
        totals[t] = (total.rows, total.hashes);
    }
    Ok(totals)
}

/// One period's rows of one table (of one tenant, when they are split).
#[derive(QueryableByName)]
struct Group {
    #[diesel(sql_type = Nullable<BigInt>)]
    period: Option<i64>,
    #[diesel(sql_type = Integer)]
    tenant_no: i32,
    #[diesel(sql_type = Integer)]
    last_tenant_no: i32,
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = BigInt)]
    ids: i64,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    hashes: i64,
}

/// The checksums of every tenant the six tables hold: one aggregate per table.
///
/// The rows are grouped by their period (`billing_id`; a billing row by its own id), then
/// added up by tenant (`id / 10⁹`): PostgreSQL knows how many periods there are, so it
/// aggregates them in parallel, while it takes `id / 10⁹` for as many groups as rows and
/// aggregates on one core. In a seed a period's rows are all its tenant's; a period whose
/// row ids name more than one tenant (a row moved or added by hand) is split by tenant
/// in a query of its own.
pub fn warehouse(conn: &mut PgConnection) -> QueryResult<BTreeMap<u32, Checksum>> {
    sums(conn, None)
}

/// The checksums of the rows in the periods `open` ([`open_periods`]), per tenant, as
/// [`warehouse`] counts them: what [`ledger_open`] records, and what an advance may overwrite. They
/// are read through the `billing_id` indexes, so they cost what the open month holds
/// (about a tenth of a warehouse a year old), not the whole.
pub fn warehouse_open(
    conn: &mut PgConnection,
    open: &[i64],
) -> QueryResult<BTreeMap<u32, Checksum>> {
    sums(conn, Some(open))
}

/// The ids of the periods each tenant of the ledger had open on its `open_since` day
/// (those that ended after its midnight): the scope of [`warehouse_open`] and of
/// [`totals`] before an advance. Listed first, so that the planner knows how few they are.
pub fn open_periods(conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Periods {
        #[diesel(sql_type = Array<BigInt>)]
        ids: Vec<i64>,
    }
    let open = diesel::sql_query(format!(
        "SELECT coalesce(array_agg(b.id), '{{}}') AS ids FROM billing_analytics b \
         JOIN pm_seed.tenants t ON t.tenant_no = (b.id / {IDS_PER_TENANT})::int4 \
         WHERE b.period_end > t.open_since::timestamp AT TIME ZONE 'UTC'"
    ))
    .get_result::<Periods>(conn)?;
    Ok(open.ids)
}

/// The checksum of tenant `no`'s rows in the periods it had open on its `open_since`
/// day, as [`warehouse_open`] counts them, with every one of those rows locked (`FOR NO
/// KEY UPDATE`) until the caller's transaction ends: in the transaction of an advance,
/// what it is about to write over, checked and kept from other writers in one step. One
/// statement, through the primary key and the `billing_id` indexes.
pub fn tenant_open_locked(
    conn: &mut PgConnection,
    fingerprint: &str,
    no: u32,
) -> QueryResult<Checksum> {
    #[derive(QueryableByName)]
    struct Part {
        #[diesel(sql_type = Integer)]
        i: i32,
        #[diesel(sql_type = BigInt)]
        rows: i64,
        #[diesel(sql_type = BigInt)]
        ids: i64,
        #[diesel(sql_type = BigInt)]
        sent: i64,
        #[diesel(sql_type = BigInt)]
        hashes: i64,
    }
    // Each part names its table by its place in `Table::ALL`, read back below.
    let parts: Vec<String> = Table::ALL
        .into_iter()
        .map(|t| -> QueryResult<String> {
            let i = t.position();
            let period = period_column(t);
            let rows = match t {
                Table::Billing => "open",
                _ => "x",
            };
            let from = match t {
                Table::Billing => "open".to_owned(),
                _ => format!(
                    "(SELECT id, {sent}, {chain} AS h FROM {table} t \
                     WHERE {period} = ANY(ARRAY(SELECT id FROM open)) FOR NO KEY UPDATE) x",
                    sent = counter_column(t),
                    chain = chain_sql(conn, t.name(), "t")?,
                    table = t.name()
                ),
            };
            Ok(format!(
                "SELECT {i} AS i, count(*) AS rows, coalesce(sum(({rows}.id % {IDS_PER_TENANT})::int4), 0)::int8 AS ids, \
                 coalesce(sum({rows}.{sent}), 0)::int8 AS sent, coalesce(bit_xor({rows}.h), 0) AS hashes FROM {from}",
                sent = counter_column(t)
            ))
        })
        .collect::<QueryResult<_>>()?;
    let sql = format!(
        "WITH open AS (SELECT b.id, b.emails_sent, {} AS h FROM billing_analytics b \
         JOIN pm_seed.tenants t ON t.fingerprint = $1 AND t.tenant_no = $2 \
         WHERE b.id BETWEEN $2::int8 * {IDS_PER_TENANT} AND ($2::int8 + 1) * {IDS_PER_TENANT} - 1 \
         AND b.period_end > t.open_since::timestamp AT TIME ZONE 'UTC' FOR NO KEY UPDATE OF b) {}",
        chain_sql(conn, Table::Billing.name(), "b")?,
        parts.join(" UNION ALL ")
    );
    let mut sum = Checksum::default();
    let found: Vec<Part> = Cached::new(
        sql,
        vec![Value::Text(fingerprint.to_owned()), Value::Int4(no as i32)],
    )
    .load(conn)?;
    for p in found {
        sum.add_table(Table::ALL[p.i as usize], [p.rows, p.ids, p.sent], p.hashes);
    }
    Ok(sum)
}

/// [`warehouse`], of every row, or only of the rows whose period is one of `periods`.
fn sums(conn: &mut PgConnection, periods: Option<&[i64]>) -> QueryResult<BTreeMap<u32, Checksum>> {
    // JIT compilation costs more than it saves on one pass (a third of it on staging's
    // lead_analytics). Outside a transaction this is a no-op, with a warning.
    diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
    let mut found: BTreeMap<u32, Checksum> = BTreeMap::new();
    for t in Table::ALL {
        let period = period_column(t);
        let scope = in_periods(t, periods);
        // An ordinal fits an int4 (it is below 10⁹), whose sum PostgreSQL keeps in an
        // int8; the sum of an int8 goes through numeric, which is slower.
        let sums = format!(
            "count(*) AS rows, sum((id % {IDS_PER_TENANT})::int4) AS ids, \
             coalesce(sum({}), 0)::int8 AS sent, {} AS hashes",
            counter_column(t),
            row_hashes(conn, t)?
        );
        let tenant = format!("(id / {IDS_PER_TENANT})::int4");
        let sql = format!(
            "SELECT {period} AS period, min({tenant}) AS tenant_no, \
             max({tenant}) AS last_tenant_no, {sums} FROM {} t{scope} GROUP BY {period}",
            t.name()
        );
        let query = diesel::sql_query(sql).into_boxed();
        let query = match periods {
            Some(periods) => query.bind::<Array<BigInt>, _>(periods),
            None => query,
        };
        for g in query.load::<Group>(conn)? {
            let groups = if g.tenant_no == g.last_tenant_no {
                vec![g]
            } else {
                let sql = format!(
                    "SELECT $1 AS period, {tenant} AS tenant_no, {tenant} AS last_tenant_no, \
                     {sums} FROM {} t WHERE {period} IS NOT DISTINCT FROM $1 GROUP BY 2",
                    t.name()
                );
                diesel::sql_query(sql)
                    .bind::<Nullable<BigInt>, _>(g.period)
                    .load::<Group>(conn)?
            };
            for g in groups {
                let c = found.entry(g.tenant_no as u32).or_default();
                c.add_table(t, [g.rows, g.ids, g.sent], g.hashes);
            }
        }
    }
    Ok(found)
}

/// The checksums the ledger recorded, per tenant number.
pub fn ledger(conn: &mut PgConnection) -> QueryResult<BTreeMap<u32, Checksum>> {
    Ok(recorded(conn, "")?.unwrap_or_default())
}

/// The checksums of the periods each tenant had open on its `open_since` day, as the
/// ledger recorded them; `None` if a tenant has none (recorded by an xtask that did not
/// keep them), so that only a whole check can tell.
pub fn ledger_open(conn: &mut PgConnection) -> QueryResult<Option<BTreeMap<u32, Checksum>>> {
    recorded(conn, "open_")
}

/// The checksum of tenant `no`'s open periods as the ledger recorded it; `None` when it
/// did not (an older xtask's ledger, checked whole before the run instead).
pub fn ledger_open_tenant(
    conn: &mut PgConnection,
    fingerprint: &str,
    no: u32,
) -> QueryResult<Option<Checksum>> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        rows: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        id_sums: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        sent_sums: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        hashes: Option<Vec<i64>>,
    }
    let found: Vec<T> = Cached::new(
        "SELECT open_rows AS rows, open_id_sums AS id_sums, open_sent_sums AS sent_sums, \
         open_chain_hashes AS hashes FROM pm_seed.tenants WHERE fingerprint = $1 AND tenant_no = $2",
        vec![Value::Text(fingerprint.to_owned()), Value::Int4(no as i32)],
    )
    .load(conn)?;
    Ok(found.into_iter().next().and_then(|t| {
        Some(Checksum {
            rows: from_ledger_array(t.rows?),
            ids: from_ledger_array(t.id_sums?),
            sent: from_ledger_array(t.sent_sums?),
            hashes: t.hashes.map(from_ledger_array),
        })
    }))
}

/// A ledger array (`pm_seed.tenants.rows`, `id_sums`, …), which holds one number per
/// table in [`Table::ALL`] order, per table; a number it lacks is 0. The inverse of
/// [`ledger_array`].
fn from_ledger_array(v: Vec<i64>) -> PerTable<i64> {
    PerTable::from_fn(|t| v.get(t.position()).copied().unwrap_or(0))
}

/// One number per table as a ledger array: in [`Table::ALL`] order, the order the ledger's
/// arrays have always had. The inverse of [`from_ledger_array`].
pub(crate) fn ledger_array(per_table: &PerTable<i64>) -> Vec<i64> {
    per_table.values().copied().collect()
}

/// The ledger's checksums in the columns `{prefix}rows`, `{prefix}id_sums` and
/// `{prefix}sent_sums`; `None` if any is missing.
fn recorded(conn: &mut PgConnection, prefix: &str) -> QueryResult<Option<BTreeMap<u32, Checksum>>> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Integer)]
        tenant_no: i32,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        rows: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        id_sums: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        sent_sums: Option<Vec<i64>>,
        #[diesel(sql_type = Nullable<Array<BigInt>>)]
        hashes: Option<Vec<i64>>,
    }
    diesel::sql_query(format!(
        "SELECT tenant_no, {prefix}rows AS rows, {prefix}id_sums AS id_sums, \
         {prefix}sent_sums AS sent_sums, {prefix}chain_hashes AS hashes FROM pm_seed.tenants"
    ))
    .load::<T>(conn)?
    .into_iter()
    .map(|t| {
        let c = Checksum {
            rows: from_ledger_array(t.rows?),
            ids: from_ledger_array(t.id_sums?),
            sent: from_ledger_array(t.sent_sums?),
            hashes: t.hashes.map(from_ledger_array),
        };
        Some((t.tenant_no as u32, c))
    })
    .collect::<Option<_>>()
    .map_or(Ok(None), |m| Ok(Some(m)))
}

/// Where the six tables and the ledger disagree: per table, the recorded tenants that
/// differ, and the rows under tenant numbers the ledger does not know.
#[derive(Debug, Default)]
pub struct Mismatch {
    /// One entry for each table with a difference.
    pub tables: Vec<TableMismatch>,
}

/// One table's part of a [`Mismatch`].
#[derive(Debug)]
pub struct TableMismatch {
    /// The table.
    pub table: &'static str,
    /// Recorded tenants whose rows differ from the ledger.
    pub tenants: BTreeSet<u32>,
    /// Rows whose ids name no recorded tenant: added by hand or by a service.
    pub unrecorded: i64,
}

impl Mismatch {
    /// Compares what the ledger recorded with what the tables hold.
    pub fn between(recorded: &BTreeMap<u32, Checksum>, found: &BTreeMap<u32, Checksum>) -> Self {
        let none = Checksum::default();
        let tenants: BTreeSet<u32> = recorded.keys().chain(found.keys()).copied().collect();
        let tables = Table::ALL
            .into_iter()
            .filter_map(|t| {
                let differ = |no: &u32| {
                    let a = recorded.get(no).unwrap_or(&none);
                    a.differs(found.get(no).unwrap_or(&none), t)
                };
                let (known, unknown): (BTreeSet<u32>, BTreeSet<u32>) = tenants
                    .iter()
                    .copied()
                    .filter(differ)
                    .partition(|no| recorded.contains_key(no));
                let unrecorded = unknown.iter().map(|no| found[no].rows[t]).sum();
                (!known.is_empty() || !unknown.is_empty()).then_some(TableMismatch {
                    table: t.name(),
                    tenants: known,
                    unrecorded,
                })
            })
            .collect();
        Self { tables }
    }

    /// Whether the tables hold exactly what the ledger says.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

/// A short list of tenant keys: the first few and how many more.
pub fn list_tenants<'a>(tenants: impl IntoIterator<Item = &'a u32>) -> String {
    const SHOWN: usize = 5;
    let all: Vec<String> = tenants
        .into_iter()
        .map(|&no| sim::ids::tenant_id(no))
        .collect();
    if all.len() <= SHOWN {
        all.join(", ")
    } else {
        format!("{} and {} more", all[..SHOWN].join(", "), all.len() - SHOWN)
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .tables
            .iter()
            .map(|m| {
                let mut said = Vec::new();
                if !m.tenants.is_empty() {
                    said.push(format!("{} of {}", m.table, list_tenants(&m.tenants)));
                }
                if m.unrecorded > 0 {
                    let s = if m.unrecorded == 1 { "" } else { "s" };
                    said.push(format!(
                        "{}: {} row{s} no seed recorded",
                        m.table, m.unrecorded
                    ));
                }
                said.join("; ")
            })
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl Mismatch {
    /// The difference as an [`Error::Tampered`](crate::Error::Tampered) saying `message`:
    /// the tables that differ, and the recorded tenants whose rows do.
    pub fn tampered(&self, message: String) -> crate::Error {
        let tenants: BTreeSet<u32> = self
            .tables
            .iter()
            .flat_map(|m| m.tenants.iter().copied())
            .collect();
        crate::Error::Tampered {
            tables: self.tables.iter().map(|m| m.table).collect(),
            tenants: tenants.into_iter().map(sim::ids::tenant_id).collect(),
            message,
        }
    }
}
