//! What `dist/` ships: raw, gzip (-9) and brotli (quality 11) bytes per kind
//! of file, as a static host that compresses ahead of time would serve them.

use std::io::Write;
use std::path::Path;

/// The bytes of one kind of file.
#[derive(Debug, Clone, Default)]
pub struct Sizes {
    /// `wasm`, `js`, `css`, `html` or `other`.
    pub kind: &'static str,
    /// Files of that kind.
    pub files: usize,
    /// Uncompressed bytes.
    pub raw: usize,
    /// gzip -9 bytes.
    pub gzip: usize,
    /// brotli (quality 11) bytes.
    pub brotli: usize,
}

/// The sizes of every file in `dist` (not recursing: trunk writes it flat),
/// by kind, then a total row.
pub fn measure(dist: &Path) -> std::io::Result<Vec<Sizes>> {
    let kinds = ["wasm", "js", "css", "html", "other"];
    let mut rows: Vec<Sizes> = kinds
        .iter()
        .map(|&kind| Sizes {
            kind,
            ..Default::default()
        })
        .collect();
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let index = kinds.iter().position(|&k| k == ext).unwrap_or(4);
        let row = &mut rows[index];
        row.files += 1;
        row.raw += bytes.len();
        row.gzip += gzip(&bytes)?;
        row.brotli += brotli(&bytes)?;
    }
    rows.retain(|r| r.files > 0);
    let total = rows.iter().fold(
        Sizes {
            kind: "total",
            ..Default::default()
        },
        |mut t, r| {
            t.files += r.files;
            t.raw += r.raw;
            t.gzip += r.gzip;
            t.brotli += r.brotli;
            t
        },
    );
    rows.push(total);
    Ok(rows)
}

/// The sizes, together, of the files of `dist` named in `names` (names that
/// are not files of `dist`, such as a path the host answered with its
/// fallback page, are left out), labelled `kind`.
pub fn of_files(dist: &Path, names: &[String], kind: &'static str) -> std::io::Result<Sizes> {
    let mut sizes = Sizes {
        kind,
        ..Default::default()
    };
    for name in names {
        let path = dist.join(name);
        if name.contains('/') || !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        sizes.files += 1;
        sizes.raw += bytes.len();
        sizes.gzip += gzip(&bytes)?;
        sizes.brotli += brotli(&bytes)?;
    }
    Ok(sizes)
}

fn gzip(bytes: &[u8]) -> std::io::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn brotli(bytes: &[u8]) -> std::io::Result<usize> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_and_groups_by_kind() {
        let dir = std::env::temp_dir().join(format!("skydeck-bench-sizes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = "mount snapshot ".repeat(1000);
        std::fs::write(dir.join("a.js"), &text).unwrap();
        std::fs::write(dir.join("b.js"), &text).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        let rows = measure(&dir).unwrap();
        let js = rows.iter().find(|r| r.kind == "js").unwrap();
        assert_eq!((js.files, js.raw), (2, 2 * text.len()));
        assert!(js.gzip < js.raw / 10 && js.brotli < js.raw / 10, "{js:?}");
        let total = rows.last().unwrap();
        assert_eq!(total.kind, "total");
        assert_eq!(total.files, 3);
        assert_eq!(total.raw, 2 * text.len() + 15);
        let names = ["a.js", "index.html", "skydeck.config.json", "../b.js"].map(String::from);
        let some = of_files(&dir, &names, "initial").unwrap();
        assert_eq!((some.kind, some.files), ("initial", 2));
        assert_eq!(some.raw, text.len() + 15);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
