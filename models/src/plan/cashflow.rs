//! The business case month by month: engineering spent, savings realised, cumulative net,
//! payback, 12- and 24-month net, NPV.
//!
//! - A wave saves from the month after its cut-over: in month m the saving is that of the
//!   cluster after the last wave cut over before m (its mesh saving at equal replicas against
//!   today, per month), 0 before the first.
//! - **Payback month**: the first month from which the cumulative net (savings − engineering,
//!   undiscounted) stays ≥ 0 to the end of the horizon, with some saving realised by then;
//!   `None` ("not within the horizon") otherwise.
//! - **NPV**: each month's net discounted at the annual rate r as (1 + r)^(m/12), month m's
//!   cash counted at its end.
//! - A figure that cannot be computed (a wave's cluster does not fit, so its saving is not
//!   known) makes every figure from that month on `None`, not 0.

/// One month of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Month {
    /// Plan month, from 1.
    pub month: u32,
    /// Sprints worked this month.
    pub sprints: f64,
    /// Engineering spent this month, USD.
    pub engineering_usd: f64,
    /// Savings realised this month, USD (`None`: not known).
    pub savings_usd: Option<f64>,
    /// Savings − engineering, USD.
    pub net_usd: Option<f64>,
    /// Sum of `net_usd` up to and including this month.
    pub cumulative_net_usd: Option<f64>,
    /// The same, each month discounted (with a discount rate).
    pub discounted_cumulative_net_usd: Option<f64>,
    /// Waves cut over before this month (saving in it).
    pub waves_saving: u32,
}

/// A strategy's timeline and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Cashflow {
    /// Months 1..=horizon.
    pub months: Vec<Month>,
    /// See the module docs.
    pub payback_month: Option<u32>,
    /// Cumulative net after 12 months (`None` past the horizon or not known).
    pub net_12_months_usd: Option<f64>,
    /// After 24 months.
    pub net_24_months_usd: Option<f64>,
    /// After the horizon.
    pub net_horizon_usd: Option<f64>,
    /// Net present value over the horizon (with a discount rate).
    pub npv_usd: Option<f64>,
}

/// The cash flow of sprints spent per month (`spend[m-1]`), at `cost_per_sprint`, with
/// `savings[w] = (end_month, saving per month after wave w)` in wave order.
pub fn cashflow(
    spend: &[f64],
    cost_per_sprint: f64,
    savings: &[(u32, Option<f64>)],
    discount_rate: Option<f64>,
) -> Cashflow {
    let horizon = spend.len() as u32;
    let mut months = Vec::with_capacity(spend.len());
    let (mut cum, mut disc) = (Some(0.0), Some(0.0));
    for m in 1..=horizon {
        let sprints = spend[m as usize - 1];
        let engineering = sprints * cost_per_sprint;
        let done: Vec<&(u32, Option<f64>)> = savings.iter().filter(|(end, _)| *end < m).collect();
        let saving = done.last().map_or(Some(0.0), |(_, s)| *s);
        // Once unknown, a cumulative figure stays unknown.
        let net = saving.map(|s| s - engineering);
        cum = cum.zip(net).map(|(c, n)| c + n);
        disc = match (disc, net, discount_rate) {
            (Some(d), Some(n), Some(r)) => Some(d + n / (1.0 + r).powf(f64::from(m) / 12.0)),
            _ => None,
        };
        months.push(Month {
            month: m,
            sprints,
            engineering_usd: engineering,
            savings_usd: saving,
            net_usd: net,
            cumulative_net_usd: cum,
            discounted_cumulative_net_usd: disc,
            waves_saving: done.len() as u32,
        });
    }
    // Payback: the first month from which the cumulative net stays ≥ 0, with a saving by then.
    let mut payback = None;
    let mut saved_by = 0.0;
    let saved_to: Vec<f64> = months
        .iter()
        .map(|x| {
            saved_by += x.savings_usd.unwrap_or(0.0);
            saved_by
        })
        .collect();
    for (i, x) in months.iter().enumerate().rev() {
        match x.cumulative_net_usd {
            Some(c) if c >= 0.0 && saved_to[i] > 0.0 => payback = Some(x.month),
            _ => break,
        }
    }
    let at = |m: u32| {
        months
            .get(m as usize - 1)
            .and_then(|x: &Month| x.cumulative_net_usd)
    };
    Cashflow {
        payback_month: payback,
        net_12_months_usd: at(12),
        net_24_months_usd: at(24),
        net_horizon_usd: months.last().and_then(|x| x.cumulative_net_usd),
        npv_usd: discount_rate.and(months.last().and_then(|x| x.discounted_cumulative_net_usd)),
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payback_by_hand() {
        // 2 sprints/month for 3 months at $10,000; waves cut over at the end of months 1 and 3
        // saving $4,000 and then $9,000 a month.
        let mut spend = vec![0.0; 12];
        spend[..3].copy_from_slice(&[2.0, 2.0, 2.0]);
        let c = cashflow(
            &spend,
            10_000.0,
            &[(1, Some(4_000.0)), (3, Some(9_000.0))],
            None,
        );
        // Net: m1 −20k, m2 −16k, m3 −16k → −52k; from m4 +9k a month: −43k, −34k, −25k,
        // −16k, −7k (m8), +2k (m9).
        let cum: Vec<f64> = c
            .months
            .iter()
            .map(|m| m.cumulative_net_usd.unwrap())
            .collect();
        assert_eq!(&cum[..3], [-20_000.0, -36_000.0, -52_000.0]);
        assert_eq!(cum[7], -7_000.0);
        assert_eq!(cum[8], 2_000.0);
        assert_eq!(c.payback_month, Some(9));
        assert_eq!(c.net_12_months_usd, Some(29_000.0));
        assert_eq!(c.net_24_months_usd, None, "beyond a 12-month horizon");
        assert_eq!(c.npv_usd, None);
    }

    #[test]
    fn a_passing_positive_balance_before_more_spending_is_not_payback() {
        // Month 1 saves more than it costs (a free first wave), then month 2 spends.
        let c = cashflow(
            &[0.0, 0.0, 5.0, 0.0, 0.0],
            1_000.0,
            &[(0, Some(1_000.0)), (3, Some(2_000.0))],
            None,
        );
        let cum: Vec<f64> = c
            .months
            .iter()
            .map(|m| m.cumulative_net_usd.unwrap())
            .collect();
        assert_eq!(cum, [1_000.0, 2_000.0, -2_000.0, 0.0, 2_000.0]);
        assert_eq!(c.payback_month, Some(4));
    }

    #[test]
    fn npv_discounts_each_month_at_the_annual_rate() {
        // $1,200 saved in month 12 only (cost 0): NPV = 1200 / 1.1.
        let mut spend = vec![0.0; 12];
        spend[0] = 0.0;
        let c = cashflow(&spend, 1.0, &[(11, Some(1_200.0))], Some(0.10));
        assert!((c.npv_usd.unwrap() - 1_200.0 / 1.1).abs() < 1e-9);
        assert_eq!(c.payback_month, Some(12));
    }

    #[test]
    fn an_unknown_saving_makes_every_later_figure_unknown() {
        let c = cashflow(&[1.0, 0.0, 0.0], 100.0, &[(1, None)], Some(0.05));
        assert_eq!(c.months[0].cumulative_net_usd, Some(-100.0));
        assert_eq!(c.months[1].cumulative_net_usd, None);
        assert_eq!(c.months[2].savings_usd, None);
        assert_eq!(
            (c.payback_month, c.net_horizon_usd, c.npv_usd),
            (None, None, None)
        );
    }

    #[test]
    fn no_saving_never_pays_back() {
        let c = cashflow(&[0.0; 6], 100.0, &[(1, Some(0.0))], None);
        assert_eq!(c.payback_month, None);
        assert_eq!(c.net_horizon_usd, Some(0.0));
    }
}
