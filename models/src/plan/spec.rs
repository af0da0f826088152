//! What a migration plan is given: effort, team capacity, money and time.

use std::collections::BTreeMap;
use std::fmt;

/// A calendar month (`2027-01`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    /// The calendar month of plan month `m` (1 = this month).
    pub fn plus(self, m: u32) -> YearMonth {
        let i = i64::from(self.year) * 12 + i64::from(self.month - 1) + i64::from(m) - 1;
        YearMonth {
            year: (i.div_euclid(12)) as i32,
            month: (i.rem_euclid(12) + 1) as u32,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One namespace's own effort figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamespaceEffort {
    /// Sprints to move it to ambient (L4), replacing [`PlanSpec::namespace_sprints`].
    pub sprints: Option<f64>,
    /// L7 features it uses (each adds [`PlanSpec::l7_feature_sprints`] to its waypoint move).
    pub l7_features: Vec<String>,
}

/// How fast the team works.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Capacity {
    /// Sprints of work per month: a move finishes when the work before it and its own is done.
    pub sprints_per_month: Option<f64>,
    /// Namespaces cut over together in one wave. Without `sprints_per_month` the team moves
    /// one wave per month.
    pub namespaces_per_wave: Option<u32>,
}

/// The inputs of `meshsim plan` (the scenario's `[migration]`).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanSpec {
    /// Cost of one sprint, USD.
    pub cost_per_sprint_usd: f64,
    /// Sprints to move one namespace to ambient (L4), unless the namespace says otherwise.
    pub namespace_sprints: f64,
    /// Sprints per L7 feature, for the move that gives a namespace its waypoint.
    pub l7_feature_sprints: f64,
    /// One-off sprints before the first move (installing istio-cni and ztunnel, runbooks).
    pub setup_sprints: f64,
    /// Team capacity.
    pub capacity: Capacity,
    /// Months the timeline covers; payback is sought within them.
    pub horizon_months: u32,
    /// Calendar month of plan month 1, if given.
    pub start_month: Option<YearMonth>,
    /// Annual discount rate for the NPV (0.08 = 8 %), if given.
    pub discount_rate: Option<f64>,
    /// Per-namespace overrides and L7 features.
    pub namespaces: BTreeMap<String, NamespaceEffort>,
    /// The user's order (namespaces), for the `user-order` strategy; empty without one.
    pub order: Vec<String>,
}

impl PlanSpec {
    /// Base (L4) effort of `namespace`, sprints.
    pub fn l4_sprints(&self, namespace: &str) -> f64 {
        self.namespaces
            .get(namespace)
            .and_then(|n| n.sprints)
            .unwrap_or(self.namespace_sprints)
    }

    /// L7 features of `namespace`.
    pub fn l7_features(&self, namespace: &str) -> &[String] {
        self.namespaces
            .get(namespace)
            .map_or(&[], |n| n.l7_features.as_slice())
    }

    /// Effort of giving `namespace` its waypoint, sprints.
    pub fn waypoint_sprints(&self, namespace: &str) -> f64 {
        self.l7_feature_sprints * self.l7_features(namespace).len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_advance_across_years() {
        let m = YearMonth::parse("2027-11").unwrap();
        assert_eq!(m.plus(1).to_string(), "2027-11");
        assert_eq!(m.plus(2).to_string(), "2027-12");
        assert_eq!(m.plus(3).to_string(), "2028-01");
        assert_eq!(m.plus(26).to_string(), "2029-12");
        for bad in [
            "2027-13", "2027-00", "27-01", "2027-1", "2027/01", "", "abcd-ef",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }
}
