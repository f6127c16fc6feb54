//! Removes a dependency's JavaScript bindings that the app can never use,
//! from cargo's module, before it is split and bound.
//!
//! Leptos's `csr` feature turns on server_fn's `browser` feature, which
//! links wasm-streams. wasm-streams exports three classes to JavaScript
//! (`IntoUnderlyingSource`, `IntoUnderlyingByteSource`,
//! `IntoUnderlyingSink`, for handing Rust streams to the browser's streams
//! API). An export is a root for everything downstream: wasm_split keeps
//! its code in the main module, and wasm-bindgen writes a class for each
//! into the glue, with the imports only they call. SkyDeck has no server
//! functions and makes no stream, so all of it was first-load bytes that
//! never run.
//!
//! [`prune`] drops those exports (each ends with the crate's hash, as
//! wasm-bindgen names them) and the crate's entries in wasm-bindgen's
//! metadata (the `__wasm_bindgen_unstable` custom section, where each entry
//! names its crate), with the exports that describe the imports those
//! entries declared. Every other section is copied byte for byte, in
//! order, so the linker's relocations (which count sections and offsets
//! within them) still hold. If code that is kept still called into what
//! was dropped, wasm-bindgen would stop the build (an import or export it
//! has no description of): the page never meets it.

use std::collections::BTreeSet;
use std::ops::Range;

use wasm_encoder::{CustomSection, ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload};

/// The crates whose bindings go, by their Cargo name.
pub const UNUSED_BINDINGS: &[&str] = &["wasm-streams"];

/// wasm-bindgen's metadata section.
const BINDGEN_SECTION: &str = "__wasm_bindgen_unstable";

/// What [`prune`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Metadata entries (one per exported item or import block).
    pub entries: usize,
    /// Exports.
    pub exports: usize,
}

/// `wasm` without the bindings of `crates` (see the module's docs).
pub fn prune(wasm: &[u8], crates: &[&str]) -> Result<(Vec<u8>, Pruned), String> {
    let bad = |e: wasmparser::BinaryReaderError| format!("reading the module: {e}");
    // First the metadata: which crates' entries are there, and which
    // import shims they declare.
    let mut found = Found::default();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CustomSection(section) = payload.map_err(bad)? {
            if section.name() == BINDGEN_SECTION {
                found.read(section.data(), crates)?;
            }
        }
    }
    let mut pruned = Pruned::default();
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(bad)?;
        match &payload {
            Payload::Version { .. } | Payload::End(_) => continue,
            Payload::ExportSection(exports) => {
                let mut kept = ExportSection::new();
                for export in exports.clone() {
                    let export = export.map_err(bad)?;
                    if found.drops_export(export.name) {
                        pruned.exports += 1;
                    } else {
                        kept.export(export.name, kind(export.kind)?, export.index);
                    }
                }
                module.section(&kept);
            }
            Payload::CustomSection(section) if section.name() == BINDGEN_SECTION => {
                let (data, entries) = found.keep_entries(section.data())?;
                pruned.entries += entries;
                module.section(&CustomSection {
                    name: BINDGEN_SECTION.into(),
                    data: data.into(),
                });
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    let range = usize::try_from(range.start).map_err(|e| e.to_string())?
                        ..usize::try_from(range.end).map_err(|e| e.to_string())?;
                    module.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    Ok((module.finish(), pruned))
}

fn kind(kind: ExternalKind) -> Result<ExportKind, String> {
    Ok(match kind {
        ExternalKind::Func => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
        other => {
            return Err(format!(
                "an export of a kind this step does not know: {other:?}"
            ))
        }
    })
}

/// What the metadata says of the crates to drop.
#[derive(Debug, Default)]
struct Found {
    /// Their identifiers' hashes (`wasm-streams-<hash>`): wasm-bindgen ends
    /// the name of every export it generates for the crate with it.
    hashes: BTreeSet<String>,
    /// The import shims their entries declare (`__wbg_…`): each has an
    /// export that describes it.
    shims: BTreeSet<String>,
    /// Their crate identifiers, as the entries spell them.
    identifiers: BTreeSet<String>,
}

impl Found {
    /// Reads the metadata: a run of entries, each a schema stamp then a
    /// program (each length-prefixed, a little-endian u32).
    fn read(&mut self, data: &[u8], crates: &[&str]) -> Result<(), String> {
        for (_, program) in entries(data)? {
            if let Some(identifier) = crate_identifier(program, crates) {
                let hash = identifier.rsplit('-').next().unwrap_or_default();
                self.hashes.insert(hash.to_owned());
                self.identifiers.insert(identifier);
                self.shims.extend(shims(program));
            }
        }
        Ok(())
    }

    fn drops_export(&self, name: &str) -> bool {
        self.hashes.iter().any(|hash| {
            name.strip_suffix(hash.as_str())
                .is_some_and(|n| n.ends_with('_'))
        }) || name
            .strip_prefix("__wbindgen_describe_")
            .is_some_and(|shim| self.shims.contains(shim))
    }

    /// The metadata without the dropped crates' entries, and how many went.
    fn keep_entries(&self, data: &[u8]) -> Result<(Vec<u8>, usize), String> {
        let mut kept = Vec::with_capacity(data.len());
        let mut dropped = 0;
        for (entry, program) in entries(data)? {
            if self.identifiers.iter().any(|id| names(program, id)) {
                dropped += 1;
            } else {
                kept.extend_from_slice(&data[entry]);
            }
        }
        Ok((kept, dropped))
    }
}

/// A metadata entry: its whole byte range (stamp and program) and its
/// program.
type Entry<'a> = (Range<usize>, &'a [u8]);

/// The metadata's entries, in order.
fn entries(data: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let start = at;
        let stamp = blob(data, &mut at)?;
        if !(stamp.starts_with(b"{") && stamp.ends_with(b"}")) {
            return Err(format!(
                "{BINDGEN_SECTION}: no schema stamp at byte {start} (a wasm-bindgen this step does not know)"
            ));
        }
        let program = blob(data, &mut at)?;
        out.push((start..at, program));
    }
    Ok(out)
}

/// One length-prefixed blob at `*at`.
fn blob<'a>(data: &'a [u8], at: &mut usize) -> Result<&'a [u8], String> {
    let truncated = || format!("{BINDGEN_SECTION}: truncated at byte {at}");
    let len = data
        .get(*at..*at + 4)
        .ok_or_else(truncated)?
        .try_into()
        .map(u32::from_le_bytes)
        .map_err(|_| truncated())? as usize;
    let blob = data.get(*at + 4..*at + 4 + len).ok_or_else(truncated)?;
    *at += 4 + len;
    Ok(blob)
}

/// The crate identifier a program names (`<crate>-<16 hex digits>`,
/// after its one-byte length) if it is one of `crates`'.
fn crate_identifier(program: &[u8], crates: &[&str]) -> Option<String> {
    (1..program.len()).find_map(|at| {
        let len = usize::from(program[at - 1]);
        let text = std::str::from_utf8(program.get(at..at + len)?).ok()?;
        let (name, hash) = text.rsplit_once('-')?;
        let hashed = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        (hashed && crates.contains(&name)).then(|| text.to_owned())
    })
}

/// Whether `program` holds `text` as a string (after its one-byte length).
fn names(program: &[u8], text: &str) -> bool {
    let Ok(len) = u8::try_from(text.len()) else {
        return false;
    };
    let mut needle = vec![len];
    needle.extend_from_slice(text.as_bytes());
    program.windows(needle.len()).any(|w| w == needle)
}

/// The import shims a program names (`__wbg_…`, identifier characters).
fn shims(program: &[u8]) -> impl Iterator<Item = String> + '_ {
    const SHIM: &[u8] = b"__wbg_";
    program
        .windows(SHIM.len())
        .enumerate()
        .filter(|(_, w)| *w == SHIM)
        .map(move |(at, _)| {
            let end = program[at..]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .map_or(program.len(), |n| at + n);
            String::from_utf8_lossy(&program[at..end]).into_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, CustomSection, Function, FunctionSection, Instruction, TypeSection,
    };

    const STREAMS: &str = "wasm-streams-58a9338f50bce61c";
    const OTHER: &str = "gloo-net-e8804096f9bd853a";

    /// A metadata entry: the schema stamp, then a program naming `crate_id`
    /// (and an import shim).
    fn entry(crate_id: &str, shim: &str) -> Vec<u8> {
        let mut program = vec![0, 0, 1];
        program.push(shim.len() as u8);
        program.extend_from_slice(shim.as_bytes());
        program.extend_from_slice(&[0, 0]);
        program.push(crate_id.len() as u8);
        program.extend_from_slice(crate_id.as_bytes());
        program.extend_from_slice(&[0xae, 0x80, 0x80, 0x80, 0x00, 0, 0]);
        let mut out = Vec::new();
        for blob in [
            &br#"{"schema_version":"0.2.130","version":"0.2.130"}"#[..],
            &program,
        ] {
            out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            out.extend_from_slice(blob);
        }
        out
    }

    /// A module with four functions, exported under these names, the
    /// metadata of both crates and a section after them (the linker's
    /// `linking` stands for the relocations and symbols).
    fn module(exports: &[&str]) -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for _ in exports {
            functions.function(0);
            let mut body = Function::new([]);
            body.instruction(&Instruction::End);
            code.function(&body);
        }
        let mut export = ExportSection::new();
        for (i, name) in exports.iter().enumerate() {
            export.export(name, ExportKind::Func, i as u32);
        }
        let mut metadata = entry(OTHER, "__wbg_fetch_8d9b732df7467c44");
        metadata.extend(entry(
            STREAMS,
            "__wbg_new_with_into_underlying_source_10a8d5a675a6a5f5",
        ));
        let mut module = Module::new();
        module
            .section(&types)
            .section(&functions)
            .section(&export)
            .section(&code)
            .section(&CustomSection {
                name: BINDGEN_SECTION.into(),
                data: metadata.into(),
            })
            .section(&CustomSection {
                name: "linking".into(),
                data: (&[2, 1, 2, 3][..]).into(),
            });
        module.finish()
    }

    fn exports(wasm: &[u8]) -> Vec<String> {
        Parser::new(0)
            .parse_all(wasm)
            .filter_map(|p| match p.expect("valid") {
                Payload::ExportSection(e) => Some(
                    e.into_iter()
                        .map(|e| e.expect("valid").name.to_owned())
                        .collect(),
                ),
                _ => None,
            })
            .next()
            .unwrap_or_default()
    }

    fn custom(wasm: &[u8], name: &str) -> Vec<u8> {
        Parser::new(0)
            .parse_all(wasm)
            .find_map(|p| match p.expect("valid") {
                Payload::CustomSection(c) if c.name() == name => Some(c.data().to_vec()),
                _ => None,
            })
            .expect("the section")
    }

    #[test]
    fn drops_the_crates_exports_and_entries_and_keeps_the_rest_as_it_was() {
        let wasm = module(&[
            "intounderlyingsink_write_58a9338f50bce61c",
            "__wbg_intounderlyingsink_free_58a9338f50bce61c",
            "__wbindgen_describe___wbg_new_with_into_underlying_source_10a8d5a675a6a5f5",
            "__wbindgen_describe___wbg_fetch_8d9b732df7467c44",
            "main",
            "not_58a9338f50bce61c_but_near",
        ]);
        let (pruned, counts) = prune(&wasm, UNUSED_BINDINGS).expect("pruned");
        wasmparser::Validator::new()
            .validate_all(&pruned)
            .expect("a valid module");
        assert_eq!(
            exports(&pruned),
            [
                "__wbindgen_describe___wbg_fetch_8d9b732df7467c44",
                "main",
                "not_58a9338f50bce61c_but_near"
            ]
        );
        assert_eq!(
            counts,
            Pruned {
                entries: 1,
                exports: 3
            }
        );
        assert_eq!(
            custom(&pruned, BINDGEN_SECTION),
            entry(OTHER, "__wbg_fetch_8d9b732df7467c44")
        );
        assert_eq!(custom(&pruned, "linking"), [2, 1, 2, 3]);
        // Nothing to drop: the same bytes.
        let (same, none) = prune(&wasm, &["serde"]).expect("pruned");
        assert_eq!(same, wasm);
        assert_eq!(none, Pruned::default());
    }

    #[test]
    fn refuses_metadata_it_cannot_read() {
        let mut wasm = Module::new();
        wasm.section(&CustomSection {
            name: BINDGEN_SECTION.into(),
            data: (&[5, 0, 0, 0, b'x'][..]).into(),
        });
        let why = prune(&wasm.finish(), UNUSED_BINDINGS).unwrap_err();
        assert!(why.contains("truncated"), "{why}");
    }
}
