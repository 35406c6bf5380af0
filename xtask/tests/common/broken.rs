//! The small world the breakage catalog is applied to, and loading a world's rows into
//! a scratch database as they are (foreign keys not enforced, so broken rows load too).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use sim::ids::Table;
use sim::{Profile, Rows, Shard, Simulator};

use super::{exec, psql_copy, ScratchDb};

/// A small dev world that still has everything each breakage needs.
pub fn good_world() -> Rows {
    let mut profile = Profile::load("dev").unwrap();
    profile.tenants = 6;
    Simulator::new(profile, 7).rows(Shard::ALL)
}

/// Replaces the six tables' content of `db` with `rows`, foreign keys not enforced.
pub fn load(db: &ScratchDb, rows: &Rows, dir: &Path) {
    let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
    exec(db, &format!("TRUNCATE {}", names.join(", ")));
    for t in Table::ALL {
        let path = dir.join(format!("{}.csv", t.name()));
        let mut file = BufWriter::new(File::create(&path).unwrap());
        sim::csv::write_table(rows, t, true, &mut file).unwrap();
        file.flush().unwrap();
    }
    psql_copy(db, dir, true);
}
