//! Arrival processes as written: one validator per kind (`poisson`, `schedule`, `mmpp`,
//! `trace`, `closed`), each refusing the keys that do not apply to it.

use std::path::{Path, PathBuf};

use meshsim_core::time::SimDuration;
use meshsim_models::latency::Arrival;
use toml::Spanned;

use crate::ctx::Ctx;
use crate::file::{ArrivalKind, TrafficSection};
use crate::trace::{TraceSource, load_trace};

/// The keys each kind takes.
fn allowed(kind: ArrivalKind) -> &'static [&'static str] {
    match kind {
        ArrivalKind::Poisson => &["rate"],
        ArrivalKind::Schedule => &["schedule", "period"],
        ArrivalKind::Mmpp => &["rates", "mean_durations"],
        ArrivalKind::Trace => &["path", "column", "scale"],
        ArrivalKind::Closed => &["connections", "think"],
    }
}

/// One traffic table being checked.
struct Table<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    st: &'c Spanned<TrafficSection>,
    kind: ArrivalKind,
}

impl Table<'_, '_> {
    fn help(&self) -> Option<String> {
        Some(format!(
            "a {} arrival takes: {}",
            self.kind.as_str(),
            allowed(self.kind).join(", ")
        ))
    }

    fn missing(&mut self, key: &str) {
        let help = self.help();
        self.ctx.err(
            self.st.span(),
            format!("arrival = \"{}\" needs `{key}`", self.kind.as_str()),
            help,
        );
    }

    fn err(&mut self, msg: impl Into<String>) {
        self.ctx.err(self.st.span(), msg, None);
    }
}

fn poisson(t: &mut Table<'_, '_>, s: &TrafficSection) -> Option<Arrival> {
    let Some(r) = &s.rate else {
        t.missing("rate");
        return None;
    };
    let rate = t.ctx.num_in(r, 1e-9, 1e9, "rate (requests per second)")?;
    Some(Arrival::Poisson { rate })
}

fn schedule(t: &mut Table<'_, '_>, s: &TrafficSection) -> Option<Arrival> {
    let Some(steps) = s.schedule.as_ref().filter(|x| !x.is_empty()) else {
        t.missing("schedule");
        return None;
    };
    let mut out: Vec<(SimDuration, f64)> = Vec::new();
    for (i, sp) in steps.iter().enumerate() {
        let step = sp.get_ref();
        if i == 0 && step.at.0 != SimDuration::ZERO {
            t.ctx.err(
                sp.span(),
                "the first schedule step must start `at = \"0s\"`",
                None,
            );
            return None;
        }
        if let Some((prev, _)) = out.last()
            && step.at.0 <= *prev
        {
            t.ctx.err(
                sp.span(),
                "schedule steps must start at increasing times",
                None,
            );
            return None;
        }
        if !(step.rate.is_finite() && (0.0..=1e9).contains(&step.rate)) {
            t.ctx.err(
                sp.span(),
                format!("rate {} must be between 0 and 1e9", step.rate),
                None,
            );
            return None;
        }
        out.push((step.at.0, step.rate));
    }
    let last = out.last().map_or(SimDuration::ZERO, |x| x.0);
    let period = match s.period {
        Some(p) if p.0 > last => p.0,
        Some(_) => {
            t.err("`period` must end after the last schedule step starts");
            return None;
        }
        None => {
            t.missing("period");
            return None;
        }
    };
    Some(Arrival::Schedule { steps: out, period })
}

fn mmpp(t: &mut Table<'_, '_>, s: &TrafficSection) -> Option<Arrival> {
    let (Some(r), Some(d)) = (&s.rates, &s.mean_durations) else {
        t.missing(if s.rates.is_none() {
            "rates"
        } else {
            "mean_durations"
        });
        return None;
    };
    let rv = r.get_ref();
    let dv = d.get_ref();
    if rv.len() != 2
        || rv
            .iter()
            .any(|x| !(x.is_finite() && (0.0..=1e9).contains(x)))
    {
        t.ctx.err(
            r.span(),
            "an MMPP takes two rates, each between 0 and 1e9 (e.g. [100, 2000])",
            None,
        );
        return None;
    }
    if dv.len() != 2 || dv.iter().any(|x| x.0 == SimDuration::ZERO) {
        t.ctx.err(
            d.span(),
            "an MMPP takes two mean durations, each longer than 0 (e.g. [\"9s\", \"1s\"])",
            None,
        );
        return None;
    }
    Some(Arrival::Mmpp {
        rates: [rv[0], rv[1]],
        mean_durations: [dv[0].0, dv[1].0],
    })
}

/// Most closed-loop clients of one traffic source.
pub const MAX_CONNECTIONS: i64 = 100_000;

fn closed(t: &mut Table<'_, '_>, s: &TrafficSection) -> Option<Arrival> {
    let Some(c) = &s.connections else {
        t.missing("connections");
        return None;
    };
    let connections = t.ctx.int_in(c, 1, MAX_CONNECTIONS, "connections")? as u32;
    let think = s.think.map_or(SimDuration::ZERO, |d| d.0);
    if think > SimDuration::from_secs(3600) {
        t.err("think must be at most 1h");
        return None;
    }
    Some(Arrival::Closed { connections, think })
}

fn trace(
    t: &mut Table<'_, '_>,
    s: &TrafficSection,
    base_dir: Option<&Path>,
) -> Option<(Arrival, TraceSource)> {
    let Some(p) = &s.path else {
        t.missing("path");
        return None;
    };
    let scale = match &s.scale {
        None => 1.0,
        Some(x) => t.ctx.num_in(x, 1e-6, 1e6, "trace scale")?,
    };
    let column = s.column.clone().unwrap_or_else(|| "TIMESTAMP".into());
    let path = match base_dir {
        Some(b) if Path::new(p.get_ref()).is_relative() => b.join(p.get_ref()),
        _ => PathBuf::from(p.get_ref()),
    };
    match load_trace(&path, &column) {
        Ok(offsets) => Some((
            Arrival::Trace { offsets, scale },
            TraceSource {
                path: std::fs::canonicalize(&path).unwrap_or(path),
                column,
            },
        )),
        Err(e) => {
            t.ctx
                .err(p.span(), format!("trace {}: {e}", path.display()), None);
            None
        }
    }
}

/// The arrival process of one `[[traffic]]` table (and, for a trace, where it came from).
pub(super) fn arrival(
    ctx: &mut Ctx<'_>,
    st: &Spanned<TrafficSection>,
    base_dir: Option<&Path>,
) -> Option<(Arrival, Option<TraceSource>)> {
    let s = st.get_ref();
    let kind = s.arrival;
    let present = [
        ("rate", s.rate.is_some()),
        ("schedule", s.schedule.is_some()),
        ("period", s.period.is_some()),
        ("rates", s.rates.is_some()),
        ("mean_durations", s.mean_durations.is_some()),
        ("path", s.path.is_some()),
        ("column", s.column.is_some()),
        ("scale", s.scale.is_some()),
        ("connections", s.connections.is_some()),
        ("think", s.think.is_some()),
    ];
    let mut t = Table { ctx, st, kind };
    let stray: Vec<&str> = present
        .iter()
        .filter(|(n, set)| *set && !allowed(kind).contains(n))
        .map(|(n, _)| *n)
        .collect();
    if !stray.is_empty() {
        let help = t.help();
        t.ctx.err(
            st.span(),
            format!(
                "`{}` does not apply to arrival = \"{}\"",
                stray.join("`, `"),
                kind.as_str()
            ),
            help,
        );
        return None;
    }
    match kind {
        ArrivalKind::Poisson => poisson(&mut t, s).map(|a| (a, None)),
        ArrivalKind::Schedule => schedule(&mut t, s).map(|a| (a, None)),
        ArrivalKind::Mmpp => mmpp(&mut t, s).map(|a| (a, None)),
        ArrivalKind::Trace => trace(&mut t, s, base_dir).map(|(a, src)| (a, Some(src))),
        ArrivalKind::Closed => closed(&mut t, s).map(|a| (a, None)),
    }
}
