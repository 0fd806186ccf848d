//! The built-in scenario library, embedded in the binary. `build.rs` walks
//! `scenarios/` and generates [`BUILTIN`] (one entry per `<slug>/scenario.toml` folder,
//! every artifact as `include_bytes!`), so an installed binary carries the library and
//! a change under `scenarios/` rebuilds it. Loading goes through
//! [`Scenario::from_files`](super::Scenario::from_files), which validates exactly as a
//! folder on disk is validated.

/// One embedded scenario folder.
#[derive(Debug)]
pub struct BuiltinScenario {
    /// The folder's name.
    pub slug: &'static str,
    /// `scenario.toml`, as bytes: the build does not assume it is UTF-8, the loader
    /// reports it if it is not.
    pub toml: &'static [u8],
    /// Every other regular file of the folder, `(name, bytes)`, sorted by name.
    pub files: &'static [(&'static str, &'static [u8])],
}

include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));
