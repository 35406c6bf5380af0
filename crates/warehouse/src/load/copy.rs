//! PostgreSQL's binary COPY format, written through Diesel's `copy_from`.
//!
//! Rows are encoded straight from the simulator's insertables into one buffer per table
//! (via the column visitor that the CSV export uses too), then sent with
//! `copy_from(…).from_raw_data(…)` in `BINARY` format: no text parsing on the server, and
//! the ids fixed by the simulator are kept.

use std::io;

use crate::error::{Result, Step};
use chrono::{DateTime, TimeZone, Utc};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use schema::PerTable;
use sim::columns::{visit_table, ColumnSink};
use sim::ids::Table;
use sim::Rows;

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
pub(crate) fn pg_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap()
}

/// One table's rows in binary COPY format, growing as rows are added.
#[derive(Debug)]
pub struct CopyBuffer {
    bytes: Vec<u8>,
    rows: usize,
    epoch: DateTime<Utc>,
}

impl Default for CopyBuffer {
    fn default() -> Self {
        let mut bytes = Vec::with_capacity(64 * 1024);
        bytes.extend_from_slice(SIGNATURE);
        bytes.extend_from_slice(&0i32.to_be_bytes()); // flags
        bytes.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        Self {
            bytes,
            rows: 0,
            epoch: pg_epoch(),
        }
    }
}

impl CopyBuffer {
    /// Rows buffered.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes buffered, trailer excluded.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    fn field(&mut self, data: &[u8]) {
        self.bytes
            .extend_from_slice(&(data.len() as i32).to_be_bytes());
        self.bytes.extend_from_slice(data);
    }

    /// Takes the finished COPY stream (with its trailer) and starts a new one.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut done = std::mem::take(self);
        done.bytes.extend_from_slice(&(-1i16).to_be_bytes());
        done.bytes
    }
}

impl ColumnSink for CopyBuffer {
    fn begin_row(&mut self, columns: u16) -> io::Result<()> {
        self.rows += 1;
        self.bytes
            .extend_from_slice(&(columns as i16).to_be_bytes());
        Ok(())
    }
    fn end_row(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn int8(&mut self, v: i64) -> io::Result<()> {
        self.field(&v.to_be_bytes());
        Ok(())
    }
    fn int4(&mut self, v: i32) -> io::Result<()> {
        self.field(&v.to_be_bytes());
        Ok(())
    }
    fn text(&mut self, v: Option<&str>) -> io::Result<()> {
        match v {
            Some(s) => self.field(s.as_bytes()),
            None => self.bytes.extend_from_slice(&(-1i32).to_be_bytes()),
        }
        Ok(())
    }
    fn timestamptz(&mut self, v: DateTime<Utc>) -> io::Result<()> {
        let micros = (v - self.epoch).num_microseconds().unwrap_or(i64::MAX);
        self.field(&micros.to_be_bytes());
        Ok(())
    }
}

/// A tenant's rows, encoded per table.
#[derive(Debug, Default)]
pub struct TenantBuffers {
    tables: PerTable<CopyBuffer>,
}

impl TenantBuffers {
    /// Encodes a period's rows.
    pub fn add(&mut self, rows: &Rows) {
        for table in Table::ALL {
            visit_table(rows, table, &mut self.tables[table])
                .expect("encoding into memory cannot fail");
        }
    }

    /// Rows buffered per table.
    pub fn rows(&self) -> PerTable<usize> {
        PerTable::from_fn(|t| self.tables[t].rows())
    }

    /// Bytes buffered per table.
    pub fn bytes(&self) -> PerTable<usize> {
        PerTable::from_fn(|t| self.tables[t].byte_len())
    }

    /// Sends every table's buffered rows, billing first (children reference it), adds
    /// them to `sent`, and empties the buffers. Runs inside the caller's transaction.
    pub fn flush(&mut self, conn: &mut PgConnection, sent: &mut PerTable<usize>) -> Result<()> {
        for table in Table::ALL {
            let buffer = &mut self.tables[table];
            if buffer.rows() == 0 {
                continue;
            }
            sent[table] += buffer.rows();
            let data = buffer.finish();
            table
                .copy_in(conn, CopyFormat::Binary, &data)
                .step_with(|| format!("COPY into {} failed", table.name()))?;
        }
        Ok(())
    }
}
