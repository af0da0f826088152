//! Rows to polars DataFrames. The rows themselves (their columns, units and values) come from
//! `meshsim_models::rows`; this file only turns them into typed columns for the CSV and Parquet
//! writers. Column types come from the row's declared columns, so an empty table still has its
//! header and types.

use anyhow::Result;
use meshsim_models::rows::{Cell, Column as RowColumn, Kind, Row, TableRow};
use polars::prelude::{Column, DataFrame};

enum Values {
    Str(Vec<String>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        match kind {
            Kind::Str => Values::Str(Vec::new()),
            Kind::F64 => Values::F64(Vec::new()),
            Kind::I64 => Values::I64(Vec::new()),
            Kind::Bool => Values::Bool(Vec::new()),
        }
    }

    fn push(&mut self, c: &Cell) {
        match (self, c) {
            (Values::Str(v), Cell::S(x)) => v.push(x.clone()),
            (Values::F64(v), Cell::F(x)) => v.push(*x),
            (Values::I64(v), Cell::I(x)) => v.push(*x),
            (Values::Bool(v), Cell::B(x)) => v.push(*x),
            // A cell of another type than its column's (never produced by the row types).
            (Values::Str(v), _) => v.push(String::new()),
            (Values::F64(v), _) => v.push(None),
            (Values::I64(v), _) => v.push(None),
            (Values::Bool(v), _) => v.push(None),
        }
    }

    fn column(self, name: &str) -> Column {
        match self {
            Values::Str(v) => Column::new(name.into(), v),
            Values::F64(v) => Column::new(name.into(), v),
            Values::I64(v) => Column::new(name.into(), v),
            Values::Bool(v) => Column::new(name.into(), v),
        }
    }
}

fn kind_of(c: &Cell) -> Kind {
    match c {
        Cell::S(_) => Kind::Str,
        Cell::F(_) => Kind::F64,
        Cell::I(_) => Kind::I64,
        Cell::B(_) => Kind::Bool,
    }
}

fn build(columns: &[(String, Kind)], rows: impl Iterator<Item = Vec<Cell>>) -> Result<DataFrame> {
    let mut vals: Vec<Values> = columns.iter().map(|(_, k)| Values::new(*k)).collect();
    for cells in rows {
        for (v, c) in vals.iter_mut().zip(&cells) {
            v.push(c);
        }
    }
    let cols: Vec<Column> = vals
        .into_iter()
        .zip(columns)
        .map(|(v, (n, _))| v.column(n))
        .collect();
    Ok(DataFrame::new_infer_height(cols)?)
}

/// A table of fixed rows, without the columns named in `skip`.
pub fn frame_skipping<R: TableRow>(rows: &[R], skip: &[&str]) -> Result<DataFrame> {
    let keep: Vec<(usize, &RowColumn)> = R::COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| !skip.contains(&c.name))
        .collect();
    let columns: Vec<(String, Kind)> = keep
        .iter()
        .map(|(_, c)| (c.name.to_string(), c.kind))
        .collect();
    build(
        &columns,
        rows.iter().map(|r| {
            let cells = r.cells();
            keep.iter().map(|(i, _)| cells[*i].clone()).collect()
        }),
    )
}

/// A table of fixed rows.
pub fn frame<R: TableRow>(rows: &[R]) -> Result<DataFrame> {
    frame_skipping(rows, &[])
}

/// A table from rows that share their columns (the first row's, typed by its cells).
pub fn frame_rows(rows: &[Row]) -> Result<DataFrame> {
    let columns: Vec<(String, Kind)> = rows
        .first()
        .map(|r| r.0.iter().map(|(n, c)| (n.clone(), kind_of(c))).collect())
        .unwrap_or_default();
    build(
        &columns,
        rows.iter()
            .map(|r| r.0.iter().map(|(_, c)| c.clone()).collect()),
    )
}

/// Names a sweep parameter may not take: `point` and the columns of `summary.csv`,
/// `capacity.csv` and `plan.csv`, which share a row with the parameters.
pub fn reserved_sweep_columns() -> Vec<&'static str> {
    use meshsim_models::rows::{plan::PlanRow, run::SummaryRow, sweep::CapacityRow};
    let mut v = vec!["point"];
    for c in SummaryRow::COLUMNS
        .iter()
        .chain(CapacityRow::COLUMNS)
        .chain(PlanRow::COLUMNS)
    {
        if !v.contains(&c.name) {
            v.push(c.name);
        }
    }
    v
}
