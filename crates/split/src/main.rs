//! The split step of the site build (a trunk `post_build` hook, see
//! `Trunk.toml`). trunk has built the app with the `split` feature, run
//! wasm-bindgen and wasm-opt on the whole module and staged the result;
//! this step redoes the last two on a split module:
//!
//! 1. the bindings of a dependency the app never uses are dropped from
//!    cargo's module (`prune.rs`), then `wasm_split_cli_support` cuts it
//!    (linked with `--emit-relocs`, `.cargo/config.toml`) at its `wasm_split` points
//!    (`src/components/later.rs`) into a main module, one module per split
//!    and shared chunks, and writes the JavaScript that loads them;
//! 2. wasm-bindgen makes the main module's JavaScript glue, keeping the
//!    linker's exports the chunks import (`--keep-lld-exports`);
//! 3. wasm-opt optimises every module as trunk would (`-Oz` in release);
//! 4. every file is named with one hash over all of them (they refer to
//!    each other in a cycle: the glue imports the loader, the loader the
//!    glue) and replaces trunk's pair in the staged site, `index.html`
//!    pointing at the new names;
//! 5. the bright-object catalog trunk copied (`catalog.csv`, which the app
//!    fetches with the deferred panels, `src/assets.rs`) is named by its
//!    own hash, and `index.html` gives that name in
//!    `<meta name="skydeck-catalog">`.
//!
//! Environment (trunk sets the first two): `TRUNK_STAGING_DIR`,
//! `TRUNK_PROFILE` (`release` or `debug`), `CARGO_TARGET_DIR` (default
//! `target`), `WASM_BINDGEN` and `WASM_OPT` (default: on `PATH`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sha2::{Digest, Sha256};

mod prune;

/// The app's crate (and trunk's `data-bin`).
const APP: &str = "skydeck";

fn main() -> ExitCode {
    // wasm_split's warnings (a data segment kept whole in the main module,
    // say) on stderr; `RUST_LOG=wasm_split_cli_support=trace` for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    match run() {
        Ok(summary) => {
            println!("skydeck-split: {summary}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("skydeck-split: {why}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("{name} is not set (this runs as a trunk post_build hook)"))
}

fn run() -> Result<String, String> {
    let stage = PathBuf::from(env("TRUNK_STAGING_DIR")?);
    let profile = env("TRUNK_PROFILE")?;
    let release = match profile.as_str() {
        "release" => true,
        "debug" => false,
        other => return Err(format!("unknown TRUNK_PROFILE {other:?}")),
    };
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let input = target_dir
        .join("wasm32-unknown-unknown")
        .join(&profile)
        .join(format!("{APP}.wasm"));
    let work = target_dir.join("wasm-split").join(&profile);
    let _ = std::fs::remove_dir_all(&work);
    let split_dir = work.join("split");
    let bindgen_dir = work.join("bindgen");
    for dir in [&split_dir, &bindgen_dir] {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }

    // 1. Split, without the bindings the app never uses (prune.rs).
    let wasm = std::fs::read(&input).map_err(|e| format!("reading {}: {e}", input.display()))?;
    let (wasm, pruned) = prune::prune(&wasm, prune::UNUSED_BINDINGS)?;
    let main_pre = split_dir.join("main.wasm");
    let glue_name = format!("./{APP}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = &split_dir;
        opts.main_out_path = &main_pre;
        opts.main_module = &glue_name;
        opts.link_name = LOADER;
        opts
    })
    .map_err(|e| format!("splitting {}: {e:#}", input.display()))?;
    if split.split_modules.is_empty() {
        return Err(format!(
            "{} has no split points: was it built with the `split` feature?",
            input.display()
        ));
    }

    // 2. wasm-bindgen on the main module.
    let bindgen = std::env::var("WASM_BINDGEN").unwrap_or_else(|_| "wasm-bindgen".into());
    let mut args = vec![
        "--target=web".to_owned(),
        "--keep-lld-exports".to_owned(),
        "--no-typescript".to_owned(),
        format!("--out-dir={}", bindgen_dir.display()),
        format!("--out-name={APP}"),
    ];
    if !release {
        args.push("--keep-debug".to_owned());
    }
    args.push(main_pre.display().to_string());
    tool(&bindgen, &args)?;

    // Every file of the split site, by its unhashed name.
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert(
        format!("{APP}.js"),
        read(&bindgen_dir.join(format!("{APP}.js")))?,
    );
    let main_wasm = bindgen_dir.join(format!("{APP}_bg.wasm"));
    let mut modules = vec![(format!("{APP}_bg.wasm"), main_wasm)];
    for chunk in &split.split_modules {
        let name = chunk
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("odd chunk path {}", chunk.display()))?;
        modules.push((name.to_owned(), chunk.clone()));
    }
    // 3. wasm-opt, as trunk runs it (index.html's data-wasm-opt="z").
    let wasm_opt = std::env::var("WASM_OPT").unwrap_or_else(|_| "wasm-opt".into());
    for (name, path) in &modules {
        if release {
            let p = path.display().to_string();
            tool(
                &wasm_opt,
                &["-Oz".to_owned(), format!("--output={p}"), p.clone()],
            )?;
        }
        files.insert(name.clone(), read(path)?);
    }
    files.insert(
        LOADER.trim_start_matches("./").to_owned(),
        read(&split_dir.join(LOADER))?,
    );

    // 4. Name them by one hash and replace trunk's pair.
    let site = rename(files)?;
    let (old_js, old_wasm) = trunk_pair(&stage)?;
    let old_stem = old_js.trim_end_matches(".js").to_owned();
    let new_stem = site.stem.clone();
    let index_path = stage.join("index.html");
    let index =
        String::from_utf8(read(&index_path)?).map_err(|_| "index.html is not UTF-8".to_owned())?;
    if !index.contains(&old_js) || !index.contains(&old_wasm) {
        return Err(format!("index.html does not load {old_js} and {old_wasm}"));
    }
    let index = index.replace(&old_stem, &new_stem);

    // 5. The catalog, by its own hash.
    let catalog = read(&stage.join(CATALOG))?;
    let catalog_name = content_named(CATALOG, &catalog);
    let index = announce(&index, CATALOG_META, &catalog_name)?;
    std::fs::remove_file(stage.join(CATALOG)).map_err(|e| format!("removing {CATALOG}: {e}"))?;
    std::fs::write(stage.join(&catalog_name), &catalog)
        .map_err(|e| format!("writing {catalog_name}: {e}"))?;
    for old in [&old_js, &old_wasm] {
        std::fs::remove_file(stage.join(old)).map_err(|e| format!("removing {old}: {e}"))?;
    }
    let mut summary = String::new();
    for (name, bytes) in &site.files {
        std::fs::write(stage.join(name), bytes).map_err(|e| format!("writing {name}: {e}"))?;
        let _ = write!(
            summary,
            "{}{name} ({} B)",
            if summary.is_empty() { "" } else { ", " },
            bytes.len()
        );
    }
    std::fs::write(&index_path, index).map_err(|e| format!("writing index.html: {e}"))?;
    Ok(format!(
        "wrote {summary}, {catalog_name} ({} B); dropped the bindings of {} ({} exports, {} metadata entries)",
        catalog.len(),
        prune::UNUSED_BINDINGS.join(", "),
        pruned.exports,
        pruned.entries,
    ))
}

/// The catalog as trunk copies it (index.html's `copy-file` link).
const CATALOG: &str = "catalog.csv";

/// The `<meta>` that tells the app the catalog's hashed name.
const CATALOG_META: &str = "skydeck-catalog";

/// `name` (`stem.ext`) as `stem-<hash>.ext`, the hash (16 hex digits, as
/// the service worker and the cache headers expect) over `bytes` alone.
fn content_named(name: &str, bytes: &[u8]) -> String {
    let hash = short_hex(&Sha256::digest(bytes));
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("{stem}-{hash}.{ext}")
}

/// A digest's first 8 bytes as 16 hex digits: the hash in every file name
/// this step writes.
fn short_hex(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `index` with `<meta name="{meta}" content="{value}">` at the end of its
/// head.
fn announce(index: &str, meta: &str, value: &str) -> Result<String, String> {
    if index.contains(&format!("<meta name=\"{meta}\" content=")) {
        return Err(format!("index.html already has a {meta} meta"));
    }
    replace_once(
        "index.html",
        index,
        "</head>",
        &format!("  <meta name=\"{meta}\" content=\"{value}\" />\n  </head>"),
    )
}

/// The loader's name as wasm_split writes it, beside the glue.
const LOADER: &str = "./__wasm_split.js";

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn tool(program: &str, args: &[String]) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("running {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed: {status}", args.join(" ")))
    }
}

/// trunk's staged glue and module: `skydeck-<hash>.js` and `skydeck-<hash>_bg.wasm`.
fn trunk_pair(stage: &Path) -> Result<(String, String), String> {
    let mut js = Vec::new();
    let entries =
        std::fs::read_dir(stage).map_err(|e| format!("reading {}: {e}", stage.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{APP}-")) && name.ends_with(".js") {
            js.push(name);
        }
    }
    match js.as_slice() {
        [one] => {
            let wasm = format!("{}_bg.wasm", one.trim_end_matches(".js"));
            if stage.join(&wasm).is_file() {
                Ok((one.clone(), wasm))
            } else {
                Err(format!("trunk staged {one} without {wasm}"))
            }
        }
        _ => Err(format!(
            "expected one {APP}-<hash>.js staged by trunk, found {js:?}"
        )),
    }
}

/// The split site under hashed names.
#[derive(Debug)]
struct Site {
    /// The glue's name without `.js` (`skydeck-<hash>`), as index.html
    /// names the glue and the main module.
    stem: String,
    /// Name to contents.
    files: BTreeMap<String, Vec<u8>>,
}

/// Names every file `<stem>-<hash>.<ext>` (the main module
/// `skydeck-<hash>_bg.wasm`) with one hash over all names and contents, and
/// rewrites the references between them: the glue's to the loader and to
/// its module, the loader's to the glue and to each chunk. Fails when a
/// reference is not where wasm-bindgen and wasm_split put it.
fn rename(files: BTreeMap<String, Vec<u8>>) -> Result<Site, String> {
    let mut hasher = Sha256::new();
    for (name, bytes) in &files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let hash = short_hex(&hasher.finalize());
    let hashed = |name: &str| -> String {
        match name.strip_suffix("_bg.wasm") {
            Some(stem) => format!("{stem}-{hash}_bg.wasm"),
            None => {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                format!("{}-{hash}.{ext}", stem.trim_start_matches('_'))
            }
        }
    };
    let glue = format!("{APP}.js");
    let loader = LOADER.trim_start_matches("./").to_owned();
    let mut out = BTreeMap::new();
    for (name, bytes) in &files {
        let new_name = hashed(name);
        let bytes = if name == &glue {
            let text = text(name, bytes)?;
            // The import statements only (one per split: each imports its
            // own load function): the imports object keeps the module name
            // the main module's imports carry.
            let text = replace_every(
                name,
                &text,
                &format!("from \"{LOADER}\""),
                &format!("from \"./{}\"", hashed(&loader)),
            )?;
            let main = format!("{APP}_bg.wasm");
            replace_once(
                name,
                &text,
                &format!("'{main}'"),
                &format!("'{}'", hashed(&main)),
            )?
            .into_bytes()
        } else if name == &loader {
            let mut text = replace_once(
                name,
                &text(name, bytes)?,
                &format!("\"./{glue}\""),
                &format!("\"./{}\"", hashed(&glue)),
            )?;
            for chunk in files
                .keys()
                .filter(|n| n.ends_with(".wasm") && !n.ends_with("_bg.wasm"))
            {
                text = replace_once(
                    name,
                    &text,
                    &format!("\"./{chunk}\""),
                    &format!("\"./{}\"", hashed(chunk)),
                )?;
            }
            text.into_bytes()
        } else {
            bytes.clone()
        };
        out.insert(new_name, bytes);
    }
    Ok(Site {
        stem: hashed(&glue).trim_end_matches(".js").to_owned(),
        files: out,
    })
}

fn text(name: &str, bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("{name} is not UTF-8"))
}

/// `text` with every occurrence of `from` (at least one) replaced by `to`.
fn replace_every(name: &str, text: &str, from: &str, to: &str) -> Result<String, String> {
    if text.contains(from) {
        Ok(text.replace(from, to))
    } else {
        Err(format!("{name}: expected {from}, found none"))
    }
}

/// `text` with the one occurrence of `from` replaced by `to`.
fn replace_once(name: &str, text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!("{name}: expected {from} once, found it {n} times")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_named_by_its_contents_and_announced_in_the_head() {
        let a = content_named("catalog.csv", b"name,aliases\nM1,\n");
        let b = content_named("catalog.csv", b"name,aliases\nM2,\n");
        assert_ne!(a, b);
        assert_eq!(a, content_named("catalog.csv", b"name,aliases\nM1,\n"));
        let hash = a
            .strip_prefix("catalog-")
            .and_then(|rest| rest.strip_suffix(".csv"))
            .expect("catalog-<hash>.csv");
        assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()));

        let index = "<html><head><title>SkyDeck</title></head><body></body></html>";
        let announced = announce(index, CATALOG_META, &a).expect("a head");
        assert!(announced.contains(&format!(
            "<meta name=\"skydeck-catalog\" content=\"{a}\" />\n  </head>"
        )));
        assert!(
            announce(&announced, CATALOG_META, &b).is_err(),
            "announced twice"
        );
        assert!(announce("<p>no head</p>", CATALOG_META, &a).is_err());
    }

    fn site() -> BTreeMap<String, Vec<u8>> {
        BTreeMap::from([
            (
                "skydeck.js".to_owned(),
                b"import * as import1 from \"./__wasm_split.js\"\nimport * as import2 from \"./__wasm_split.js\"\nconst imports = { \"./__wasm_split.js\": import1, \"./__wasm_split.js\": import2 };\nnew URL('skydeck_bg.wasm', import.meta.url);".to_vec(),
            ),
            ("skydeck_bg.wasm".to_owned(), b"\0asm main".to_vec()),
            ("split_later.wasm".to_owned(), b"\0asm later".to_vec()),
            ("chunk_1.wasm".to_owned(), b"\0asm shared".to_vec()),
            (
                "__wasm_split.js".to_owned(),
                b"import { initSync } from \"./skydeck.js\";\nfetch(new URL(\"./chunk_1.wasm\", import.meta.url));\nfetch(new URL(\"./split_later.wasm\", import.meta.url));".to_vec(),
            ),
        ])
    }

    #[test]
    fn every_file_is_named_by_one_hash_and_the_references_follow() {
        let out = rename(site()).unwrap();
        let hash = out.stem.strip_prefix("skydeck-").unwrap().to_owned();
        assert_eq!(hash.len(), 16);
        let names: Vec<&str> = out.files.keys().map(String::as_str).collect();
        let want = [
            format!("chunk_1-{hash}.wasm"),
            format!("skydeck-{hash}.js"),
            format!("skydeck-{hash}_bg.wasm"),
            format!("split_later-{hash}.wasm"),
            format!("wasm_split-{hash}.js"),
        ];
        assert_eq!(names, want.iter().map(String::as_str).collect::<Vec<_>>());
        let glue = String::from_utf8(out.files[&want[1]].clone()).unwrap();
        // One import statement per split, each to the renamed loader.
        assert_eq!(
            glue.matches(&format!("from \"./wasm_split-{hash}.js\""))
                .count(),
            2,
            "{glue}"
        );
        assert!(!glue.contains("from \"./__wasm_split.js\""), "{glue}");
        assert!(
            glue.contains("{ \"./__wasm_split.js\": import1, \"./__wasm_split.js\": import2 }"),
            "{glue}"
        );
        assert!(
            glue.contains(&format!("'skydeck-{hash}_bg.wasm'")),
            "{glue}"
        );
        let loader = String::from_utf8(out.files[&want[4]].clone()).unwrap();
        assert!(
            loader.contains(&format!("\"./skydeck-{hash}.js\"")),
            "{loader}"
        );
        assert!(
            loader.contains(&format!("\"./chunk_1-{hash}.wasm\"")),
            "{loader}"
        );
        assert!(
            loader.contains(&format!("\"./split_later-{hash}.wasm\"")),
            "{loader}"
        );
        assert_eq!(
            out.files[&format!("split_later-{hash}.wasm")],
            b"\0asm later"
        );
    }

    #[test]
    fn any_change_changes_every_name() {
        let a = rename(site()).unwrap();
        let mut changed = site();
        changed.insert("chunk_1.wasm".to_owned(), b"\0asm shared, changed".to_vec());
        let b = rename(changed).unwrap();
        assert_ne!(a.stem, b.stem);
        assert!(a.files.keys().all(|name| !b.files.contains_key(name)));
    }

    #[test]
    fn a_reference_missing_from_the_glue_fails_the_build() {
        let mut files = site();
        files.insert(
            "skydeck.js".to_owned(),
            b"new URL('skydeck_bg.wasm', import.meta.url);".to_vec(),
        );
        let why = rename(files).unwrap_err();
        assert!(why.contains("__wasm_split.js"), "{why}");
    }
}
