//! The module layers never loop (ARCHITECTURE.md): each module of the library may use
//! only modules of its own layer or below. This test reads every `crate::…` path in
//! the library's non-test source and fails on one that reaches up a layer, naming the
//! file and line, so the shape survives refactors that the compiler would accept.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first. A module not listed here fails the test: place it.
const LAYERS: &[&[&str]] = &[
    &["text", "clock"],
    &["vocabulary"],
    &["token"],
    &["policy"],
    &["evidence"],
    &["diagnosis"],
    &["report", "scenario", "practice", "sample"],
    &["tui"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a library file belongs to (`src/policy/aws/verdict.rs` →
/// `policy`), or `None` for the crate root and the binary's own files.
fn owning_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        "lib" | "main" | "cli" => None,
        _ => Some(name.to_owned()),
    }
}

/// Every `crate::module` a line names.
fn referenced_modules(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + "crate::".len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        // `oidc_triage::` or `$crate::` are not this crate's internal paths.
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            out.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out
}

fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(module) = owning_module(&src, &file) else {
            continue;
        };
        let Some(own) = layer_of(&module) else {
            found.push(format!(
                "{}: module `{module}` is in no layer",
                file.display()
            ));
            continue;
        };
        let text = fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // Test modules may use the whole crate.
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in referenced_modules(line) {
                let Some(theirs) = layer_of(target) else {
                    found.push(format!(
                        "{}:{}: `crate::{target}` is in no layer",
                        file.display(),
                        n + 1
                    ));
                    continue;
                };
                if theirs > own {
                    found.push(format!(
                        "{}:{}: `{module}` (layer {own}) uses `crate::{target}` (layer {theirs})",
                        file.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_imports_a_higher_layer() {
    let found = violations();
    assert!(
        found.is_empty(),
        "imports up a layer:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reader_sees_imports() {
    assert_eq!(
        referenced_modules("use crate::diagnosis::{Stage}; crate::text::x"),
        ["diagnosis", "text"]
    );
    assert!(referenced_modules("use oidc_triage::diagnosis;").is_empty());
}
