//! The TUI's words in one place: the help table, the footer hints, fixed messages.
//! Keys follow terminal habits (arrows and hjkl, Tab between panes, Enter opens, Esc
//! goes back, `/` searches, q quits).

/// Every key, for the `?` overlay: (keys, what they do).
pub const KEYS: &[(&str, &str)] = &[
    ("←/→  h/l  1-5", "select a stage"),
    (
        "Tab  Shift-Tab",
        "next/previous pane (stages, detail, artifacts)",
    ),
    ("↑/↓  j/k", "scroll the detail; move in the artifacts"),
    ("PgUp/PgDn  g/G", "page up/down; top/bottom"),
    ("Enter", "open: stage → detail; artifact → its stage"),
    ("Esc", "back: close a window, end the search"),
    ("paste", "add what you paste (bracketed paste)"),
    ("a", "add evidence: type a path, or paste"),
    ("v  Ctrl-V", "add the system clipboard's text"),
    ("d  Delete", "remove the selected artifact"),
    ("u", "undo: put back the artifact removed last"),
    ("Ctrl-N", "new incident: drop every input and start clean"),
    ("/  n  N", "search the evidence; next/previous match"),
    ("w", "what-if: edit a claim, re-check trust"),
    ("c", "copy the RCA report (markdown, redacted)"),
    ("y", "copy the one-line summary"),
    ("p", "practice mode"),
    (
        "click  wheel",
        "select a stage or artifact; scroll what is under it",
    ),
    ("?", "show or hide this help"),
    ("q  Ctrl-C", "quit"),
];

pub const FOOTER_STAGES: &str =
    "←/→ stage  Tab pane  a add  c copy RCA  w what-if  / search  ? help  q quit";
pub const FOOTER_DETAIL: &str =
    "↑/↓ scroll  PgUp/PgDn  / search  n/N match  Tab pane  Esc back  ? help";
pub const FOOTER_ARTIFACTS: &str =
    "↑/↓ select  Enter its stage  d remove  a add  Tab pane  Esc back  ? help";
pub const FOOTER_ADD: &str = "paste, or type a path  Enter add  Ctrl-V clipboard  Esc cancel";
pub const FOOTER_SEARCH: &str = "type to search  Enter done  Esc cancel";
pub const FOOTER_WHAT_IF: &str =
    "↑/↓ claim  Enter edit  p PR subject  x remove  r reset  Esc close";
pub const FOOTER_WHAT_IF_EDIT: &str = "type the value  Enter apply  Esc cancel";
pub const FOOTER_HELP: &str = "? or Esc close  q quit";

pub const WHAT_IF_NEEDS_TOKEN: &str =
    "what-if needs a token or claim set: paste one (or press a) first";
pub const ADD_EVIDENCE_HINT: &str = "Paste a token, a log, an export or a policy (your terminal's paste), or type the path of a file or directory and press Enter.";
pub const SAMPLE_SOURCE: &str = "built-in sample incident";
pub const NEW_INCIDENT_SOURCE: &str = "new incident";
pub const NEW_INCIDENT_QUESTION: &str = "This is the built-in sample incident: its fixed clock and its keys would judge your evidence, and its findings would read as yours. Start a new incident with it?";
pub const FOOTER_NEW_INCIDENT: &str = "Enter new incident  s add to the sample  Esc cancel";
pub const NO_EVIDENCE: &str = "(no evidence for this stage)";
