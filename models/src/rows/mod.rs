//! Output rows: one `#[derive(Serialize)]` struct per table, declared with [`table_row!`]
//! (crate-level macro) so that one list of columns — names, types, order — feeds the CSV and
//! Parquet writers, the reserved sweep columns and the test that checks `cli/SCHEMA.md` lists
//! exactly those columns. Column names carry their unit (`_gib`, `_vcpu`, `_ms`,
//! `_usd_per_month`); floats are rounded to 6 decimal places when they become cells.
//!
//! | file | tables |
//! |---|---|
//! | `run.rs` | `meshsim run`: summary, pools, components, pending, latency, proxies, stations, namespaces |
//! | `plan.rs` | `meshsim plan`: plan, waves, timeline, plan-namespaces, plan-latency |
//! | `sweep.rs` | `meshsim sweep`: capacity, uncertainty |
//! | `autoscale.rs` | `meshsim run` with `[autoscaling]`: timeline, autoscaling |
//! | `calibrate.rs` | `meshsim calibrate`: fit, coefficients |
//! | `replay.rs` | `meshsim replay`: allocation, allocation-median, replay-summary, replay-runs, timeline |

pub mod audit;
pub mod autoscale;
pub mod calibrate;
pub mod plan;
pub mod replay;
pub mod run;
pub mod sweep;

/// Version of the output schema; bumped on any change to columns or their meaning.
pub const SCHEMA_VERSION: i64 = 4;

/// Rounds to 6 decimal places, so outputs carry no float noise (0.30000000000000004).
pub fn r6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}

/// Bytes (a modelled, fractional figure) in GiB.
pub(crate) fn gib_f(bytes: f64) -> f64 {
    bytes / crate::resources::GIB as f64
}

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Str,
    /// 64-bit integer (nullable).
    I64,
    /// 64-bit float (nullable), rounded to 6 decimals.
    F64,
    /// Boolean (nullable).
    Bool,
}

/// A column of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, with its unit suffix.
    pub name: &'static str,
    /// Type.
    pub kind: Kind,
}

/// One cell.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    /// Text.
    S(String),
    /// A float (already rounded), or null.
    F(Option<f64>),
    /// An integer, or null.
    I(Option<i64>),
    /// A boolean, or null.
    B(Option<bool>),
}

/// A value that becomes one cell.
pub trait CellValue {
    /// The column type.
    const KIND: Kind;
    /// The cell.
    fn cell(&self) -> Cell;
}

impl CellValue for String {
    const KIND: Kind = Kind::Str;
    fn cell(&self) -> Cell {
        Cell::S(self.clone())
    }
}
impl CellValue for Option<String> {
    const KIND: Kind = Kind::Str;
    fn cell(&self) -> Cell {
        Cell::S(self.clone().unwrap_or_default())
    }
}
impl CellValue for i64 {
    const KIND: Kind = Kind::I64;
    fn cell(&self) -> Cell {
        Cell::I(Some(*self))
    }
}
impl CellValue for Option<i64> {
    const KIND: Kind = Kind::I64;
    fn cell(&self) -> Cell {
        Cell::I(*self)
    }
}
impl CellValue for f64 {
    const KIND: Kind = Kind::F64;
    fn cell(&self) -> Cell {
        Cell::F(Some(r6(*self)))
    }
}
impl CellValue for Option<f64> {
    const KIND: Kind = Kind::F64;
    fn cell(&self) -> Cell {
        Cell::F(self.map(r6))
    }
}
impl CellValue for bool {
    const KIND: Kind = Kind::Bool;
    fn cell(&self) -> Cell {
        Cell::B(Some(*self))
    }
}
impl CellValue for Option<bool> {
    const KIND: Kind = Kind::Bool;
    fn cell(&self) -> Cell {
        Cell::B(*self)
    }
}

/// A row of a named table with fixed columns.
pub trait TableRow {
    /// File stem (`summary` → `summary.csv`, `summary.parquet`).
    const TABLE: &'static str;
    /// The columns, in order.
    const COLUMNS: &'static [Column];
    /// The cells, in column order.
    fn cells(&self) -> Vec<Cell>;
}

/// A row whose columns are only known at run time (a sweep's parameters first): named cells
/// in column order. Rows serialize to JSON, which is how a sweep logs each finished point.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row(pub Vec<(String, Cell)>);

impl Row {
    /// The cells of a fixed row, named.
    pub fn of<R: TableRow>(r: &R) -> Row {
        Row(R::COLUMNS
            .iter()
            .zip(r.cells())
            .map(|(c, v)| (c.name.to_string(), v))
            .collect())
    }

    /// The cell called `name`.
    pub fn get(&self, name: &str) -> Option<&Cell> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// Declares an output row: the struct (with `Serialize`) and its [`TableRow`] impl.
#[macro_export]
macro_rules! table_row {
    (
        $(#[$doc:meta])*
        pub struct $name:ident: $table:literal {
            $( $(#[$fdoc:meta])* pub $field:ident: $ty:ty ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: $ty ),+
        }

        impl $crate::rows::TableRow for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [$crate::rows::Column] = &[
                $( $crate::rows::Column {
                    name: stringify!($field),
                    kind: <$ty as $crate::rows::CellValue>::KIND,
                } ),+
            ];
            fn cells(&self) -> Vec<$crate::rows::Cell> {
                vec![ $( $crate::rows::CellValue::cell(&self.$field) ),+ ]
            }
        }
    };
}

/// The columns every table starts with.
pub const HEAD: [&str; 4] = ["schema_version", "scenario", "mode", "seed"];

/// Who produced a row: the scenario and seed.
#[derive(Clone, Copy, Debug)]
pub struct RunInfo<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Seed.
    pub seed: u64,
}
