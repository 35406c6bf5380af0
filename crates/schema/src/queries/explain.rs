//! `EXPLAIN` of any query value of this module, on the caller's connection: how
//! `bench-queries --explain` shows plans, and how the plan tests check that one tenant's
//! queries reach the child tables through their indexes.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Text, Untyped};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

/// `query` prefixed with `EXPLAIN (options)`; load it as [`PlanLine`] rows.
#[derive(Debug, Clone)]
pub struct Explain<Q> {
    options: &'static str,
    query: Q,
}

/// The plan with the time and buffers of a real run (`EXPLAIN (ANALYZE, BUFFERS)`): the
/// query runs.
pub fn analyze<Q>(query: Q) -> Explain<Q> {
    Explain {
        options: "EXPLAIN (ANALYZE, BUFFERS) ",
        query,
    }
}

/// The planned plan as one JSON document (`EXPLAIN (FORMAT JSON)`): the query does not
/// run.
pub fn json<Q>(query: Q) -> Explain<Q> {
    Explain {
        options: "EXPLAIN (FORMAT JSON) ",
        query,
    }
}

/// The plan of a real run as one JSON document (`EXPLAIN (ANALYZE, FORMAT JSON)`), with
/// each node's loops: which parts of the plan ran. The query runs.
pub fn analyze_json<Q>(query: Q) -> Explain<Q> {
    Explain {
        options: "EXPLAIN (ANALYZE, FORMAT JSON) ",
        query,
    }
}

/// One row of `EXPLAIN`'s output: a line of the text plan, or the whole JSON plan.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PlanLine {
    /// The `QUERY PLAN` column.
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    pub line: String,
}

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Explain<Q> {
    type SqlType = Untyped;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.options);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Explain<Q> {}
