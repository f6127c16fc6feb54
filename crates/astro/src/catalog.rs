//! The built-in catalog: all 110 Messier objects, bright NGC/IC and other
//! deep-sky objects that are not in Messier's list, and named bright stars,
//! with J2000 positions.
//!
//! The data lives in `data/catalog.csv` (columns
//! `name,aliases,kind,ra_deg,dec_deg,magnitude`, aliases separated by `|`,
//! `#` starts a comment line). With the `embedded` feature (on by default)
//! it is compiled in with `include_str!` and parsed once on first use.
//! Without it (the shipped web app, which fetches the file as an asset so
//! that its first load does not carry it) the catalog is empty until
//! [`install`] gives it the text. A unit test parses every line, so a
//! malformed line fails the build's tests rather than a telescope at night.
//!
//! Names are matched after normalisation: case, blanks and punctuation are
//! ignored, `Messier 42`/`M042` become `m42`, `NGC0869` becomes `ngc869`,
//! Greek letters and SIMBAD abbreviations are spelled out (`α Lyr`,
//! `alf Lyr` → `alpha lyr`).

use crate::coords::{angular_separation_deg, equatorial_to_horizontal, precess, Equatorial, Site};
use crate::time::J2000_JD;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// The catalog text, compiled in.
#[cfg(any(feature = "embedded", test))]
const CATALOG_CSV: &str = include_str!("../data/catalog.csv");

/// What kind of object a catalog entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A single star.
    Star,
    /// A double or multiple star (M40).
    DoubleStar,
    /// An open star cluster.
    OpenCluster,
    /// A globular star cluster.
    GlobularCluster,
    /// An emission or reflection nebula.
    Nebula,
    /// A planetary nebula.
    PlanetaryNebula,
    /// A supernova remnant.
    SupernovaRemnant,
    /// A dark nebula.
    DarkNebula,
    /// A galaxy.
    Galaxy,
    /// An asterism (M73).
    Asterism,
    /// A Milky Way star cloud (M24).
    StarCloud,
}

impl ObjectKind {
    /// All kinds, in a stable order.
    pub const ALL: [ObjectKind; 11] = [
        Self::Star,
        Self::DoubleStar,
        Self::OpenCluster,
        Self::GlobularCluster,
        Self::Nebula,
        Self::PlanetaryNebula,
        Self::SupernovaRemnant,
        Self::DarkNebula,
        Self::Galaxy,
        Self::Asterism,
        Self::StarCloud,
    ];

    /// The identifier used in the CSV file (`open_cluster`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Star => "star",
            Self::DoubleStar => "double_star",
            Self::OpenCluster => "open_cluster",
            Self::GlobularCluster => "globular_cluster",
            Self::Nebula => "nebula",
            Self::PlanetaryNebula => "planetary_nebula",
            Self::SupernovaRemnant => "supernova_remnant",
            Self::DarkNebula => "dark_nebula",
            Self::Galaxy => "galaxy",
            Self::Asterism => "asterism",
            Self::StarCloud => "star_cloud",
        }
    }

    /// Parses a CSV identifier; `None` if unknown.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == id)
    }

    /// A label for people ("open cluster").
    pub fn label(self) -> &'static str {
        match self {
            Self::Star => "star",
            Self::DoubleStar => "double star",
            Self::OpenCluster => "open cluster",
            Self::GlobularCluster => "globular cluster",
            Self::Nebula => "nebula",
            Self::PlanetaryNebula => "planetary nebula",
            Self::SupernovaRemnant => "supernova remnant",
            Self::DarkNebula => "dark nebula",
            Self::Galaxy => "galaxy",
            Self::Asterism => "asterism",
            Self::StarCloud => "star cloud",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One entry of the built-in catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogObject {
    /// Primary designation (`M42`, `NGC 869`, `Vega`).
    pub name: &'static str,
    /// Other designations and common names (`NGC 1976`, `Orion Nebula`,
    /// `alpha Lyr`).
    pub aliases: Vec<&'static str>,
    /// What the object is.
    pub kind: ObjectKind,
    /// J2000 position.
    pub position: Equatorial,
    /// Visual magnitude, when known.
    pub magnitude: Option<f64>,
}

impl CatalogObject {
    /// The name and then the aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.name).chain(self.aliases.iter().copied())
    }

    /// The Messier number, if this is a Messier object.
    pub fn messier_number(&self) -> Option<u32> {
        designation(&normalize(self.name)).and_then(|(prefix, n)| (prefix == "m").then_some(n))
    }
}

/// A CSV line that could not be read, with its line number (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogLineError {
    /// Line number in `catalog.csv`, counted from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CatalogLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalog.csv line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CatalogLineError {}

/// Parses catalog CSV text: skips blank lines, `#` comments and the header;
/// returns the objects and the errors of the lines that could not be read.
fn parse_catalog(text: &'static str) -> (Vec<CatalogObject>, Vec<CatalogLineError>) {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("name,") {
            continue;
        }
        match parse_line(line) {
            Ok(obj) => objects.push(obj),
            Err(message) => errors.push(CatalogLineError {
                line: index + 1,
                message,
            }),
        }
    }
    (objects, errors)
}

fn parse_line(line: &'static str) -> Result<CatalogObject, String> {
    let cols: Vec<&'static str> = line.split(',').map(str::trim).collect();
    if cols.len() != 6 {
        return Err(format!("expected 6 columns, found {}", cols.len()));
    }
    let name = cols[0];
    if name.is_empty() {
        return Err("empty name".to_owned());
    }
    let aliases: Vec<&'static str> = cols[1]
        .split('|')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    let kind = ObjectKind::from_id(cols[2]).ok_or_else(|| format!("unknown kind '{}'", cols[2]))?;
    let ra: f64 = cols[3]
        .parse()
        .map_err(|_| format!("right ascension '{}' is not a number", cols[3]))?;
    let dec: f64 = cols[4]
        .parse()
        .map_err(|_| format!("declination '{}' is not a number", cols[4]))?;
    if !(0.0..360.0).contains(&ra) {
        return Err(format!("right ascension {ra} outside [0, 360)"));
    }
    if !(-90.0..=90.0).contains(&dec) {
        return Err(format!("declination {dec} outside [-90, 90]"));
    }
    let magnitude = if cols[5].is_empty() {
        None
    } else {
        let m: f64 = cols[5]
            .parse()
            .map_err(|_| format!("magnitude '{}' is not a number", cols[5]))?;
        if !(-2.0..=20.0).contains(&m) {
            return Err(format!("magnitude {m} is implausible"));
        }
        Some(m)
    };
    Ok(CatalogObject {
        name,
        aliases,
        kind,
        position: Equatorial {
            ra_deg: ra,
            dec_deg: dec,
        },
        magnitude,
    })
}

/// The parsed catalog and its name index.
struct Catalog {
    objects: Vec<CatalogObject>,
    /// Normalised name or alias -> index into `objects`.
    index: HashMap<String, usize>,
    /// Per object: its normalised names with the words of each, for search.
    keys: Vec<Vec<NameKey>>,
}

/// A name prepared for matching.
struct NameKey {
    joined: String,
    words: Vec<String>,
}

/// The catalog, once parsed.
static CATALOG: OnceLock<Catalog> = OnceLock::new();

impl Catalog {
    /// Parses `text`, skipping malformed lines (the unit tests guarantee
    /// there are none in the shipped file), and indexes every name.
    fn parse(text: &'static str) -> Self {
        let (objects, _errors) = parse_catalog(text);
        let mut index = HashMap::new();
        let mut keys = Vec::with_capacity(objects.len());
        for (i, obj) in objects.iter().enumerate() {
            let mut object_keys = Vec::new();
            for name in obj.names() {
                let joined = normalize(name);
                index.entry(joined.clone()).or_insert(i);
                object_keys.push(NameKey {
                    words: words(name),
                    joined,
                });
            }
            keys.push(object_keys);
        }
        Catalog {
            objects,
            index,
            keys,
        }
    }
}

/// The catalog's text as [`install`] gave it (a build without `embedded`).
static TEXT: OnceLock<&'static str> = OnceLock::new();

/// The catalog, parsed at the first lookup: the compiled-in one (feature
/// `embedded`), else the one [`install`] was given, if any.
fn catalog() -> Option<&'static Catalog> {
    #[cfg(any(feature = "embedded", test))]
    return Some(CATALOG.get_or_init(|| Catalog::parse(CATALOG_CSV)));
    #[cfg(not(any(feature = "embedded", test)))]
    TEXT.get()
        .map(|text| CATALOG.get_or_init(|| Catalog::parse(text)))
}

/// Gives the catalog its text (`data/catalog.csv` as fetched), in a build
/// without the `embedded` feature; until then every lookup finds nothing.
/// The text is parsed at the first lookup, so code that only installs it
/// (a page's first screen) carries no parser. False, and nothing changes,
/// when there is a text already.
pub fn install(text: &'static str) -> bool {
    TEXT.set(text).is_ok()
}

/// Whether the catalog is there: always with the `embedded` feature,
/// otherwise once [`install`] has run.
pub fn is_loaded() -> bool {
    cfg!(any(feature = "embedded", test)) || TEXT.get().is_some()
}

/// Every object in the catalog, in file order (Messier, other deep-sky
/// objects, then stars).
pub fn all() -> &'static [CatalogObject] {
    catalog().map_or(&[], |cat| &cat.objects)
}

/// The first object, in catalog order, whose altitude and distance from the
/// Sun (both in degrees, seen from `site` at Julian date `jd`) pass
/// `accept`: "something bright that is up now, away from the Sun".
pub fn first_placed(
    site: Site,
    jd: f64,
    accept: impl Fn(f64, f64) -> bool,
) -> Option<&'static CatalogObject> {
    let sun = crate::sun::sun_position(jd);
    all().iter().find(|o| {
        let of_date = precess(o.position, J2000_JD, jd);
        let alt = equatorial_to_horizontal(of_date, site, jd).alt_deg;
        accept(alt, angular_separation_deg(of_date, sun))
    })
}

/// Finds an object by its name or any alias, ignoring case, blanks,
/// punctuation and catalog-number padding: `M42`, `m 42`, `Messier 42`,
/// `M042`, `NGC869`, `NGC 869`, `orion nebula`, `Vega`, `alpha lyr`,
/// `α Lyr`.
pub fn lookup(name: &str) -> Option<&'static CatalogObject> {
    let key = normalize(name);
    if key.is_empty() {
        return None;
    }
    let cat = catalog()?;
    cat.index.get(&key).map(|&i| &cat.objects[i])
}

/// Search-as-you-type: objects whose name or an alias matches `query`, best
/// first, at most `limit` of them.
///
/// Ranking: an exact match of a whole name, then names that start with the
/// query (`M1` → M1, M10, M11, ..., M100, ...; Messier numbers in numeric
/// order), then names in which every query word starts some word
/// (`neb orion` → Orion Nebula). Within a rank: Messier, NGC, IC by number,
/// then the others by brightness.
pub fn search(query: &str, limit: usize) -> Vec<&'static CatalogObject> {
    let q = normalize(query);
    if q.is_empty() || limit == 0 {
        return Vec::new();
    }
    let Some(cat) = catalog() else {
        return Vec::new();
    };
    let q_words = words(query);
    let mut hits: Vec<(u8, (u8, u32), i64, usize)> = Vec::new();
    for (i, keys) in cat.keys.iter().enumerate() {
        let rank = keys
            .iter()
            .filter_map(|k| {
                if k.joined == q {
                    Some(0)
                } else if k.joined.starts_with(&q) {
                    Some(1)
                } else if !q_words.is_empty()
                    && q_words
                        .iter()
                        .all(|qw| k.words.iter().any(|w| w.starts_with(qw.as_str())))
                {
                    Some(2)
                } else {
                    None
                }
            })
            .min();
        if let Some(rank) = rank {
            let obj = &cat.objects[i];
            let order = designation(&normalize(obj.name)).map_or((3, 0), |(prefix, n)| {
                let catalog_rank = match prefix {
                    "m" => 0,
                    "ngc" => 1,
                    _ => 2,
                };
                (catalog_rank, n)
            });
            // Brightness in millimagnitudes; unknown sorts last.
            let mag = obj
                .magnitude
                .map_or(i64::MAX, |m| (m * 1000.0).round() as i64);
            hits.push((rank, order, mag, i));
        }
    }
    hits.sort();
    hits.into_iter()
        .take(limit)
        .map(|(_, _, _, i)| &cat.objects[i])
        .collect()
}

/// Greek letter names, for `α` and for SIMBAD's three-letter forms.
const GREEK: [(char, &str, &str); 24] = [
    ('α', "alpha", "alf"),
    ('β', "beta", "bet"),
    ('γ', "gamma", "gam"),
    ('δ', "delta", "del"),
    ('ε', "epsilon", "eps"),
    ('ζ', "zeta", "zet"),
    ('η', "eta", "eta"),
    ('θ', "theta", "tet"),
    ('ι', "iota", "iot"),
    ('κ', "kappa", "kap"),
    ('λ', "lambda", "lam"),
    ('μ', "mu", "mu"),
    ('ν', "nu", "nu"),
    ('ξ', "xi", "ksi"),
    ('ο', "omicron", "omi"),
    ('π', "pi", "pi"),
    ('ρ', "rho", "rho"),
    ('σ', "sigma", "sig"),
    ('τ', "tau", "tau"),
    ('υ', "upsilon", "ups"),
    ('φ', "phi", "phi"),
    ('χ', "chi", "chi"),
    ('ψ', "psi", "psi"),
    ('ω', "omega", "ome"),
];

/// Lower-case words of a name, Greek letters spelled out, punctuation
/// dropped (`Bode's Galaxy` → `bodes`, `galaxy`; `α Lyr` → `alpha`, `lyr`).
/// Lower case for what names are made of, ASCII and Greek, without the
/// Unicode case tables (they would weigh on the browser bundle); other
/// characters are kept as they are. Final sigma folds to sigma.
fn fold_case(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        // Greek capitals Α..Ω (U+0391..U+03A9, U+03A2 unassigned) are 0x20 below.
        'Α'..='Ω' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'ς' => 'σ',
        _ => c,
    }
}

/// A lower-case Greek letter (α..ω).
fn is_greek_letter(c: char) -> bool {
    ('α'..='ω').contains(&c)
}

fn words(s: &str) -> Vec<String> {
    let mut spelled = String::with_capacity(s.len());
    for c in s.chars() {
        let lower = fold_case(c);
        if let Some((_, name, _)) = GREEK.iter().find(|(g, _, _)| *g == lower) {
            spelled.push(' ');
            spelled.push_str(name);
            spelled.push(' ');
        } else if lower.is_ascii_alphanumeric() || is_greek_letter(lower) || lower.is_whitespace() {
            spelled.push(lower);
        } else if matches!(lower, '-' | '_' | '/') {
            spelled.push(' ');
        }
        // Other punctuation (apostrophes, dots) is dropped inside words.
    }
    let mut out: Vec<String> = spelled.split_whitespace().map(str::to_owned).collect();
    // "alf Lyr" (SIMBAD) → "alpha lyr", only as the first of several words.
    if out.len() >= 2 {
        if let Some((_, name, _)) = GREEK.iter().find(|(_, _, abbr)| *abbr == out[0]) {
            out[0] = (*name).to_owned();
        }
    }
    // "Messier 42" → "m 42".
    if out.first().is_some_and(|w| w == "messier") {
        out[0] = "m".to_owned();
    }
    out
}

/// The matching key of a name: its words joined, with catalog numbers
/// unpadded (`M042` → `m42`, `NGC 0869` → `ngc869`).
fn normalize(s: &str) -> String {
    let mut joined: String = words(s).concat();
    // "Messier42" typed as one word.
    if let Some(rest) = joined.strip_prefix("messier") {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            joined = format!("m{rest}");
        }
    }
    match split_designation(&joined) {
        Some((prefix, digits, rest)) => {
            let trimmed = digits.trim_start_matches('0');
            let number = if trimmed.is_empty() { "0" } else { trimmed };
            format!("{prefix}{number}{rest}")
        }
        None => joined,
    }
}

/// Splits `ngc0869a` into (`ngc`, `0869`, `a`) for the M, NGC and IC
/// catalogs; `None` for other names.
fn split_designation(key: &str) -> Option<(&'static str, &str, &str)> {
    for prefix in ["ngc", "ic", "m"] {
        if let Some(rest) = key.strip_prefix(prefix) {
            let digits_len = rest.chars().take_while(char::is_ascii_digit).count();
            if digits_len > 0 {
                return Some((prefix, &rest[..digits_len], &rest[digits_len..]));
            }
        }
    }
    None
}

/// The catalog and number of a normalised `M`/`NGC`/`IC` designation with
/// nothing after the number.
fn designation(key: &str) -> Option<(&'static str, u32)> {
    let (prefix, digits, rest) = split_designation(key)?;
    if !rest.is_empty() {
        return None;
    }
    digits.parse().ok().map(|n| (prefix, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn first_placed_finds_what_is_up_and_nothing_impossible() {
        // La Palma, 2026-01-15 00:00 UT: Orion is high in the south.
        let site = Site::new(28.7606, -17.8816, 2396.0);
        let jd = crate::time::julian_date(1_768_435_200.0);
        let up = first_placed(site, jd, |alt, sun| alt > 30.0 && sun > 45.0).expect("an object");
        let of_date = precess(up.position, J2000_JD, jd);
        assert!(equatorial_to_horizontal(of_date, site, jd).alt_deg > 30.0);
        assert!(first_placed(site, jd, |alt, _| alt > 90.0).is_none());
    }

    #[test]
    fn every_line_of_the_shipped_csv_parses() {
        let (objects, errors) = parse_catalog(CATALOG_CSV);
        assert!(errors.is_empty(), "malformed catalog lines: {errors:#?}");
        // Data lines = all lines minus comments, blanks and the header.
        let data_lines = CATALOG_CSV
            .lines()
            .filter(|l| {
                let l = l.trim();
                !(l.is_empty() || l.starts_with('#') || l.starts_with("name,"))
            })
            .count();
        assert_eq!(objects.len(), data_lines);
        assert_eq!(all().len(), objects.len());
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_number() {
        let text = "name,aliases,kind,ra_deg,dec_deg,magnitude\n\
                    Good,,star,10.0,20.0,1.0\n\
                    Bad1,,star,10.0\n\
                    Bad2,,comet,10.0,20.0,\n\
                    Bad3,,star,ten,20.0,\n\
                    Bad4,,star,10.0,95.0,\n\
                    Bad5,,star,360.0,0.0,\n\
                    Bad6,,star,1.0,0.0,bright\n";
        let (objects, errors) = parse_catalog(text);
        assert_eq!(objects.len(), 1);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7, 8]);
        assert!(errors[1].to_string().contains("unknown kind 'comet'"));
        assert!(errors[3].to_string().contains("declination 95"));
    }

    #[test]
    fn all_110_messier_objects_once_each() {
        let numbers: Vec<u32> = all()
            .iter()
            .filter_map(CatalogObject::messier_number)
            .collect();
        assert_eq!(numbers.len(), 110);
        let unique: HashSet<u32> = numbers.iter().copied().collect();
        assert_eq!(unique, (1..=110).collect::<HashSet<u32>>());
    }

    #[test]
    fn names_and_aliases_are_unique_after_normalisation() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for obj in all() {
            for name in obj.names() {
                let key = normalize(name);
                assert!(!key.is_empty(), "{} has an empty name", obj.name);
                if let Some(other) = seen.insert(key.clone(), obj.name) {
                    panic!("'{name}' ({key}) names both {other} and {}", obj.name);
                }
            }
        }
    }

    #[test]
    fn catalog_has_the_promised_contents() {
        let stars = all().iter().filter(|o| o.kind == ObjectKind::Star).count();
        assert!(stars >= 60, "only {stars} stars");
        let ngc_ic_non_messier = all()
            .iter()
            .filter(|o| o.messier_number().is_none() && o.kind != ObjectKind::Star)
            .count();
        assert!(
            ngc_ic_non_messier >= 40,
            "only {ngc_ic_non_messier} other deep-sky objects"
        );
        for name in [
            "Sirius",
            "Canopus",
            "Arcturus",
            "Vega",
            "Capella",
            "Rigel",
            "Procyon",
            "Betelgeuse",
            "Altair",
            "Aldebaran",
            "Antares",
            "Spica",
            "Pollux",
            "Fomalhaut",
            "Deneb",
            "Regulus",
            "Polaris",
        ] {
            let obj = lookup(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(obj.kind, ObjectKind::Star);
            assert!(obj.magnitude.is_some_and(|m| m < 2.5), "{name} magnitude");
        }
        for name in [
            "NGC 869", "NGC 884", "NGC 7000", "NGC 253", "NGC 5128", "NGC 3372", "NGC 104",
            "NGC 5139", "IC 434",
        ] {
            assert!(lookup(name).is_some(), "{name} missing");
        }
    }

    fn assert_position(name: &str, ra: f64, dec: f64) {
        let obj = lookup(name).unwrap_or_else(|| panic!("{name} not found"));
        let sep = angular_separation_deg(
            obj.position,
            Equatorial {
                ra_deg: ra,
                dec_deg: dec,
            },
        );
        assert!(
            sep < 0.05,
            "{name}: {:?} is {sep}° from ({ra}, {dec})",
            obj.position
        );
    }

    #[test]
    fn spot_check_positions_against_published_values() {
        // Published J2000 positions (SIMBAD), tolerance 0.05°.
        assert_position("M42", 83.82, -5.39);
        assert_position("M31", 10.68, 41.27);
        assert_position("Vega", 279.23, 38.78);
        assert_position("M1", 83.633, 22.0145);
        assert_position("M13", 250.423, 36.461);
        assert_position("M57", 283.396, 33.029);
        assert_position("M45", 56.75, 24.12);
        assert_position("Sirius", 101.287, -16.716);
        assert_position("Polaris", 37.955, 89.264);
        assert_position("Betelgeuse", 88.793, 7.407);
        assert_position("NGC 5139", 201.697, -47.480);
        assert_position("NGC 104", 6.024, -72.081);
        assert_position("NGC 5128", 201.365, -43.019);
        // All positions are sane and every object has a name.
        for obj in all() {
            assert!((0.0..360.0).contains(&obj.position.ra_deg), "{}", obj.name);
            assert!(
                (-90.0..=90.0).contains(&obj.position.dec_deg),
                "{}",
                obj.name
            );
        }
    }

    #[test]
    fn lookup_normalises_names() {
        let m42 = lookup("M42").unwrap();
        for q in [
            "m42",
            "M 42",
            "m 42",
            "Messier 42",
            "messier42",
            "M042",
            " M42 ",
            "NGC 1976",
            "ngc1976",
            "orion nebula",
            "Orion Nebula",
            "ORION-NEBULA",
        ] {
            assert_eq!(lookup(q).map(|o| o.name), Some(m42.name), "{q}");
        }
        let double = lookup("NGC 869").unwrap();
        for q in [
            "NGC869",
            "ngc 869",
            "NGC 0869",
            "double cluster",
            "h Persei",
        ] {
            assert_eq!(lookup(q).map(|o| o.name), Some(double.name), "{q}");
        }
        for q in [
            "Vega",
            "vega",
            "alpha Lyr",
            "alpha lyr",
            "α Lyr",
            "alf Lyr",
            "Alpha  LYR",
        ] {
            assert_eq!(lookup(q).map(|o| o.name), Some("Vega"), "{q}");
        }
        assert_eq!(lookup("Andromeda Galaxy").map(|o| o.name), Some("M31"));
        assert_eq!(lookup("bodes galaxy").map(|o| o.name), Some("M81"));
        assert_eq!(lookup("Bode's Galaxy").map(|o| o.name), Some("M81"));
        assert_eq!(lookup("47 Tuc").map(|o| o.name), Some("NGC 104"));
        assert_eq!(
            lookup("horsehead nebula").map(|o| o.name),
            Some("Barnard 33")
        );
        assert_eq!(lookup("M111"), None);
        assert_eq!(lookup(""), None);
        assert_eq!(lookup("   "), None);
        assert_eq!(lookup("Mizar").map(|o| o.kind), Some(ObjectKind::Star));
    }

    #[test]
    fn search_ranks_exact_then_prefix_then_words() {
        let names = |q: &str, n: usize| search(q, n).iter().map(|o| o.name).collect::<Vec<_>>();
        // Messier numbers in numeric order after the exact match.
        assert_eq!(
            names("M1", 13),
            vec![
                "M1", "M10", "M11", "M12", "M13", "M14", "M15", "M16", "M17", "M18", "M19", "M100",
                "M101"
            ]
        );
        assert_eq!(names("m 4", 3), vec!["M4", "M40", "M41"]);
        // Prefix of a common name.
        assert_eq!(names("androm", 5), vec!["M31"]);
        // Word prefixes anywhere in a name, any order.
        let orion = names("neb orion", 5);
        assert_eq!(orion, vec!["M42"]);
        let nebulae = search("nebula", 200);
        assert!(nebulae.len() > 20);
        assert_eq!(nebulae[0].name, "M1", "Messier first, in numeric order");
        // Exact beats prefix: "Vega" first even though nothing else starts so.
        assert_eq!(names("vega", 3), vec!["Vega"]);
        // Stars by brightness among equal ranks.
        assert_eq!(names("alc", 5), vec!["Alcyone", "Alcor"]);
        assert_eq!(names("ald", 5), vec!["Aldebaran", "Alderamin"]);
        // Bayer designations are searchable too: every alpha star matches.
        let alphas = search("alpha", 200);
        assert!(
            alphas.len() > 30 && alphas[0].name == "Sirius",
            "{} {:?}",
            alphas.len(),
            alphas[0].name
        );
        // The limit is respected; empty queries return nothing.
        assert_eq!(search("m", 7).len(), 7);
        assert!(search("", 10).is_empty());
        assert!(search("   ", 10).is_empty());
        assert!(search("m1", 0).is_empty());
        assert!(search("zzzz", 10).is_empty());
    }

    #[test]
    fn kinds_round_trip() {
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::from_id(k.as_str()), Some(k));
            assert!(!k.to_string().contains('_'));
        }
        assert_eq!(ObjectKind::from_id("comet"), None);
        assert_eq!(
            lookup("M57").map(|o| o.kind),
            Some(ObjectKind::PlanetaryNebula)
        );
        assert_eq!(lookup("M40").map(|o| o.kind), Some(ObjectKind::DoubleStar));
    }
}
