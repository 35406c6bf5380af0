//! CSV in PostgreSQL's `COPY … CSV HEADER` dialect: the export format, the fixtures'
//! format, and the canonical byte form that the golden hash is taken over.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::columns::{visit_table, ColumnSink};
use crate::ids::Table;
use crate::rows::Rows;

/// Writes CSV lines.
struct CsvLines<'a> {
    w: &'a mut dyn Write,
    first: bool,
}

impl CsvLines<'_> {
    fn sep(&mut self) -> io::Result<()> {
        if !std::mem::take(&mut self.first) {
            self.w.write_all(b",")?;
        }
        Ok(())
    }
}

impl ColumnSink for CsvLines<'_> {
    fn begin_row(&mut self, _columns: u16) -> io::Result<()> {
        self.first = true;
        Ok(())
    }
    fn end_row(&mut self) -> io::Result<()> {
        self.w.write_all(b"\n")
    }
    fn int8(&mut self, v: i64) -> io::Result<()> {
        self.sep()?;
        write!(self.w, "{v}")
    }
    fn int4(&mut self, v: i32) -> io::Result<()> {
        self.sep()?;
        write!(self.w, "{v}")
    }
    fn text(&mut self, v: Option<&str>) -> io::Result<()> {
        self.sep()?;
        match v {
            // Always quoted: an unquoted empty field reads back as NULL.
            Some(v) => write!(self.w, "\"{}\"", v.replace('"', "\"\"")),
            None => Ok(()),
        }
    }
    fn timestamptz(&mut self, v: DateTime<Utc>) -> io::Result<()> {
        self.sep()?;
        write!(self.w, "{}", v.format("%Y-%m-%d %H:%M:%S+00"))
    }
}

/// Writes one table of `rows` as CSV, with or without its header line.
pub fn write_table(rows: &Rows, table: Table, header: bool, w: &mut dyn Write) -> io::Result<()> {
    if header {
        writeln!(w, "{}", table.columns().join(","))?;
    }
    visit_table(rows, table, &mut CsvLines { w, first: true })
}

/// SHA-256 of the rows' CSV, table by table in foreign-key order: the fingerprint that
/// the golden test and the fixtures' manifest pin.
pub fn content_hash(rows: &Rows) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for table in Table::ALL {
        write_table(rows, table, true, &mut hasher).expect("hashing cannot fail");
    }
    format!("{:x}", hasher.finalize())
}
