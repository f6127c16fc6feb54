//! Synthetic camera frames for the simulator's exposure previews.
//!
//! A frame is an 8-bit greyscale image of a plausible star field: sky
//! background with bias and noise, and stars drawn with a Gaussian point
//! spread function whose half-flux radius follows a focus V-curve
//! ([`hfr_px`]). Everything is deterministic:
//!
//! - the **stars** depend only on where the telescope points: they are
//!   generated per fixed cell of the sky (0.25° in declination) from the
//!   cell's index, so the same target always shows the same stars, and a
//!   small slew shifts them across the frame instead of replacing them;
//! - the **noise** depends only on [`PreviewParams::seed`].
//!
//! Pixel values are linear and clip at 255, like a linear preview of a real
//! sensor: longer exposures are brighter and bright stars saturate.
//! The image has North up and East to the left.
//!
//! The random numbers come from a few-line SplitMix64 generator, so frames
//! are identical on every platform and need no extra crate.

use skydeck_astro::coords::normalize_deg;

/// Half-flux radius of a star at perfect focus, in unbinned pixels.
pub const BEST_FOCUS_HFR_PX: f64 = 1.6;
/// Growth of the half-flux radius per micrometre of focuser error, in
/// unbinned pixels: the asymptotic slope of the V-curve.
pub const HFR_SLOPE_PX_PER_UM: f64 = 0.02;
/// Sky angle covered by one unbinned pixel, in arcseconds.
pub const PIXEL_SCALE_ARCSEC: f64 = 3.0;
/// Largest accepted frame side, in (binned) pixels; larger requests are
/// clamped so that a preview request cannot exhaust memory.
pub const MAX_DIMENSION: u32 = 4096;
/// Largest accepted binning factor; larger values are clamped.
pub const MAX_BINNING: u32 = 8;

/// Camera bias level, in output units (DN).
const BIAS_DN: f64 = 8.0;
/// Sky background per unbinned pixel per second of exposure, in DN.
const SKY_DN_PER_S: f64 = 0.2;
/// Read noise, in DN.
const READ_NOISE_DN: f64 = 1.5;
/// DN per detected electron: the shot-noise variance of a signal of `S` DN
/// is `S * DN_PER_ELECTRON` DN².
const DN_PER_ELECTRON: f64 = 0.5;
/// Mixed into the caller's seed so the noise stream differs from star cells.
const NOISE_STREAM: u64 = 0x9E6C_63D0_676A_9A99;
/// Total signal of a magnitude-10 star in one second, in DN.
const MAG10_DN_PER_S: f64 = 2000.0;
/// Height of a sky cell in declination, degrees.
const CELL_DEG: f64 = 0.25;
/// Stars per sky cell: between these two counts (about 480 per square degree).
const STARS_PER_CELL: (u64, u64) = (20, 40);
/// Faintest magnitude generated; brighter stars are rarer, by 10^0.35 per
/// magnitude.
const FAINT_LIMIT_MAG: f64 = 15.0;
/// Brightest magnitude generated.
const BRIGHT_LIMIT_MAG: f64 = 2.0;

/// Half-flux radius, in unbinned pixels, of a star imaged with the focuser
/// `focus_error_um` micrometres from best focus: the hyperbolic V-curve
/// `sqrt(h0² + (k·err)²)` with `h0` = [`BEST_FOCUS_HFR_PX`] and `k` =
/// [`HFR_SLOPE_PX_PER_UM`] (500 µm off gives about 10 px).
///
/// Symmetric in the sign of the error and smallest at 0. The simulator's
/// autofocus measures HFR with this function.
pub fn hfr_px(focus_error_um: f64) -> f64 {
    BEST_FOCUS_HFR_PX.hypot(HFR_SLOPE_PX_PER_UM * focus_error_um)
}

/// What to render: where the telescope points, how the camera is set and
/// focused.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewParams {
    /// Seed of the noise (the star field depends on the pointing only).
    pub seed: u64,
    /// Frame width in output (binned) pixels, clamped to
    /// `1..=`[`MAX_DIMENSION`].
    pub width: u32,
    /// Frame height in output (binned) pixels, clamped likewise.
    pub height: u32,
    /// Focuser position minus the position of best focus, micrometres.
    pub focus_error_um: f64,
    /// Exposure time in seconds (negative or non-finite counts as 0).
    pub duration_s: f64,
    /// Binning factor, clamped to `1..=`[`MAX_BINNING`].
    pub binning: u32,
    /// Right ascension of the frame centre, J2000 degrees.
    pub ra_deg: f64,
    /// Declination of the frame centre, J2000 degrees.
    pub dec_deg: f64,
}

/// An 8-bit greyscale image, row by row from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` pixel values, row-major, top row first.
    pub pixels: Vec<u8>,
}

/// Renders the frame described by `p` and encodes it as an 8-bit greyscale
/// PNG. Encoding into memory does not fail in practice; the error is passed
/// on rather than hidden.
pub fn render_png(p: &PreviewParams) -> Result<Vec<u8>, png::EncodingError> {
    let frame = render_frame(p);
    let mut buf = Vec::new();
    let mut encoder = png::Encoder::new(&mut buf, frame.width, frame.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&frame.pixels)?;
    writer.finish()?;
    Ok(buf)
}

/// Renders the frame described by `p` as raw 8-bit pixels.
pub fn render_frame(p: &PreviewParams) -> Frame {
    let width = p.width.clamp(1, MAX_DIMENSION);
    let height = p.height.clamp(1, MAX_DIMENSION);
    let binning = p.binning.clamp(1, MAX_BINNING);
    let duration = if p.duration_s.is_finite() {
        p.duration_s.max(0.0)
    } else {
        0.0
    };
    let focus_error = if p.focus_error_um.is_finite() {
        p.focus_error_um
    } else {
        0.0
    };
    let dec0 = if p.dec_deg.is_finite() {
        p.dec_deg.clamp(-90.0, 90.0)
    } else {
        0.0
    };
    let ra0 = if p.ra_deg.is_finite() {
        normalize_deg(p.ra_deg)
    } else {
        0.0
    };

    let (w, h) = (width as usize, height as usize);
    let bin = f64::from(binning);
    // Signal in DN, before noise and clipping.
    let sky = BIAS_DN + SKY_DN_PER_S * duration * bin * bin;
    let mut signal = vec![sky; w * h];

    // Stars: a Gaussian PSF with the V-curve's half-flux radius. For a
    // Gaussian, HFR = sigma * sqrt(2 ln 2).
    let hfr = hfr_px(focus_error) / bin;
    let sigma = (hfr / (2.0 * std::f64::consts::LN_2).sqrt()).max(0.3);
    let scale_deg = PIXEL_SCALE_ARCSEC * bin / 3600.0;
    let cx = w as f64 / 2.0;
    let cy = h as f64 / 2.0;
    let half_diagonal_deg = (cx.hypot(cy) + 4.0 * sigma) * scale_deg;
    for star in stars_near(ra0, dec0, half_diagonal_deg) {
        let Some((xi, eta)) = gnomonic(ra0, dec0, star.ra_deg, star.dec_deg) else {
            continue;
        };
        // North up, East left.
        let x = cx - xi / scale_deg;
        let y = cy - eta / scale_deg;
        let flux = MAG10_DN_PER_S * duration * 10f64.powf(-0.4 * (star.mag - 10.0));
        draw_gaussian(&mut signal, w, h, x, y, sigma, flux);
    }

    // Noise: shot noise of the whole signal plus read noise.
    let mut rng = SplitMix64::new(p.seed ^ NOISE_STREAM);
    let pixels = signal
        .iter()
        .map(|&s| {
            let sd =
                (READ_NOISE_DN * READ_NOISE_DN + (s - BIAS_DN).max(0.0) * DN_PER_ELECTRON).sqrt();
            (s + sd * rng.gaussian()).round().clamp(0.0, 255.0) as u8
        })
        .collect();
    Frame {
        width,
        height,
        pixels,
    }
}

/// A generated star.
#[derive(Debug, Clone, Copy)]
struct Star {
    ra_deg: f64,
    dec_deg: f64,
    mag: f64,
}

/// Number of right-ascension cells in declination band `band`, chosen so
/// cells have about the same area everywhere.
fn ra_cells(band: i64) -> i64 {
    let dec_mid = -90.0 + (band as f64 + 0.5) * CELL_DEG;
    ((360.0 * dec_mid.to_radians().cos() / CELL_DEG).floor() as i64).max(1)
}

/// The stars of every sky cell within about `radius_deg` of a position.
fn stars_near(ra_deg: f64, dec_deg: f64, radius_deg: f64) -> Vec<Star> {
    let bands = (180.0 / CELL_DEG) as i64;
    let lo = (((dec_deg - radius_deg + 90.0) / CELL_DEG).floor() as i64).clamp(0, bands - 1);
    let hi = (((dec_deg + radius_deg + 90.0) / CELL_DEG).floor() as i64).clamp(0, bands - 1);
    let mut stars = Vec::new();
    for band in lo..=hi {
        let n = ra_cells(band);
        let cell_width = 360.0 / n as f64;
        // Widest extent in RA over this band (at its edge nearest a pole).
        let band_lo = -90.0 + band as f64 * CELL_DEG;
        let max_abs_dec = band_lo.abs().max((band_lo + CELL_DEG).abs());
        let cos = max_abs_dec.to_radians().cos();
        let half_ra = if cos * 180.0 <= radius_deg {
            180.0
        } else {
            (radius_deg / cos).min(180.0)
        };
        let (first, last) = if half_ra >= 180.0 {
            (0, n - 1)
        } else {
            (
                ((ra_deg - half_ra) / cell_width).floor() as i64,
                ((ra_deg + half_ra) / cell_width).floor() as i64,
            )
        };
        for j in first..=last {
            let cell = j.rem_euclid(n);
            // A cell could be reached twice when the range wraps all round.
            if half_ra < 180.0 && last - first + 1 > n && j >= first + n {
                continue;
            }
            cell_stars(band, cell, cell_width, &mut stars);
        }
    }
    stars
}

/// Appends the stars of one cell, generated from the cell's index alone.
fn cell_stars(band: i64, cell: i64, cell_width: f64, out: &mut Vec<Star>) {
    let mut rng = SplitMix64::new(((band as u64) << 32) ^ (cell as u64) ^ 0xA57E_0000_0000_57A5);
    let (min, max) = STARS_PER_CELL;
    let count = min + rng.next_u64() % (max - min + 1);
    let dec_lo = (-90.0 + band as f64 * CELL_DEG).to_radians().sin();
    let dec_hi = (-90.0 + (band + 1) as f64 * CELL_DEG).to_radians().sin();
    for _ in 0..count {
        let ra = (cell as f64 + rng.next_f64()) * cell_width;
        // Uniform in sin(dec) is uniform on the sphere.
        let dec = (dec_lo + (dec_hi - dec_lo) * rng.next_f64())
            .asin()
            .to_degrees();
        // Cumulative counts grow by 10^0.35 per magnitude.
        let u = rng.next_f64().max(1e-12);
        let mag = (FAINT_LIMIT_MAG + u.log10() / 0.35).max(BRIGHT_LIMIT_MAG);
        out.push(Star {
            ra_deg: ra,
            dec_deg: dec,
            mag,
        });
    }
}

/// Tangent-plane (gnomonic) coordinates `(ξ, η)` in degrees of a star
/// relative to the frame centre; `None` for the far hemisphere.
fn gnomonic(ra0: f64, dec0: f64, ra: f64, dec: f64) -> Option<(f64, f64)> {
    let (d0, d) = (dec0.to_radians(), dec.to_radians());
    let da = (ra - ra0).to_radians();
    let cos_c = d0.sin() * d.sin() + d0.cos() * d.cos() * da.cos();
    if cos_c <= 1e-6 {
        return None;
    }
    let xi = d.cos() * da.sin() / cos_c;
    let eta = (d0.cos() * d.sin() - d0.sin() * d.cos() * da.cos()) / cos_c;
    Some((xi.to_degrees(), eta.to_degrees()))
}

/// Adds a Gaussian star of total `flux` centred at pixel coordinates
/// `(x0, y0)` (pixel `i` spans `i..i+1`), integrating the PSF over each
/// pixel so that the flux is conserved however small `sigma` is.
fn draw_gaussian(buf: &mut [f64], w: usize, h: usize, x0: f64, y0: f64, sigma: f64, flux: f64) {
    if flux <= 0.0 {
        return;
    }
    let reach = (4.0 * sigma).ceil() + 1.0;
    if x0 + reach < 0.0 || y0 + reach < 0.0 || x0 - reach > w as f64 || y0 - reach > h as f64 {
        return;
    }
    let x_lo = (x0 - reach).floor().max(0.0) as usize;
    let x_hi = ((x0 + reach).ceil() as usize).min(w);
    let y_lo = (y0 - reach).floor().max(0.0) as usize;
    let y_hi = ((y0 + reach).ceil() as usize).min(h);
    let k = 1.0 / (sigma * std::f64::consts::SQRT_2);
    let share = |lo: f64, hi: f64| 0.5 * (erf(hi * k) - erf(lo * k));
    let xs: Vec<f64> = (x_lo..x_hi)
        .map(|i| share(i as f64 - x0, i as f64 + 1.0 - x0))
        .collect();
    for j in y_lo..y_hi {
        let fy = flux * share(j as f64 - y0, j as f64 + 1.0 - y0);
        let row = &mut buf[j * w..(j + 1) * w];
        for (i, fx) in (x_lo..x_hi).zip(&xs) {
            row[i] += fy * fx;
        }
    }
}

/// The error function (Abramowitz & Stegun 7.1.26, error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x < 0.0 {
        -y
    } else {
        y
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed PRNG.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal deviate (Box–Muller).
    fn gaussian(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> PreviewParams {
        PreviewParams {
            seed: 42,
            width: 320,
            height: 240,
            focus_error_um: 0.0,
            duration_s: 2.0,
            binning: 2,
            ra_deg: 83.82,
            dec_deg: -5.39,
        }
    }

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("valid PNG data");
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn output_is_a_greyscale_png_of_the_requested_size() {
        let bytes = render_png(&params()).expect("encodes");
        assert!(bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]));
        let (info, pixels) = decode(&bytes);
        assert_eq!((info.width, info.height), (320, 240));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert_eq!(pixels, render_frame(&params()).pixels);
    }

    #[test]
    fn same_params_give_identical_bytes() {
        let a = render_png(&params()).expect("encodes");
        let b = render_png(&params()).expect("encodes");
        assert_eq!(a, b);
        // Another seed changes the noise only: the same stars are there.
        let other = render_frame(&PreviewParams {
            seed: 43,
            ..params()
        });
        let base = render_frame(&params());
        assert_ne!(other.pixels, base.pixels);
        let diff: f64 = base
            .pixels
            .iter()
            .zip(&other.pixels)
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs())
            .sum::<f64>()
            / base.pixels.len() as f64;
        assert!(diff < 5.0, "mean difference {diff} DN: more than noise");
    }

    #[test]
    fn the_star_field_follows_the_pointing() {
        let a = render_frame(&params());
        let elsewhere = render_frame(&PreviewParams {
            ra_deg: 200.0,
            dec_deg: 40.0,
            ..params()
        });
        assert_ne!(a.pixels, elsewhere.pixels);
        // A slew of 10 binned pixels to the East moves the field centre East,
        // so the stars move West: to the right in a North-up, East-left
        // image. The cross-correlation of the two frames (with independent
        // noise) peaks at that shift.
        let step_deg = 10.0 * PIXEL_SCALE_ARCSEC * 2.0 / 3600.0;
        let shifted = render_frame(&PreviewParams {
            ra_deg: 83.82 + step_deg / (-5.39f64).to_radians().cos(),
            seed: 7,
            ..params()
        });
        let (w, h) = (a.width as usize, a.height as usize);
        let mean = |f: &Frame| f.pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / (w * h) as f64;
        let (ma, ms) = (mean(&a), mean(&shifted));
        let correlation = |dx: usize, dy: usize| {
            let mut sum = 0.0;
            for y in 0..h - dy {
                for x in 0..w - dx {
                    let old = f64::from(a.pixels[y * w + x]) - ma;
                    let new = f64::from(shifted.pixels[(y + dy) * w + x + dx]) - ms;
                    sum += old * new;
                }
            }
            sum / ((w - dx) * (h - dy)) as f64
        };
        let mut best = (0, 0, f64::MIN);
        for dx in 0..20 {
            for dy in 0..3 {
                let c = correlation(dx, dy);
                if c > best.2 {
                    best = (dx, dy, c);
                }
            }
        }
        assert_eq!((best.0, best.1), (10, 0), "correlation peaks at {best:?}");
    }

    #[test]
    fn focused_stars_peak_higher_than_defocused_ones() {
        let focused = render_frame(&params());
        let blurred = render_frame(&PreviewParams {
            focus_error_um: 800.0,
            ..params()
        });
        let max = |f: &Frame| f.pixels.iter().copied().max().unwrap_or(0);
        assert!(
            max(&focused) > max(&blurred) + 50,
            "focused max {} vs defocused max {}",
            max(&focused),
            max(&blurred)
        );
        // Defocus spreads light but does not remove it: the mean level is
        // about the same.
        let mean =
            |f: &Frame| f.pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / f.pixels.len() as f64;
        assert!((mean(&focused) - mean(&blurred)).abs() < 0.1 * mean(&focused) + 1.0);
    }

    #[test]
    fn longer_exposures_are_brighter_and_saturate() {
        let mean = |d: f64| {
            let f = render_frame(&PreviewParams {
                duration_s: d,
                ..params()
            });
            f.pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / f.pixels.len() as f64
        };
        let (short, long) = (mean(1.0), mean(30.0));
        assert!(long > short + 10.0, "1 s mean {short}, 30 s mean {long}");
        let very_long = render_frame(&PreviewParams {
            duration_s: 600.0,
            ..params()
        });
        assert!(
            very_long.pixels.iter().all(|&v| v == 255),
            "600 s at bin 2 saturates the sky"
        );
        let dark = render_frame(&PreviewParams {
            duration_s: 0.0,
            ..params()
        });
        let max_dark = dark.pixels.iter().copied().max().unwrap_or(0);
        assert!(
            max_dark < 20,
            "a zero-second frame is bias and read noise only: {max_dark}"
        );
    }

    #[test]
    fn hfr_v_curve_is_symmetric_and_minimal_at_best_focus() {
        assert!((hfr_px(0.0) - BEST_FOCUS_HFR_PX).abs() < 1e-12);
        for err in [1.0, 10.0, 100.0, 500.0, 2000.0] {
            assert_eq!(hfr_px(err), hfr_px(-err));
            assert!(hfr_px(err) > hfr_px(0.0));
            assert!(hfr_px(2.0 * err) > hfr_px(err));
        }
        assert!(
            (hfr_px(500.0) - 10.0).abs() < 0.2,
            "500 µm off: {}",
            hfr_px(500.0)
        );
        // Far from focus the curve approaches straight lines of slope k.
        let slope = (hfr_px(5000.0) - hfr_px(4000.0)) / 1000.0;
        assert!((slope - HFR_SLOPE_PX_PER_UM).abs() < 1e-4);
    }

    #[test]
    fn rendered_star_width_follows_the_v_curve() {
        // Flux conservation of the pixel-integrated PSF, and the measured
        // half-flux radius of a lone synthetic star matches hfr_px / binning.
        for (err, bin) in [(0.0, 1), (300.0, 1), (300.0, 2)] {
            let (w, h) = (96, 96);
            let sigma = hfr_px(err) / f64::from(bin) / (2.0 * std::f64::consts::LN_2).sqrt();
            let mut buf = vec![0.0; w * h];
            draw_gaussian(&mut buf, w, h, 48.3, 47.6, sigma, 10_000.0);
            let total: f64 = buf.iter().sum();
            assert!((total - 10_000.0).abs() < 1.0, "flux {total}");
            let mut by_radius: Vec<(f64, f64)> = buf
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (x, y) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
                    ((x - 48.3).hypot(y - 47.6), *v)
                })
                .collect();
            by_radius.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut acc = 0.0;
            let hfr = by_radius
                .iter()
                .find(|(_, v)| {
                    acc += v;
                    acc >= total / 2.0
                })
                .map_or(0.0, |(r, _)| *r);
            let expected = hfr_px(err) / f64::from(bin);
            assert!(
                (hfr - expected).abs() < 0.15 * expected + 0.5,
                "hfr {hfr} vs {expected}"
            );
        }
    }

    #[test]
    fn hostile_parameters_are_clamped_not_fatal() {
        let tiny = render_frame(&PreviewParams {
            width: 0,
            height: 0,
            binning: 0,
            duration_s: f64::NAN,
            focus_error_um: f64::INFINITY,
            ra_deg: -30.0,
            dec_deg: 95.0,
            ..params()
        });
        assert_eq!((tiny.width, tiny.height, tiny.pixels.len()), (1, 1, 1));
        let bytes = render_png(&PreviewParams {
            width: 1,
            height: 1,
            ..params()
        })
        .expect("encodes");
        assert_eq!(decode(&bytes).0.width, 1);
        // Near the pole the cell search wraps all the way round in RA.
        let pole = render_frame(&PreviewParams {
            dec_deg: 89.99,
            ..params()
        });
        assert_eq!(pole.pixels.len(), 320 * 240);
        assert!(pole.pixels.iter().any(|&v| v > 100), "stars near the pole");
    }

    #[test]
    fn erf_matches_known_values() {
        assert!(erf(0.0).abs() < 1e-7);
        assert!((erf(1.0) - 0.842_700_79).abs() < 2e-7);
        assert!((erf(-0.5) + 0.520_499_88).abs() < 2e-7);
        assert!((erf(3.0) - 0.999_977_91).abs() < 2e-7);
    }
}
