//! YAML for workflow files: saphyr's positioned loader ([`MarkedYaml`], so every node
//! knows the line it starts on), behind guards that bound the work an input can cause.
//!
//! saphyr resolves an alias by copying the anchored subtree and keeps a copy of every
//! anchored node; it caps alias copies at 100 000 nodes (saphyr issue #109, the
//! "billion laughs" attack), but counts a mapping key as one node, and its loader
//! recurses once per nesting level. So before loading we scan the text, without
//! trusting quotes or block scalars (an over-estimate is safe, an under-estimate is
//! not), and refuse:
//! - nesting that could be deeper than [`MAX_DEPTH_BOUND`] (block nesting needs a
//!   column per level; flow nesting stops at 255 in saphyr's scanner);
//! - aliases together with collection keys (`? [..]`, `[..]: x`, `*a : x`): copying
//!   such keys escapes saphyr's budget and can grow exponentially;
//! - anchors whose copies would exceed [`MAX_COPIED_NODES`] (nested anchors each copy
//!   their whole subtree).
//!
//! GitLab itself refuses configurations over 2 MB or deeper than 150 levels by default
//! (<https://docs.gitlab.com/administration/instance_limits/#maximum-size-and-depth-of-cicd-configuration-yaml-files>,
//! <https://gitlab.com/gitlab-org/gitlab/-/issues/370116>); the limits here are looser.
//!
//! Loading runs on its own thread with a large stack, and the caller's analysis runs
//! there too, so no deep tree outlives it.
//!
//! Duplicate keys: saphyr rejects them (YAML requires unique keys); GitHub rejects the
//! whole workflow file (`'x' is already defined`), while GitLab's Ruby loader keeps the
//! last value. We record each duplicate with its position, make its key distinct and
//! load again, and lookups keep the last value.

use std::collections::{BinaryHeap, HashMap};

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::WorkflowError;

/// The largest workflow file parsed (GitLab's default limit is 2 MB).
pub(crate) const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;
/// Refuse input whose nesting could exceed this many levels.
pub(crate) const MAX_DEPTH_BOUND: usize = 2048;
/// Refuse input whose anchors could make the loader copy more nodes than this.
pub(crate) const MAX_COPIED_NODES: u64 = 2_000_000;
/// Stack of the loading thread: the loader recurses per level (about 3 KiB a level in
/// an unoptimised build), so [`MAX_DEPTH_BOUND`] levels fit with room to spare.
const PARSE_STACK_BYTES: usize = 32 * 1024 * 1024;
/// Duplicate keys recorded (each costs one more load) before giving up.
const MAX_DUPLICATES: usize = 32;
/// Files above this size are not reloaded to get past a duplicate key.
const MAX_DUPLICATE_RELOAD_BYTES: usize = 1024 * 1024;
/// Prefix given to a duplicate key so the next load accepts it (a private-use
/// character, printable in YAML; stripped again when converting).
const DUPLICATE_MARK: char = '\u{E000}';
/// Merge keys (`<<`) followed at most this deep.
const MAX_MERGE_DEPTH: usize = 8;
/// saphyr's message for a duplicate key (loader.rs).
const SAPHYR_DUPLICATE: &str = "duplicated key in mapping";
/// saphyr's message when its alias budget runs out (loader.rs).
const SAPHYR_ALIAS_BUDGET: &str = "alias expansion exceeded";

/// A YAML node and the line it starts on (1-based). A node that came from an alias
/// carries the anchored node's line.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub line: usize,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    /// Any other scalar as text (numbers in their canonical form: `1.10` reads `1.1`).
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A node with a tag outside the core schema (GitLab's `!reference`).
    Tagged(String, Box<Node>),
    /// An unknown alias or a value saphyr could not represent.
    Bad,
}

/// One `key: value` pair, in document order.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// The key as text (`true` for a boolean key: YAML 1.1 readers turn `on:` into one).
    pub fn name(&self) -> Option<&str> {
        self.key.text()
    }
}

/// A key that appeared twice in one mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub key: String,
    pub line: usize,
    pub column: usize,
}

/// The documents of one file.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub documents: Vec<Node>,
    pub duplicates: Vec<Duplicate>,
}

impl Node {
    /// The node without its tag.
    pub fn untagged(&self) -> &Node {
        match &self.kind {
            Kind::Tagged(_, inner) => inner,
            _ => self,
        }
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        match &self.kind {
            Kind::Tagged(tag, _) => Some(tag),
            _ => None,
        }
    }

    /// A scalar's text; `None` for null, collections and bad values.
    pub fn text(&self) -> Option<&str> {
        match &self.untagged().kind {
            Kind::Str(s) => Some(s),
            Kind::Bool(true) => Some("true"),
            Kind::Bool(false) => Some("false"),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.untagged().kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.untagged().kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The last entry named `key` (a duplicate key keeps the last value). Merge keys
    /// are not followed: GitHub does not support them.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| e.name() == Some(key))
    }

    /// Like [`Node::get`], then through merge keys (`<<: *defaults`, or a list of
    /// them, earlier ones winning), as GitLab reads them.
    pub fn get_merged(&self, key: &str) -> Option<&Entry> {
        self.get_merged_at(key, 0)
    }

    fn get_merged_at(&self, key: &str, depth: usize) -> Option<&Entry> {
        if let Some(found) = self.get(key) {
            return Some(found);
        }
        if depth >= MAX_MERGE_DEPTH {
            return None;
        }
        let merge = self.get("<<")?;
        match &merge.value.untagged().kind {
            Kind::Map(_) => merge.value.get_merged_at(key, depth + 1),
            Kind::Seq(items) => items.iter().find_map(|m| m.get_merged_at(key, depth + 1)),
            _ => None,
        }
    }

    /// The entries, one per key (the last of duplicates), in document order.
    pub fn entries(&self) -> Vec<&Entry> {
        let Some(all) = self.as_map() else {
            return Vec::new();
        };
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, e) in all.iter().enumerate() {
            if let Some(name) = e.name() {
                last.insert(name, i);
            }
        }
        all.iter()
            .enumerate()
            .filter(|(i, e)| e.name().is_some_and(|n| last.get(n) == Some(i)))
            .map(|(_, e)| e)
            .collect()
    }

    /// [`Node::entries`] plus the entries merge keys bring that the node does not
    /// set itself (GitLab).
    pub fn entries_merged(&self) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = Vec::new();
        self.collect_merged(&mut out, 0);
        out
    }

    fn collect_merged<'a>(&'a self, out: &mut Vec<&'a Entry>, depth: usize) {
        for e in self.entries() {
            if e.name() == Some("<<") {
                continue;
            }
            if !out.iter().any(|o| o.name() == e.name()) {
                out.push(e);
            }
        }
        if depth >= MAX_MERGE_DEPTH {
            return;
        }
        if let Some(merge) = self.get("<<") {
            match &merge.value.untagged().kind {
                Kind::Map(_) => merge.value.collect_merged(out, depth + 1),
                Kind::Seq(items) => {
                    for m in items {
                        m.collect_merged(out, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    /// A scalar, or the scalars of a sequence (one level of nested sequences flattened,
    /// as GitLab allows in scripts).
    pub fn scalars(&self) -> Vec<&Node> {
        match &self.untagged().kind {
            Kind::Seq(items) => items
                .iter()
                .flat_map(|i| match &i.untagged().kind {
                    Kind::Seq(inner) => inner.iter().filter(|n| n.text().is_some()).collect(),
                    _ if i.text().is_some() => vec![i],
                    _ => Vec::new(),
                })
                .collect(),
            _ if self.text().is_some() => vec![self],
            _ => Vec::new(),
        }
    }
}

/// Load `text` on a thread with a large stack and run `analyse` on the documents there.
pub(crate) fn with_loaded<T: Send>(
    text: &str,
    analyse: impl FnOnce(&Loaded) -> T + Send,
) -> Result<T, WorkflowError> {
    prescan(text)?;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("workflow-yaml".to_owned())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(scope, move || load(text).map(|loaded| analyse(&loaded)));
        match worker {
            Ok(handle) => handle.join().unwrap_or(Err(WorkflowError::ParserStopped)),
            Err(e) => Err(WorkflowError::ParserThread(e.to_string())),
        }
    })
}

/// Load every document, recording duplicate keys (see the module docs).
fn load(text: &str) -> Result<Loaded, WorkflowError> {
    let mut patched: Option<String> = None;
    let mut duplicates = Vec::new();
    loop {
        let source = patched.as_deref().unwrap_or(text);
        let error = match MarkedYaml::load_from_str(source) {
            Ok(documents) => {
                return Ok(Loaded {
                    documents: documents.iter().map(convert).collect(),
                    duplicates,
                });
            }
            Err(error) => error,
        };
        let mark = *error.marker();
        let (line, column) = (mark.line(), mark.col() + 1);
        if error.info() == SAPHYR_DUPLICATE
            && duplicates.len() < MAX_DUPLICATES
            && text.len() <= MAX_DUPLICATE_RELOAD_BYTES
            && let Some(offset) = byte_of_char(source, mark.index())
        {
            duplicates.push(Duplicate {
                key: key_at(&source[offset..]),
                line,
                column,
            });
            let mut next = String::with_capacity(source.len() + 3);
            next.push_str(&source[..offset]);
            next.push(DUPLICATE_MARK);
            next.push_str(&source[offset..]);
            patched = Some(next);
            continue;
        }
        if error.info().starts_with(SAPHYR_ALIAS_BUDGET) {
            return Err(WorkflowError::AliasBudget { line, column });
        }
        return Err(WorkflowError::Syntax {
            line,
            column,
            message: error.info().to_owned(),
        });
    }
}

/// The byte offset of the `index`-th character.
fn byte_of_char(s: &str, index: usize) -> Option<usize> {
    if index == s.len() {
        return Some(index);
    }
    s.char_indices().nth(index).map(|(b, _)| b)
}

/// The key text at the start of `rest`, as people wrote it (for the duplicate note).
fn key_at(rest: &str) -> String {
    let rest = rest.trim_start_matches(DUPLICATE_MARK);
    let line = rest.lines().next().unwrap_or_default();
    let key = match line.chars().next() {
        Some(q @ ('"' | '\'')) => line[1..].split(q).next().unwrap_or_default(),
        _ => line
            .split([',', '}'])
            .next()
            .unwrap_or_default()
            .split(": ")
            .next()
            .unwrap_or_default()
            .trim_end_matches(':'),
    };
    key.trim().chars().take(80).collect()
}

/// saphyr's node to ours.
fn convert(node: &MarkedYaml<'_>) -> Node {
    let line = node.span.start.line();
    let kind = match &node.data {
        YamlData::Value(Scalar::Null) => Kind::Null,
        YamlData::Value(Scalar::Boolean(b)) => Kind::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Kind::Str(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Kind::Str(f.0.to_string()),
        YamlData::Value(Scalar::String(s)) => Kind::Str(unmark(s)),
        YamlData::Representation(s, _, _) => Kind::Str(unmark(s)),
        YamlData::Sequence(items) => Kind::Seq(items.iter().map(convert).collect()),
        YamlData::Mapping(entries) => Kind::Map(
            entries
                .iter()
                .map(|(k, v)| Entry {
                    key: convert(k),
                    value: convert(v),
                })
                .collect(),
        ),
        YamlData::Tagged(tag, inner) => Kind::Tagged(tag.to_string(), Box::new(convert(inner))),
        _ => Kind::Bad,
    };
    Node { line, kind }
}

/// Undo the duplicate-key mark: the key as written (quotes removed when the mark made
/// a quoted key plain).
fn unmark(s: &str) -> String {
    if !s.starts_with(DUPLICATE_MARK) {
        return s.to_owned();
    }
    let bare = s.trim_start_matches(DUPLICATE_MARK);
    if bare.len() >= 2 && bare.starts_with('"') && bare.ends_with('"') {
        bare[1..bare.len() - 1].replace("\\\"", "\"")
    } else if bare.len() >= 2 && bare.starts_with('\'') && bare.ends_with('\'') {
        bare[1..bare.len() - 1].replace("''", "'")
    } else {
        bare.to_owned()
    }
}

/// One line of the input, as the pre-scan sees it.
struct Line {
    start: usize,
    indent: usize,
    /// Where a block collection can start: indentation plus `- `/`? `/`: ` indicators.
    prefix: usize,
    /// Blank or a comment only: it ends no block.
    blank: bool,
    /// Starts with a `- ` sequence indicator.
    dash: bool,
    /// `---` or `...` at column 1: a document boundary.
    boundary: bool,
    /// A node-count estimate: two per line, two per flow separator.
    weight: u64,
}

/// An anchor or alias token found by the pre-scan.
struct Token<'a> {
    alias: bool,
    name: &'a str,
    offset: usize,
    line: usize,
    /// Right after the line's `- `/`? ` indicators (no key before it).
    first: bool,
}

/// The checks described in the module docs. Quote-agnostic on purpose.
pub(crate) fn prescan(text: &str) -> Result<(), WorkflowError> {
    let mut lines = Vec::new();
    let mut tokens = Vec::new();
    let mut deepest = (0usize, 0usize);
    let mut collection_key: Option<usize> = None;
    let mut start = 0;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        let bytes = content.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let rest = &content[indent..];
        let blank = rest.trim().is_empty() || rest.starts_with('#');
        let boundary = content.starts_with("---") || content.starts_with("...");
        let mut prefix = indent;
        while prefix < bytes.len()
            && matches!(bytes[prefix], b'-' | b'?' | b':')
            && bytes
                .get(prefix + 1)
                .is_none_or(|b| *b == b' ' || *b == b'\t')
        {
            if bytes[prefix] == b'?' {
                collection_key.get_or_insert(line_no);
            }
            prefix += 1;
            while prefix < bytes.len() && matches!(bytes[prefix], b' ' | b'\t') {
                prefix += 1;
            }
        }
        if prefix > deepest.0 {
            deepest = (prefix, line_no);
        }
        let mut separators = 0u64;
        if !blank {
            scan_line(
                content,
                prefix,
                start,
                index,
                &mut tokens,
                &mut collection_key,
                &mut separators,
            );
        }
        lines.push(Line {
            start,
            indent,
            prefix,
            blank,
            dash: bytes.get(indent) == Some(&b'-') && prefix > indent,
            boundary,
            weight: 2 + 2 * separators,
        });
        start += raw.len() + 1;
    }

    let bound = 2 * (deepest.0 + 2) + 256;
    if bound > MAX_DEPTH_BOUND {
        return Err(WorkflowError::TooDeep {
            line: deepest.1,
            column: deepest.0 + 1,
        });
    }
    if tokens.iter().any(|t| t.alias)
        && let Some(line) = collection_key.or_else(|| alias_key_line(text, &tokens))
    {
        return Err(WorkflowError::AliasHazard {
            line,
            reason: "an alias together with a collection or an alias used as a mapping key: copying such keys is not bounded".to_owned(),
        });
    }
    anchor_copies(text.len(), &lines, &tokens)
}

/// Record anchors, aliases, flow separators and collection keys on one line.
fn scan_line<'a>(
    content: &'a str,
    prefix: usize,
    line_start: usize,
    line_index: usize,
    tokens: &mut Vec<Token<'a>>,
    collection_key: &mut Option<usize>,
    separators: &mut u64,
) {
    let bytes = content.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b',' | b'[' | b'{' => *separators += 1,
            b']' | b'}' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                if bytes.get(j) == Some(&b':')
                    && bytes
                        .get(j + 1)
                        .is_none_or(|c| matches!(c, b' ' | b'\t' | b',' | b']' | b'}'))
                {
                    collection_key.get_or_insert(line_index + 1);
                }
            }
            b'&' | b'*' => {
                let before_ok = i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
                let name_len = bytes[i + 1..]
                    .iter()
                    .take_while(|c| !matches!(c, b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}'))
                    .count();
                if before_ok && name_len > 0 {
                    tokens.push(Token {
                        alias: b == b'*',
                        name: &content[i + 1..i + 1 + name_len],
                        offset: line_start + i,
                        line: line_index,
                        first: i == prefix,
                    });
                    i += 1 + name_len;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// The line of an alias used as a key (`*a : x`, or a name ending in `:`).
fn alias_key_line(text: &str, tokens: &[Token<'_>]) -> Option<usize> {
    tokens.iter().filter(|t| t.alias).find_map(|t| {
        let after = &text[t.offset + 1 + t.name.len()..];
        let after = after.trim_start_matches([' ', '\t']);
        (t.name.ends_with(':') || after.starts_with(':')).then_some(t.line + 1)
    })
}

/// The first line after `from` that ends the node an anchor on line `from` names (an
/// over-estimate of its extent, from indentation alone).
fn anchor_end(lines: &[Line], from: usize, token: &Token<'_>) -> usize {
    let line = &lines[from];
    let bare = token.first && line.prefix == line.indent;
    let ends = |next: &Line| -> bool {
        if next.blank {
            return false;
        }
        if bare && line.indent == 0 {
            next.boundary
        } else if bare {
            next.indent < line.indent
        } else if token.first {
            // `- &a`: the item's content is indented deeper than the dash.
            next.indent <= line.indent
        } else {
            // `key: &a`: the value is indented deeper than the key, or is a
            // sequence at the key's own column (YAML allows that).
            next.indent < line.prefix || next.indent == line.prefix && !next.dash
        }
    };
    lines[from + 1..]
        .iter()
        .position(ends)
        .map_or(lines.len(), |p| from + 1 + p)
}

/// Estimate the nodes saphyr would copy for anchors (each anchored node is copied
/// once, with what aliases inside it expand to) and refuse above the limit. The walk
/// over an anchor's lines stops once the lines walked exceed the limit, so it costs
/// at most the limit in lines.
fn anchor_copies(len: usize, lines: &[Line], tokens: &[Token<'_>]) -> Result<(), WorkflowError> {
    struct Anchor {
        base: u64,
        acc_at_open: u64,
        done: Option<u64>,
    }
    type Open = BinaryHeap<std::cmp::Reverse<(usize, usize)>>;
    fn close(until: usize, open: &mut Open, anchors: &mut [Anchor], acc: u64, total: &mut u64) {
        while let Some(std::cmp::Reverse((end, id))) = open.peek().copied() {
            if end > until {
                break;
            }
            open.pop();
            let a = &mut anchors[id];
            let est = a.base.saturating_add(acc.saturating_sub(a.acc_at_open));
            a.done = Some(est);
            *total = total.saturating_add(est);
        }
    }
    if !tokens.iter().any(|t| !t.alias) {
        return Ok(());
    }
    let too_many = |line: usize| WorkflowError::AliasHazard {
        line,
        reason: format!(
            "its anchors would make the YAML loader copy more than {MAX_COPIED_NODES} nodes"
        ),
    };
    let mut anchors: Vec<Anchor> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    // Open anchors by end offset, soonest first.
    let mut open: Open = BinaryHeap::new();
    // What the aliases seen so far expand to, in total: an anchor open across an alias
    // copies that expansion too.
    let mut acc = 0u64;
    let mut total = 0u64;
    let mut walked = 0u64;
    for t in tokens {
        close(t.offset, &mut open, &mut anchors, acc, &mut total);
        if total > MAX_COPIED_NODES || acc > MAX_COPIED_NODES.saturating_mul(1024) {
            return Err(too_many(t.line + 1));
        }
        if t.alias {
            if let Some(&id) = by_name.get(t.name) {
                let a = &anchors[id];
                let expands = a
                    .done
                    .unwrap_or_else(|| a.base.saturating_add(acc.saturating_sub(a.acc_at_open)));
                acc = acc.saturating_add(expands);
            }
            continue;
        }
        let end_line = anchor_end(lines, t.line, t);
        walked = walked.saturating_add((end_line - t.line) as u64);
        if walked > MAX_COPIED_NODES {
            return Err(too_many(t.line + 1));
        }
        let end = lines
            .get(end_line)
            .map_or(len, |l| l.start)
            .max(t.offset + 1);
        let base = lines[t.line..end_line]
            .iter()
            .map(|l| l.weight)
            .fold(0u64, u64::saturating_add);
        by_name.insert(t.name, anchors.len());
        open.push(std::cmp::Reverse((end, anchors.len())));
        anchors.push(Anchor {
            base,
            acc_at_open: acc,
            done: None,
        });
    }
    close(usize::MAX, &mut open, &mut anchors, acc, &mut total);
    if total > MAX_COPIED_NODES {
        return Err(too_many(tokens.last().map_or(1, |t| t.line + 1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> Loaded {
        with_loaded(text, |l| Loaded {
            documents: l.documents.clone(),
            duplicates: l.duplicates.clone(),
        })
        .unwrap()
    }

    #[test]
    fn nodes_carry_their_line_and_column() {
        let l = loaded("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n");
        let root = &l.documents[0];
        let jobs = root.get("jobs").unwrap();
        assert_eq!(jobs.key.line, 2);
        let deploy = jobs.value.get("deploy").unwrap();
        assert_eq!(deploy.key.line, 3);
        assert_eq!(
            deploy.value.get("runs-on").unwrap().value.text(),
            Some("ubuntu-latest")
        );
    }

    #[test]
    fn on_stays_a_string_and_true_is_a_boolean_key() {
        let l = loaded("on: push\ntrue: pull_request\n");
        let root = &l.documents[0];
        assert!(root.get("on").is_some());
        let t = root.get("true").unwrap();
        assert!(matches!(t.key.kind, Kind::Bool(true)));
    }

    #[test]
    fn duplicate_keys_are_recorded_and_the_last_value_wins() {
        let l = loaded("a: 1\nb: 2\na: 3\n\"a\": 4\n");
        assert_eq!(l.duplicates.len(), 2, "{:?}", l.duplicates);
        assert_eq!(
            l.duplicates[0],
            Duplicate {
                key: "a".into(),
                line: 3,
                column: 1
            }
        );
        assert_eq!(l.duplicates[1].key, "a");
        assert_eq!(l.documents[0].get("a").unwrap().value.text(), Some("4"));
        assert_eq!(l.documents[0].entries().len(), 2);
    }

    #[test]
    fn duplicate_keys_in_flow_mappings_too() {
        let l = loaded("x: {a: 1, a: 2}\n");
        assert_eq!(l.duplicates.len(), 1);
        let x = &l.documents[0].get("x").unwrap().value;
        assert_eq!(x.get("a").unwrap().value.text(), Some("2"));
    }

    #[test]
    fn merge_keys_are_followed_only_when_asked() {
        let l =
            loaded(".base: &base\n  image: alpine\n  tags: [a]\njob:\n  <<: *base\n  tags: [b]\n");
        let job = &l.documents[0].get("job").unwrap().value;
        assert!(job.get("image").is_none());
        assert_eq!(
            job.get_merged("image").unwrap().value.text(),
            Some("alpine")
        );
        let tags = job.get_merged("tags").unwrap();
        assert_eq!(tags.value.scalars()[0].text(), Some("b"));
        let names: Vec<_> = job
            .entries_merged()
            .iter()
            .filter_map(|e| e.name())
            .collect();
        assert_eq!(names, vec!["tags", "image"]);
    }

    #[test]
    fn tags_are_kept() {
        let l = loaded("job:\n  script:\n    - !reference [.setup, script]\n    - echo hi\n");
        let script = &l.documents[0]
            .get("job")
            .unwrap()
            .value
            .get("script")
            .unwrap()
            .value;
        let first = &script.as_seq().unwrap()[0];
        assert_eq!(first.tag(), Some("!reference"));
        assert_eq!(first.as_seq().unwrap().len(), 2);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = with_loaded("on: push\njobs:\n  a: [1, 2\n", |_| ()).unwrap_err();
        match err {
            WorkflowError::Syntax { line, column, .. } => {
                assert!(line >= 3 && column >= 1, "{line}:{column}")
            }
            other => panic!("{other:?}"),
        }
        let tabs = with_loaded("jobs:\n\tdeploy:\n\t\truns-on: x\n", |_| ()).unwrap_err();
        assert!(
            matches!(tabs, WorkflowError::Syntax { line: 2, .. }),
            "{tabs:?}"
        );
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let err = with_loaded(&s, |_| ()).unwrap_err();
        assert!(
            matches!(
                err,
                WorkflowError::AliasBudget { .. } | WorkflowError::AliasHazard { .. }
            ),
            "{err:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn alias_keys_and_collection_keys_with_aliases_are_refused() {
        for text in [
            "a: &a {x: 1}\nb:\n  ? *a\n  : 1\n",
            "a: &a [1]\nb: {[*a]: 1}\n",
            "a: &a x\nb:\n  *a : 1\n",
        ] {
            let err = prescan(text).unwrap_err();
            assert!(
                matches!(err, WorkflowError::AliasHazard { .. }),
                "{text}: {err:?}"
            );
        }
        // Collection keys without aliases are fine.
        prescan("? [a, b]\n: 1\n").unwrap();
    }

    #[test]
    fn nested_anchors_around_a_large_body_are_refused() {
        let mut s = String::new();
        for i in 0..150 {
            s.push_str(&format!("{}k{i}: &n{i}\n", "  ".repeat(i)));
        }
        s.push_str(&format!("{}leaf: [", "  ".repeat(150)));
        for _ in 0..20_000 {
            s.push_str("x, ");
        }
        s.push_str("x]\n");
        let started = std::time::Instant::now();
        let err = with_loaded(&s, |_| ()).unwrap_err();
        assert!(matches!(err, WorkflowError::AliasHazard { .. }), "{err:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn realistic_anchor_use_is_accepted() {
        let mut s = String::from(
            ".defaults: &defaults\n  image: alpine\n  before_script:\n    - echo setup\n",
        );
        for i in 0..300 {
            s.push_str(&format!(
                "job{i}:\n  <<: *defaults\n  script:\n    - echo {i}\n"
            ));
        }
        let l = loaded(&s);
        assert_eq!(l.documents[0].entries().len(), 301);
    }

    #[test]
    fn deep_nesting_is_refused_before_the_recursive_loader_sees_it() {
        let deep = format!("{}x\n", "- ".repeat(5000));
        let err = with_loaded(&deep, |_| ()).unwrap_err();
        assert!(
            matches!(err, WorkflowError::TooDeep { line: 1, .. }),
            "{err:?}"
        );
        let flow = format!("{}{}\n", "[".repeat(300), "]".repeat(300));
        let err = with_loaded(&flow, |_| ()).unwrap_err();
        assert!(matches!(err, WorkflowError::Syntax { .. }), "{err:?}");
        // Moderate nesting loads.
        let ok = format!("{}x\n", "- ".repeat(300));
        with_loaded(&ok, |_| ()).unwrap();
    }
}
