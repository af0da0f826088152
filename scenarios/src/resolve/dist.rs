//! Distributions as written (`{ mean = "2ms", p99 = "10ms" }`, `{ dist = "gamma", … }`): one
//! validator per family, each refusing the keys that do not apply to it.

use meshsim_core::time::SimDuration;
use meshsim_models::delay::DelaySpec;
use toml::Spanned;

use crate::ctx::Ctx;
use crate::file::{DistKind, DistSection};
use crate::units::Duration;

/// The keys of a distribution table, and which are given.
fn keys(ds: &DistSection) -> [(&'static str, bool); 5] {
    [
        ("mean", ds.mean.is_some()),
        ("p99", ds.p99.is_some()),
        ("cv", ds.cv.is_some()),
        ("min", ds.min.is_some()),
        ("max", ds.max.is_some()),
    ]
}

/// Checks one family's keys: the ones it takes (`allowed`) and the ones it needs.
struct Family<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    d: &'c Spanned<DistSection>,
    what: &'c str,
    kind: DistKind,
}

impl Family<'_, '_> {
    fn err(&mut self, msg: String) {
        self.ctx
            .err(self.d.span(), msg, Some(help_for(self.kind).into()));
    }

    /// `false` (with one error naming them) if keys outside `allowed` are given.
    fn only(&mut self, allowed: &[&str]) -> bool {
        let stray: Vec<&str> = keys(self.d.get_ref())
            .iter()
            .filter(|(k, set)| *set && !allowed.contains(k))
            .map(|(k, _)| *k)
            .collect();
        if stray.is_empty() {
            return true;
        }
        let msg = format!(
            "{}: `{}` does not apply to a {} distribution",
            self.what,
            stray.join("`, `"),
            self.kind.as_str()
        );
        self.err(msg);
        false
    }

    fn need(&mut self, v: Option<Duration>, key: &str) -> Option<SimDuration> {
        if v.is_none() {
            let msg = format!(
                "{}: a {} distribution needs `{key}`",
                self.what,
                self.kind.as_str()
            );
            self.err(msg);
        }
        v.map(|x| x.0)
    }
}

fn exponential(f: &mut Family<'_, '_>, ds: &DistSection) -> Option<DelaySpec> {
    f.only(&["mean"]).then_some(())?;
    Some(DelaySpec::Exponential {
        mean: f.need(ds.mean, "mean")?,
    })
}

fn constant(f: &mut Family<'_, '_>, ds: &DistSection) -> Option<DelaySpec> {
    f.only(&["mean"]).then_some(())?;
    Some(DelaySpec::Constant {
        value: f.need(ds.mean, "mean")?,
    })
}

fn gamma(f: &mut Family<'_, '_>, ds: &DistSection) -> Option<DelaySpec> {
    f.only(&["mean", "cv"]).then_some(())?;
    let mean = f.need(ds.mean, "mean")?;
    let Some(cv) = ds.cv else {
        let msg = format!("{}: a gamma distribution needs `cv`", f.what);
        f.err(msg);
        return None;
    };
    Some(DelaySpec::Gamma { mean, cv })
}

fn uniform(f: &mut Family<'_, '_>, ds: &DistSection) -> Option<DelaySpec> {
    f.only(&["min", "max"]).then_some(())?;
    let min = f.need(ds.min, "min");
    let max = f.need(ds.max, "max");
    Some(DelaySpec::Uniform {
        min: min?,
        max: max?,
    })
}

fn lognormal(f: &mut Family<'_, '_>, ds: &DistSection) -> Option<DelaySpec> {
    f.only(&["mean", "p99", "cv"]).then_some(())?;
    let mean = f.need(ds.mean, "mean")?;
    match (ds.p99, ds.cv) {
        (Some(p99), None) => Some(DelaySpec::LogNormal { mean, p99: p99.0 }),
        (None, Some(cv)) => Some(DelaySpec::LogNormalCv { mean, cv }),
        _ => {
            let msg = format!(
                "{}: a log-normal needs exactly one of `p99` and `cv` besides `mean`",
                f.what
            );
            f.err(msg);
            None
        }
    }
}

/// Longest mean a per-request delay (processing, proxy, network) may have, seconds.
pub const MAX_MEAN_DELAY_S: f64 = 3600.0;
/// Largest coefficient of variation a distribution may have.
pub const MAX_CV: f64 = 100.0;

/// A distribution from its file form, or a located error. Beyond its mean's bound, a drawn
/// delay may be huge (a heavy tail); the simulation treats one past the end of its clock as
/// never completing within the run.
pub(crate) fn delay(ctx: &mut Ctx<'_>, d: &Spanned<DistSection>, what: &str) -> Option<DelaySpec> {
    let ds = d.get_ref();
    let kind = ds.dist.unwrap_or(DistKind::Lognormal);
    let mut f = Family { ctx, d, what, kind };
    let spec = match kind {
        DistKind::Exponential => exponential(&mut f, ds),
        DistKind::Constant => constant(&mut f, ds),
        DistKind::Gamma => gamma(&mut f, ds),
        DistKind::Uniform => uniform(&mut f, ds),
        DistKind::Lognormal => lognormal(&mut f, ds),
    }?;
    match spec.dist() {
        Err(e) => {
            f.err(format!("{what}: {}", e.0));
            return None;
        }
        Ok(dist) if dist.mean() > MAX_MEAN_DELAY_S => {
            f.err(format!(
                "{what}: a mean of {:.0} s is beyond meshsim's limit of {MAX_MEAN_DELAY_S:.0} s (1 hour) per request",
                dist.mean()
            ));
            return None;
        }
        Ok(_) => {}
    }
    if let Some(cv) = ds.cv
        && (cv.is_nan() || cv > MAX_CV)
    {
        f.err(format!(
            "{what}: cv {cv} is beyond meshsim's limit of {MAX_CV} (a standard deviation of 100 means)"
        ));
        return None;
    }
    Some(spec)
}

fn help_for(kind: DistKind) -> &'static str {
    match kind {
        DistKind::Exponential => "e.g. { dist = \"exponential\", mean = \"1ms\" }",
        DistKind::Constant => "e.g. { dist = \"constant\", mean = \"200us\" }",
        DistKind::Gamma => "e.g. { dist = \"gamma\", mean = \"1ms\", cv = 0.5 }",
        DistKind::Uniform => "e.g. { dist = \"uniform\", min = \"1ms\", max = \"3ms\" }",
        DistKind::Lognormal => {
            "e.g. { mean = \"2ms\", p99 = \"10ms\" } or { mean = \"2ms\", cv = 0.8 } (log-normal; p99 ≤ 15 × mean)"
        }
    }
}
