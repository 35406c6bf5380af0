//! One value per table, indexed by [`Table`] rather than by position, so that adding or
//! reordering a table is one edit (in [`Table`]) and never a silent shift of numbers.

use std::array;
use std::iter::Zip;
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

    /// The value `f` gives each table, or the first error it returns: the tables are
    /// asked in [`Table::ALL`] order, and none after the one that failed.
    ///
    /// ```
    /// use schema::{PerTable, Table};
    ///
    /// let lengths = PerTable::try_from_fn(|t| Ok::<_, Table>(t.name().len()));
    /// assert_eq!(lengths.unwrap()[Table::Billing], "billing_analytics".len());
    /// let failed = PerTable::<usize>::try_from_fn(|t| if t == Table::Lead { Err(t) } else { Ok(0) });
    /// assert_eq!(failed, Err(Table::Lead));
    /// ```
    pub fn try_from_fn<E>(f: impl FnMut(Table) -> Result<T, E>) -> Result<Self, E> {
        let values: Vec<T> = Table::ALL.into_iter().map(f).collect::<Result<_, E>>()?;
        match values.try_into() {
            Ok(values) => Ok(Self(values)),
            Err(_) => unreachable!("one value per table"),
        }
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

/// Each table with its value, in [`Table::ALL`] order, by value: what [`PerTable::iter`]
/// gives by reference.
impl<T> IntoIterator for PerTable<T> {
    type Item = (Table, T);
    type IntoIter =
        Zip<array::IntoIter<Table, { Table::COUNT }>, array::IntoIter<T, { Table::COUNT }>>;

    fn into_iter(self) -> Self::IntoIter {
        Table::ALL.into_iter().zip(self.0)
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

    #[test]
    fn owned_iteration_and_try_from_fn_go_in_table_order() {
        let named = PerTable::from_fn(Table::name);
        let owned: Vec<(Table, &str)> = named.into_iter().collect();
        assert_eq!(
            owned,
            named.iter().map(|(t, n)| (t, *n)).collect::<Vec<_>>()
        );

        let mut asked = Vec::new();
        let ok = PerTable::try_from_fn(|t| {
            asked.push(t);
            Ok::<_, ()>(t.name())
        });
        assert_eq!(ok, Ok(named));
        assert_eq!(asked, Table::ALL);

        asked.clear();
        let failed = PerTable::try_from_fn(|t| {
            asked.push(t);
            if t == Table::Lead {
                Err(t)
            } else {
                Ok(())
            }
        });
        assert_eq!(failed, Err(Table::Lead));
        assert_eq!(asked, Table::ALL[..=Table::Lead.position()]);
    }
}
