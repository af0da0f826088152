//! Fitting a proxy model's coefficients to measurements (issue #20's `meshsim calibrate`, of
//! which this is the numerical core): ordinary least squares of a measured figure on named
//! features — memory on endpoints, CPU on requests per second — solved by Householder QR
//! (no normal equations, so a badly scaled feature loses no precision), with each point's
//! fitted value and relative error.
//!
//! A fit needs more points than coefficients and features that vary independently: a feature
//! that is constant, or a combination of the others, is refused by name rather than given an
//! arbitrary coefficient.

/// Why a fit could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Fewer points than coefficients.
    #[error(
        "{points} point(s) for {coefficients} coefficient(s): a fit needs more points than coefficients"
    )]
    TooFewPoints {
        /// Points given.
        points: usize,
        /// Coefficients to fit.
        coefficients: usize,
    },
    /// A feature the others already explain (constant, or a combination of the others).
    #[error("feature `{0}` does not vary independently of the others in these points")]
    Dependent(String),
    /// A value that is not a finite number.
    #[error("point {0} has a value that is not a finite number")]
    NotFinite(usize),
    /// Rows of different lengths.
    #[error("point {0} has a different number of features")]
    Ragged(usize),
}

/// A least-squares fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// One coefficient per feature, in the features' order.
    pub coefficients: Vec<f64>,
    /// Per point, the fitted value.
    pub fitted: Vec<f64>,
    /// Per point, (fitted − measured) ÷ measured; `None` where the measurement is 0.
    pub relative_errors: Vec<Option<f64>>,
    /// Root mean square of the relative errors that exist.
    pub rms_relative_error: f64,
}

/// Least squares of `y` on the columns of `x` (one row per point, one column per feature, in
/// the order of `names`; include a column of ones for an intercept).
pub fn least_squares(names: &[&str], x: &[Vec<f64>], y: &[f64]) -> Result<Fit, FitError> {
    let n = y.len();
    let p = names.len();
    if n <= p || x.len() != n {
        return Err(FitError::TooFewPoints {
            points: n.min(x.len()),
            coefficients: p,
        });
    }
    for (i, row) in x.iter().enumerate() {
        if row.len() != p {
            return Err(FitError::Ragged(i));
        }
        if !y[i].is_finite() || row.iter().any(|v| !v.is_finite()) {
            return Err(FitError::NotFinite(i));
        }
    }
    // Columns scaled to unit norm, so the rank test is relative to each feature's size.
    let mut a: Vec<Vec<f64>> = (0..p).map(|j| x.iter().map(|r| r[j]).collect()).collect();
    let mut scale = vec![1.0; p];
    for (j, col) in a.iter_mut().enumerate() {
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Err(FitError::Dependent(names[j].to_string()));
        }
        scale[j] = norm;
        for v in col.iter_mut() {
            *v /= norm;
        }
    }
    let mut b = y.to_vec();
    // Householder QR: column j is reduced below its diagonal; `b` is transformed alike.
    let mut r_diag = vec![0.0; p];
    for j in 0..p {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm < 1e-10 {
            return Err(FitError::Dependent(names[j].to_string()));
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        r_diag[j] = alpha;
        if vnorm2 == 0.0 {
            continue;
        }
        let reflect = |col: &mut [f64]| {
            let d: f64 = col.iter().zip(&v).map(|(c, w)| c * w).sum::<f64>() * 2.0 / vnorm2;
            for (c, w) in col.iter_mut().zip(&v) {
                *c -= d * w;
            }
        };
        for col in a.iter_mut().skip(j + 1) {
            reflect(&mut col[j..]);
        }
        reflect(&mut b[j..]);
    }
    // Back substitution on R (diagonal `r_diag`, above it the reflected columns).
    let mut coef = vec![0.0; p];
    for j in (0..p).rev() {
        let s: f64 = (j + 1..p).map(|k| a[k][j] * coef[k]).sum();
        coef[j] = (b[j] - s) / r_diag[j];
    }
    for (c, s) in coef.iter_mut().zip(&scale) {
        *c /= s;
    }
    let fitted: Vec<f64> = x
        .iter()
        .map(|r| r.iter().zip(&coef).map(|(v, c)| v * c).sum())
        .collect();
    let relative_errors: Vec<Option<f64>> = fitted
        .iter()
        .zip(y)
        .map(|(f, m)| (*m != 0.0).then(|| (f - m) / m))
        .collect();
    let e: Vec<f64> = relative_errors.iter().flatten().copied().collect();
    let rms = if e.is_empty() {
        0.0
    } else {
        (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt()
    };
    Ok(Fit {
        coefficients: coef,
        fitted,
        relative_errors,
        rms_relative_error: rms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sidecar memory = 40 MiB + 12 KiB per endpoint + 0.5 MiB per 1,000 rps, measured at
    /// 12 points without noise: the fit gives the coefficients back to 1e-9 and no error.
    #[test]
    fn exact_data_gives_its_coefficients_back() {
        let (base, per_ep, per_krps) = (40.0, 12.0 / 1024.0, 0.5);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for k in 0..12 {
            let endpoints = f64::from(50 + 400 * (k % 4));
            let krps = f64::from(k / 4) * 1.5;
            x.push(vec![1.0, endpoints, krps]);
            y.push(base + per_ep * endpoints + per_krps * krps);
        }
        let f = least_squares(&["base", "per_endpoint", "per_1000_rps"], &x, &y).unwrap();
        for (got, want) in f.coefficients.iter().zip([base, per_ep, per_krps]) {
            assert!(
                (got - want).abs() < 1e-9 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
        assert!(f.rms_relative_error < 1e-12);
    }

    /// With noise the fit is the least-squares one: y = 2 + 3x at x = 0..4 with residuals
    /// (+1, −1, 0, −1, +1) — orthogonal to both 1 and x — gives exactly 2 and 3 back, and each
    /// point's relative error is its residual over its measurement.
    #[test]
    fn residuals_orthogonal_to_the_features_leave_the_coefficients() {
        let noise = [1.0, -1.0, 0.0, -1.0, 1.0];
        let x: Vec<Vec<f64>> = (0..5).map(|i| vec![1.0, f64::from(i)]).collect();
        let y: Vec<f64> = (0..5)
            .map(|i| 2.0 + 3.0 * f64::from(i) + noise[i as usize])
            .collect();
        let f = least_squares(&["base", "slope"], &x, &y).unwrap();
        assert!((f.coefficients[0] - 2.0).abs() < 1e-12);
        assert!((f.coefficients[1] - 3.0).abs() < 1e-12);
        // Point 0: measured 3, fitted 2 → −1/3.
        assert!((f.relative_errors[0].unwrap() + 1.0 / 3.0).abs() < 1e-12);
    }

    /// What cannot be fitted is refused by name.
    #[test]
    fn a_dependent_feature_or_too_few_points_is_refused() {
        let x: Vec<Vec<f64>> = (0..5)
            .map(|i| vec![1.0, 7.0 * f64::from(i), f64::from(i)])
            .collect();
        let y = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(
            least_squares(&["base", "a", "b"], &x, &y),
            Err(FitError::Dependent("b".into()))
        );
        let x: Vec<Vec<f64>> = (0..3).map(|_| vec![1.0, 5.0]).collect();
        assert_eq!(
            least_squares(&["base", "endpoints"], &x, &[1.0, 2.0, 3.0]),
            Err(FitError::Dependent("endpoints".into()))
        );
        assert_eq!(
            least_squares(&["base", "endpoints"], &x[..2], &[1.0, 2.0]),
            Err(FitError::TooFewPoints {
                points: 2,
                coefficients: 2
            })
        );
        let mut bad = x.clone();
        bad[1][1] = f64::NAN;
        assert_eq!(
            least_squares(&["base", "endpoints"], &bad, &[1.0, 2.0, 3.0]),
            Err(FitError::NotFinite(1))
        );
    }
}
