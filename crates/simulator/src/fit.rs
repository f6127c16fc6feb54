//! Finding best focus from (position, HFR) samples.

use skynet_protocol::{AutofocusSample, AutofocusStrategy};

/// The fitted best focus position, or `None` when the samples do not
/// bracket a minimum well enough to fit.
pub fn best_focus(samples: &[AutofocusSample], strategy: &AutofocusStrategy) -> Option<f64> {
    match strategy {
        AutofocusStrategy::VCurve => v_curve(samples).or_else(|| hyperbola(samples)),
        _ => hyperbola(samples),
    }
}

/// A hyperbola HFR² = a + b (x - c)² is a parabola in HFR²: fit it by least
/// squares and take its vertex.
fn hyperbola(samples: &[AutofocusSample]) -> Option<f64> {
    if samples.len() < 3 {
        return None;
    }
    let (mean, scale) = normalisation(samples);
    // Normal equations of y = p0 + p1 u + p2 u².
    let mut m = [[0.0; 4]; 3];
    for s in samples {
        let u = (s.position_um - mean) / scale;
        let y = s.hfr_px * s.hfr_px;
        let powers = [1.0, u, u * u];
        for (row, p) in m.iter_mut().zip(powers) {
            for (cell, q) in row.iter_mut().zip(powers) {
                *cell += p * q;
            }
            row[3] += p * y;
        }
    }
    let [_, p1, p2] = solve3(m)?;
    (p2 > 0.0).then(|| mean + scale * (-p1 / (2.0 * p2)))
}

/// Two lines, one through each arm of the V; best focus where they cross.
fn v_curve(samples: &[AutofocusSample]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.position_um.total_cmp(&b.position_um));
    let min = sorted
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.hfr_px.total_cmp(&b.1.hfr_px))?
        .0;
    // The arms leave out the bottom point, which sits on neither line.
    let left = &sorted[..min];
    let right = &sorted[min + 1..];
    let (a1, b1) = line(left)?;
    let (a2, b2) = line(right)?;
    if a1 >= 0.0 || a2 <= 0.0 {
        return None;
    }
    let x = (b2 - b1) / (a1 - a2);
    let (lo, hi) = (sorted.first()?.position_um, sorted.last()?.position_um);
    (lo..=hi).contains(&x).then_some(x)
}

/// Least-squares line y = a x + b through at least two points.
fn line(points: &[AutofocusSample]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.position_um).sum::<f64>() / n;
    let my = points.iter().map(|p| p.hfr_px).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.position_um - mx).powi(2)).sum();
    let sxy: f64 = points
        .iter()
        .map(|p| (p.position_um - mx) * (p.hfr_px - my))
        .sum();
    if sxx <= 0.0 {
        return None;
    }
    let a = sxy / sxx;
    Some((a, my - a * mx))
}

fn normalisation(samples: &[AutofocusSample]) -> (f64, f64) {
    let n = samples.len() as f64;
    let mean = samples.iter().map(|s| s.position_um).sum::<f64>() / n;
    let spread = samples
        .iter()
        .map(|s| (s.position_um - mean).abs())
        .fold(0.0, f64::max);
    (mean, if spread > 0.0 { spread } else { 1.0 })
}

/// Solves a 3x3 system given as an augmented matrix (Gaussian elimination
/// with partial pivoting).
fn solve3(mut m: [[f64; 4]; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (cell, p) in row.iter_mut().zip(pivot_row).skip(col) {
                    *cell -= f * p;
                }
            }
        }
    }
    Some([m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(best: f64, f: impl Fn(f64) -> f64) -> Vec<AutofocusSample> {
        (0..9)
            .map(|i| {
                let position_um = best - 1500.0 + 400.0 * f64::from(i);
                AutofocusSample {
                    position_um,
                    hfr_px: f(position_um - best),
                }
            })
            .collect()
    }

    #[test]
    fn both_strategies_find_the_minimum_of_a_hyperbola() {
        let samples = sweep(25_123.0, |e| (1.6f64.powi(2) + (0.02 * e).powi(2)).sqrt());
        let h = best_focus(&samples, &AutofocusStrategy::Hyperbolic).expect("fits");
        assert!((h - 25_123.0).abs() < 1.0, "{h}");
        let v = best_focus(&samples, &AutofocusStrategy::VCurve).expect("fits");
        assert!((v - 25_123.0).abs() < 60.0, "{v}");
    }

    #[test]
    fn a_v_with_noise_still_lands_near_the_bottom() {
        let noise = [0.05, -0.04, 0.02, -0.03, 0.0, 0.03, -0.02, 0.04, -0.05];
        let mut samples = sweep(18_000.0, |e| 1.5 + 0.02 * e.abs());
        for (s, n) in samples.iter_mut().zip(noise) {
            s.hfr_px += n;
        }
        let v = best_focus(&samples, &AutofocusStrategy::VCurve).expect("fits");
        assert!((v - 18_000.0).abs() < 50.0, "{v}");
    }

    #[test]
    fn a_flat_or_tiny_sample_set_does_not_fit() {
        assert_eq!(best_focus(&[], &AutofocusStrategy::Hyperbolic), None);
        let flat = sweep(0.0, |_| 2.0);
        assert_eq!(best_focus(&flat, &AutofocusStrategy::Hyperbolic), None);
    }
}
