//! `cli/SCHEMA.md` documents exactly the columns meshsim writes: for every table, the
//! backticked names in the first column of its section's table are its columns (the four that
//! start every table are documented once, under "Conventions").

use std::collections::BTreeSet;

use meshsim_models::rows::audit::{
    AuditL7Row, AuditNamespaceRow, AuditPoolRow, AuditRow, AuditWorkloadRow,
};
use meshsim_models::rows::autoscale::{AutoscalingRow, DayTimelineRow, LatencyWindowRow};
use meshsim_models::rows::calibrate::{CalibrationCoefficientRow, CalibrationFitRow};
use meshsim_models::rows::plan::{
    PlanLatencyRow, PlanNamespaceRow, PlanRow, PlanTimelineRow, PlanUncertaintyRow, WaveRow,
};
use meshsim_models::rows::replay::{
    AllocationMedianRow, AllocationRow, ReplayRunRow, ReplaySummaryRow, TimelineRow,
};
use meshsim_models::rows::run::{
    ComponentRow, LatencyRow, NamespaceRow, PendingRow, PoolRow, ProxyRow, StationRow, SummaryRow,
};
use meshsim_models::rows::sweep::{CapacityRow, UncertaintyRow};
use meshsim_models::rows::{HEAD, SCHEMA_VERSION, TableRow};

use crate::root;

/// Backticked names in the first cell of every table row under `## <heading>`, in the part
/// `# <part>` when given (three commands write a `timeline.csv`).
fn documented_in(schema: &str, part: Option<&str>, heading: &str) -> BTreeSet<String> {
    let schema = match part {
        Some(p) => {
            let at = schema
                .find(&format!("\n# {p}\n"))
                .unwrap_or_else(|| panic!("SCHEMA.md has no part `# {p}`"));
            &schema[at..]
        }
        None => schema,
    };
    let start = schema
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("SCHEMA.md has no section `## {heading}`"));
    let rest = &schema[start + heading.len() + 5..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    let mut out = BTreeSet::new();
    for line in rest[..end].lines() {
        let Some(first) = line.strip_prefix('|').and_then(|l| l.split('|').next()) else {
            continue;
        };
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                out.insert(part.to_string());
            }
        }
    }
    out
}

fn documented(schema: &str, heading: &str) -> BTreeSet<String> {
    documented_in(schema, None, heading)
}

fn check<R: TableRow>(schema: &str) {
    check_in::<R>(schema, None)
}

fn check_in<R: TableRow>(schema: &str, part: Option<&str>) {
    let want: BTreeSet<String> = R::COLUMNS
        .iter()
        .map(|c| c.name.to_string())
        .filter(|c| !HEAD.contains(&c.as_str()))
        .collect();
    let got = documented_in(schema, part, &format!("{}.csv", R::TABLE));
    let missing: Vec<_> = want.difference(&got).collect();
    let stale: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "{}.csv: undocumented columns {missing:?}; documented but not written {stale:?}",
        R::TABLE
    );
}

#[test]
fn schema_md_lists_exactly_the_columns_written() {
    let schema = std::fs::read_to_string(root().join("cli/SCHEMA.md")).unwrap();
    assert!(
        schema.starts_with(&format!(
            "# meshsim output schema (schema_version {SCHEMA_VERSION})"
        )),
        "the title states the schema version"
    );
    let head = documented(&schema, "Conventions");
    assert_eq!(head, HEAD.iter().map(|s| s.to_string()).collect());
    check::<SummaryRow>(&schema);
    check::<PoolRow>(&schema);
    check::<ComponentRow>(&schema);
    check::<PendingRow>(&schema);
    check::<LatencyRow>(&schema);
    check::<ProxyRow>(&schema);
    check::<StationRow>(&schema);
    check::<NamespaceRow>(&schema);
    check::<CapacityRow>(&schema);
    check::<UncertaintyRow>(&schema);
    check::<AllocationRow>(&schema);
    check::<AllocationMedianRow>(&schema);
    check::<ReplaySummaryRow>(&schema);
    check::<ReplayRunRow>(&schema);
    check_in::<TimelineRow>(&schema, Some("Replay outputs"));
    check::<DayTimelineRow>(&schema);
    check::<AutoscalingRow>(&schema);
    check::<LatencyWindowRow>(&schema);
    check::<AuditRow>(&schema);
    check::<AuditPoolRow>(&schema);
    check::<AuditNamespaceRow>(&schema);
    check::<AuditWorkloadRow>(&schema);
    check::<AuditL7Row>(&schema);
    check::<PlanRow>(&schema);
    check::<WaveRow>(&schema);
    check_in::<PlanTimelineRow>(&schema, Some("Plan outputs"));
    check::<PlanNamespaceRow>(&schema);
    check::<PlanLatencyRow>(&schema);
    check::<PlanUncertaintyRow>(&schema);
    check::<CalibrationFitRow>(&schema);
    check::<CalibrationCoefficientRow>(&schema);
}
