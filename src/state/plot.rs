//! Plot geometry: data ranges mapped onto an SVG box, and round tick values.

/// A data range drawn in a box of `width` × `height` user units with a margin
/// `pad` on every side; y grows upwards in data and downwards in SVG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Smallest x shown.
    pub x_min: f64,
    /// Largest x shown.
    pub x_max: f64,
    /// Smallest y shown.
    pub y_min: f64,
    /// Largest y shown.
    pub y_max: f64,
    /// Box width.
    pub width: f64,
    /// Box height.
    pub height: f64,
    /// Margin.
    pub pad: f64,
}

impl Frame {
    /// The frame that shows every point (with 5 % headroom); `None` with no
    /// finite point. A flat range is widened so nothing divides by zero.
    pub fn fit(points: &[(f64, f64)], width: f64, height: f64, pad: f64) -> Option<Self> {
        let finite: Vec<&(f64, f64)> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if finite.is_empty() {
            return None;
        }
        let (mut x_min, mut x_max, mut y_min, mut y_max) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for &&(x, y) in &finite {
            x_min = x_min.min(x);
            x_max = x_max.max(x);
            y_min = y_min.min(y);
            y_max = y_max.max(y);
        }
        let widen = |lo: f64, hi: f64| {
            let span = hi - lo;
            if span > 0.0 {
                (lo - span * 0.05, hi + span * 0.05)
            } else {
                let half = lo.abs().max(1.0) * 0.05;
                (lo - half, hi + half)
            }
        };
        let (x_min, x_max) = widen(x_min, x_max);
        let (y_min, y_max) = widen(y_min.min(0.0), y_max);
        Some(Self {
            x_min,
            x_max,
            y_min,
            y_max,
            width,
            height,
            pad,
        })
    }

    /// The frame of a sparkline: like [`Frame::fit`], but the y range is
    /// the data's own (not from zero) with 10 % headroom, to show change.
    pub fn sparkline(points: &[(f64, f64)], width: f64, height: f64, pad: f64) -> Option<Self> {
        let frame = Self::fit(points, width, height, pad)?;
        let (lo, hi) = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, y)| {
                (lo.min(*y), hi.max(*y))
            });
        let span = (hi - lo).max(1e-9);
        Some(Self {
            y_min: lo - span * 0.1,
            y_max: hi + span * 0.1,
            ..frame
        })
    }

    /// The SVG x of a data x.
    pub fn x(&self, x: f64) -> f64 {
        self.pad + (x - self.x_min) / (self.x_max - self.x_min) * (self.width - 2.0 * self.pad)
    }

    /// The SVG y of a data y (upwards in data, downwards on screen).
    pub fn y(&self, y: f64) -> f64 {
        self.height
            - self.pad
            - (y - self.y_min) / (self.y_max - self.y_min) * (self.height - 2.0 * self.pad)
    }

    /// An SVG `points` attribute for a polyline through `points` (see
    /// [`svg_points`]).
    pub fn polyline(&self, points: &[(f64, f64)]) -> String {
        svg_points(
            points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| (self.x(x), self.y(y))),
        )
    }
}

/// An SVG `points` attribute (`x,y x,y ...`) through points already in the
/// plot's units, each coordinate to a tenth of a unit. Live plots redraw
/// it many times a second: it is written as whole tenths into one string,
/// not through float formatting.
pub fn svg_points(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut out = String::new();
    for (x, y) in points {
        if !out.is_empty() {
            out.push(' ');
        }
        push_tenths(&mut out, x);
        out.push(',');
        push_tenths(&mut out, y);
    }
    out
}

/// `value` to one decimal (`-12.3`), rounded half away from zero.
fn push_tenths(out: &mut String, value: f64) {
    use std::fmt::Write as _;
    // A plot's coordinates are a few hundred units at most; beyond i64's
    // range `as` saturates, which still draws off the box.
    let tenths = (value * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = write!(out, "{}.{}", tenths / 10, tenths % 10);
}

/// About `count` round tick values (1, 2 or 5 × 10ⁿ apart) within `[lo, hi]`.
pub fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return Vec::new();
    }
    let raw = (hi - lo) / count as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() * step;
    (0..)
        .map(|i| first + i as f64 * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_spans_its_own_values_not_from_zero() {
        let points = [(0.0, 100.0), (1.0, 110.0), (2.0, f64::NAN)];
        let f = Frame::sparkline(&points, 60.0, 16.0, 1.0).expect("a frame");
        assert!(
            (f.y_min - 99.0).abs() < 1e-9 && (f.y_max - 111.0).abs() < 1e-9,
            "{f:?}"
        );
        assert_eq!(Frame::sparkline(&[], 60.0, 16.0, 1.0), None);
    }

    #[test]
    fn data_maps_into_the_box_with_y_upwards() {
        let f = Frame::fit(&[(24_000.0, 2.0), (26_000.0, 6.0)], 320.0, 200.0, 20.0).unwrap();
        // 5 % headroom: x from 23 900 to 26 100; y from 0 (a V-curve is
        // drawn down to zero) widened to -0.3 .. 6.3.
        assert!((f.x(23_900.0) - 20.0).abs() < 1e-9);
        assert!((f.x(26_100.0) - 300.0).abs() < 1e-9);
        assert!((f.y(-0.3) - 180.0).abs() < 1e-9, "{}", f.y(-0.3));
        assert!((f.y(6.3) - 20.0).abs() < 1e-9, "{}", f.y(6.3));
        assert!(f.y(6.0) < f.y(2.0), "larger values are higher up");
        assert_eq!(
            f.polyline(&[(24_000.0, 2.0), (f64::NAN, 1.0)])
                .split(' ')
                .count(),
            1
        );
    }

    #[test]
    fn polyline_points_are_written_to_a_tenth() {
        let f = Frame::fit(&[(0.0, 0.0), (100.0, 100.0)], 100.0, 100.0, 0.0).unwrap();
        let line = f.polyline(&[
            (0.0, 0.0),
            (50.0, 50.0),
            (f64::INFINITY, 1.0),
            (100.0, 100.0),
        ]);
        let points: Vec<(f64, f64)> = line
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(points.len(), 3, "{line}");
        for (p, (x, y)) in points
            .iter()
            .zip([(0.0, 0.0), (50.0, 50.0), (100.0, 100.0)])
        {
            let want = (f.x(x), f.y(y));
            assert!(
                (p.0 - want.0).abs() <= 0.05 + 1e-9 && (p.1 - want.1).abs() <= 0.05 + 1e-9,
                "{line}"
            );
        }
        let mut out = String::new();
        for v in [0.0, 0.04, 0.05, 1.25, -0.06, -12.34, 199.96] {
            push_tenths(&mut out, v);
            out.push(' ');
        }
        assert_eq!(out, "0.0 0.0 0.1 1.3 -0.1 -12.3 200.0 ");
    }

    #[test]
    fn flat_or_empty_data_never_divides_by_zero() {
        assert!(Frame::fit(&[], 100.0, 100.0, 0.0).is_none());
        assert!(Frame::fit(&[(f64::NAN, 1.0)], 100.0, 100.0, 0.0).is_none());
        let f = Frame::fit(&[(5.0, 3.0)], 100.0, 100.0, 0.0).unwrap();
        assert!(f.x(5.0).is_finite() && f.y(3.0).is_finite());
        assert!((f.x(5.0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(23_900.0, 26_100.0, 4), [24_000.0, 25_000.0, 26_000.0]);
        assert_eq!(
            ticks(23_900.0, 26_100.0, 8),
            [24_000.0, 24_500.0, 25_000.0, 25_500.0, 26_000.0]
        );
        assert!(ticks(1.0, 1.0, 4).is_empty());
    }
}
