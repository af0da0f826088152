//! The fixed-column tables of `meshsim sweep` (`sweep.csv` itself is a point, the parameters,
//! then [`super::run::SummaryRow`]'s columns).

crate::table_row! {
    /// `capacity.csv`: per point, mode and searched pool (after the point and parameter columns).
    pub struct CapacityRow: "capacity" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub pool: String,
        pub nodes: Option<i64>,
        pub feasible: bool,
        pub chain_p99_slo_ms: Option<f64>,
        pub chain_p99_ms: Option<f64>,
        pub cost_usd_per_month: Option<f64>,
    }
}

crate::table_row! {
    /// `uncertainty.csv`: per mode and metric, nearest-rank percentiles over the sampled points.
    pub struct UncertaintyRow: "uncertainty" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub metric: String,
        pub samples: i64,
        pub p10: Option<f64>,
        pub p50: Option<f64>,
        pub p90: Option<f64>,
        pub mean: Option<f64>,
    }
}
