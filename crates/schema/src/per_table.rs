//! One value per table, indexed by [`Table`] rather than by position, so that adding or
//! reordering a table is one edit (in [`Table`]) and never a silent shift of numbers.

use std::ops::{Index, IndexMut};

use crate::Table;

/// One `T` per table, in [`Table::ALL`] order: rows per table, bytes per table,
/// checksums per table.
///
/// ```
/// use schema::{PerTable, Table};
///
/// let mut rows = PerTable::<u64>::default();
/// rows[Table::Lead] += 3;
/// rows[Table::Billing] += 1;
/// assert_eq!(rows.total(), 4);
/// assert_eq!(rows.iter().next(), Some((Table::Billing, &1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PerTable<T>([T; Table::COUNT]);

impl<T> PerTable<T> {
    /// The value `f` gives each table.
    pub fn from_fn(mut f: impl FnMut(Table) -> T) -> Self {
        Self(std::array::from_fn(|i| f(Table::ALL[i])))
    }

    /// Each table with its value, in [`Table::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Table, &T)> {
        Table::ALL.into_iter().zip(&self.0)
    }

    /// The values, in [`Table::ALL`] order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    /// Each value changed by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> PerTable<U> {
        PerTable(self.0.map(f))
    }
}

impl<T: Copy + std::iter::Sum> PerTable<T> {
    /// The values added up: rows of all tables, say.
    pub fn total(&self) -> T {
        self.0.iter().copied().sum()
    }
}

/// From values in [`Table::ALL`] order.
impl<T> From<[T; Table::COUNT]> for PerTable<T> {
    fn from(values: [T; Table::COUNT]) -> Self {
        Self(values)
    }
}

impl<T> Index<Table> for PerTable<T> {
    type Output = T;
    fn index(&self, table: Table) -> &T {
        &self.0[table.position()]
    }
}

impl<T> IndexMut<Table> for PerTable<T> {
    fn index_mut(&mut self, table: Table) -> &mut T {
        &mut self.0[table.position()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_indexes_its_own_value_whatever_the_order() {
        let named = PerTable::from_fn(Table::name);
        for table in Table::ALL {
            assert_eq!(named[table], table.name());
        }
        let ordered: Vec<Table> = named.iter().map(|(t, _)| t).collect();
        assert_eq!(ordered, Table::ALL);
    }
}
