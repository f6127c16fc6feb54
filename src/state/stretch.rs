//! Display stretches for exposure previews, applied in the browser: a
//! lookup table from pixel value to shown value, with black and white points
//! taken from the image's own histogram.

/// How pixel values are mapped to what is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stretch {
    /// Straight line from the black point to the white point.
    Linear,
    /// Inverse hyperbolic sine: faint stars lifted, bright cores kept.
    #[default]
    Asinh,
}

impl Stretch {
    /// Its name in the UI and in `data-` attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Asinh => "asinh",
        }
    }

    /// Reads a name; anything else is the default.
    pub fn parse(name: &str) -> Self {
        match name {
            "linear" => Self::Linear,
            _ => Self::Asinh,
        }
    }
}

/// Softening of the asinh stretch: larger lifts faint detail more.
const ASINH_BETA: f64 = 10.0;

/// The black and white points: the values below which `low` and above which
/// `high` of the pixels lie (fractions, e.g. 0.005 and 0.999).
pub fn levels(histogram: &[u64; 256], low: f64, high: f64) -> (u8, u8) {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return (0, 255);
    }
    let at = |fraction: f64| -> u8 {
        let target = (fraction.clamp(0.0, 1.0) * total as f64).ceil() as u64;
        let mut seen = 0;
        for (value, count) in histogram.iter().enumerate() {
            seen += count;
            if seen >= target.max(1) {
                return value as u8;
            }
        }
        255
    };
    let (black, white) = (at(low), at(high));
    if white > black {
        (black, white)
    } else {
        (black, black.saturating_add(1).max(1))
    }
}

/// The table from pixel value to shown value.
pub fn lookup_table(stretch: Stretch, black: u8, white: u8) -> [u8; 256] {
    let span = f64::from(white.saturating_sub(black).max(1));
    let mut table = [0u8; 256];
    for (value, out) in table.iter_mut().enumerate() {
        let x = ((value as f64 - f64::from(black)) / span).clamp(0.0, 1.0);
        let y = match stretch {
            Stretch::Linear => x,
            Stretch::Asinh => (ASINH_BETA * x).asinh() / ASINH_BETA.asinh(),
        };
        *out = (y * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    table
}

/// Stretches RGBA pixels in place (previews are grey: the red channel is
/// the value); returns the black and white points used.
pub fn stretch_rgba(pixels: &mut [u8], stretch: Stretch) -> (u8, u8) {
    let mut histogram = [0u64; 256];
    for px in pixels.chunks_exact(4) {
        histogram[usize::from(px[0])] += 1;
    }
    let (black, white) = levels(&histogram, 0.005, 0.999);
    let table = lookup_table(stretch, black, white);
    for px in pixels.chunks_exact_mut(4) {
        let v = table[usize::from(px[0])];
        px[0] = v;
        px[1] = v;
        px[2] = v;
    }
    (black, white)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_come_from_the_histogram() {
        let mut h = [0u64; 256];
        h[10] = 990; // sky background
        h[200] = 10; // stars
        assert_eq!(levels(&h, 0.005, 0.999), (10, 200));
        assert_eq!(levels(&[0; 256], 0.005, 0.999), (0, 255));
        let mut flat = [0u64; 256];
        flat[42] = 5;
        let (b, w) = levels(&flat, 0.0, 1.0);
        assert!(w > b, "a flat image never divides by zero");
    }

    #[test]
    fn tables_map_black_to_0_and_white_to_255_and_asinh_lifts_faint_values() {
        for stretch in [Stretch::Linear, Stretch::Asinh] {
            let t = lookup_table(stretch, 10, 200);
            assert_eq!(
                (t[0], t[10], t[200], t[255]),
                (0, 0, 255, 255),
                "{stretch:?}"
            );
            assert!(t.windows(2).all(|w| w[0] <= w[1]), "monotonic");
        }
        let linear = lookup_table(Stretch::Linear, 0, 255);
        let asinh = lookup_table(Stretch::Asinh, 0, 255);
        assert_eq!(linear[26], 26);
        assert!(
            asinh[26] > 2 * linear[26],
            "faint values lifted: {}",
            asinh[26]
        );
    }

    #[test]
    fn stretching_pixels_keeps_alpha_and_greys() {
        let mut px = vec![10, 10, 10, 255, 200, 200, 200, 255, 10, 10, 10, 128];
        let (black, white) = stretch_rgba(&mut px, Stretch::Linear);
        assert_eq!((black, white), (10, 200));
        assert_eq!(px, vec![0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 128]);
        assert_eq!(Stretch::parse(Stretch::Linear.as_str()), Stretch::Linear);
    }
}
