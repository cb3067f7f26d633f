//! Architecture checks on `src/`, run by CI as part of `cargo test`.
//!
//! Layering rule: `LAYERS` stacks the top-level modules from the top layer down, and a module may
//! refer only to modules in its own layer or a lower one, so imports run one way; a new top-level
//! module fails the check until it is added to `LAYERS`. Import cycles (between files or between
//! top-level modules) and source files over 500 lines fail too.
//! The sources are read as text with `std` only; the crate itself is not built or linked.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules, from the top layer to the bottom one.
const LAYERS: &[&[&str]] = &[
    &["openapi"],
    &["jwt", "session"],
    &["layer"],
    &["authz"],
    &["flow"],
    &["backend", "issue"],
    &["revocation"],
    &["keys"],
    &["token", "error", "time", "response", "cookie_scan"],
];

const MAX_LINES: usize = 500;

/// One `.rs` file under `src/`.
struct SourceFile {
    /// Path shown in messages, like `src/keys/set.rs`.
    path: String,
    /// Module path, like `keys::set` ("" for the crate root).
    module: String,
    text: String,
}

/// Module graph: from -> to -> one `file:line` that creates the edge.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// A token of source text with comments and literals removed.
struct Tok {
    text: String,
    line: usize,
}

/// A path as tokens, like `super`, `keys`, `KeySet`.
type Segments<'t> = Vec<&'t Tok>;

fn load_sources() -> Vec<SourceFile> {
    let src = Path::new(option_env!("CARGO_MANIFEST_DIR").unwrap_or(".")).join("src");
    let mut paths = Vec::new();
    walk(&src, &mut paths);
    paths.sort();
    assert!(!paths.is_empty(), "no .rs files under {}", src.display());
    let read = |path: &PathBuf| {
        let rel = path.strip_prefix(&src).unwrap_or(path);
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
        let (path, module) = (format!("src/{}", parts.join("/")), module_of(rel));
        SourceFile { path, module, text }
    };
    paths.iter().map(read).collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for path in entries.flatten().map(|entry| entry.path()) {
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `lib.rs` -> "", `a.rs` and `a/mod.rs` -> `a`, `a/b/c.rs` -> `a::b::c` (path relative to src/).
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into()).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    let root = parts.is_empty() && (stem == "lib" || stem == "main");
    if !root && stem != "mod" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

/// Splits source text into words, `::` and single marks, skipping whitespace, comments and
/// string/char literals (paths inside those are never seen).
fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let (mut toks, mut line, mut i) = (Vec::new(), 1, 0);
    while i < c.len() {
        let start = i;
        match (c[i], at(i + 1)) {
            ('/', '/') => i = (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len()),
            ('/', '*') => {
                let mut depth = 0; // block comments nest
                while i < c.len() {
                    match (c[i], at(i + 1)) {
                        ('/', '*') => (depth, i) = (depth + 1, i + 2),
                        ('*', '/') => (depth, i) = (depth - 1, i + 2),
                        _ => i += 1,
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            ('"', _) => i = string_end(&c, i + 1, None),
            ('\'', '\\') => {
                i = (i + 3..c.len())
                    .find(|&j| c[j] == '\'')
                    .map_or(c.len(), |j| j + 1)
            }
            ('\'', _) if at(i + 2) == '\'' => i += 3, // a char; otherwise a lifetime
            (ch, _) if word_char(ch) => {
                while i < c.len() && word_char(c[i]) {
                    i += 1;
                }
                let text: String = c[start..i].iter().collect();
                let hashes = c[i..].iter().take_while(|&&ch| ch == '#').count();
                if matches!(text.as_str(), "b" | "c") && at(i) == '"' {
                    i = string_end(&c, i + 1, None);
                } else if matches!(text.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                    i = string_end(&c, i + hashes + 1, Some(hashes));
                } else {
                    toks.push(Tok { text, line });
                }
            }
            (ch, next) => {
                i += if (ch, next) == (':', ':') { 2 } else { 1 };
                let text = c[start..i].iter().collect();
                if !ch.is_whitespace() {
                    toks.push(Tok { text, line });
                }
            }
        }
        let skipped = &c[start..i.min(c.len())];
        line += skipped.iter().filter(|&&ch| ch == '\n').count();
    }
    toks
}

/// Index just past a string literal whose body starts at `i`; `raw` is a raw string's `#` count.
fn string_end(c: &[char], mut i: usize, raw: Option<usize>) -> usize {
    while i < c.len() {
        let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
        match (c[i], raw) {
            ('\\', None) => i += 1,
            ('"', None) => return i + 1,
            ('"', Some(n)) if hashes >= n => return i + 1 + n,
            _ => {}
        }
        i += 1;
    }
    c.len()
}

fn word_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

fn is_word(s: &str) -> bool {
    s.starts_with(word_char)
}

/// Parses the use tree at `pos`, pushing every full path it names: `a::{b, c::d}` -> `a::b`, `a::c::d`.
fn use_tree<'t>(
    t: &'t [Tok],
    pos: &mut usize,
    mut path: Segments<'t>,
    out: &mut Vec<Segments<'t>>,
) {
    while let Some(tok) = t.get(*pos) {
        *pos += 1;
        match tok.text.as_str() {
            "{" => {
                while t.get(*pos).is_some_and(|t| t.text != "}" && t.text != ";") {
                    use_tree(t, pos, path.clone(), out);
                }
                // Past the `}` and a `,` after it.
                *pos += 1 + usize::from(t.get(*pos + 1).is_some_and(|t| t.text == ","));
                return;
            }
            "," => break,
            "}" | ";" => {
                *pos -= 1; // left for the enclosing group
                break;
            }
            "as" => *pos += 1,
            // A leading `::` names an extern crate: kept as the head, it resolves to nothing.
            "::" if path.is_empty() => path.push(tok),
            w if is_word(w) => path.push(tok),
            _ => {}
        }
    }
    out.push(path);
}

/// Resolves a path written in module `here` to the longest prefix that is a file module;
/// `None` for paths outside the crate and for the crate root itself.
fn resolve(path: &[&str], here: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let (mut full, rest) = match *path.first()? {
        "crate" => (vec![], &path[1..]),
        "self" => (here.to_vec(), &path[1..]),
        "super" => {
            let n = path.iter().take_while(|s| **s == "super").count();
            (here[..here.len().checked_sub(n)?].to_vec(), &path[n..])
        }
        // A path may start with a child module of the current one (`child::f()`).
        child if modules.contains(&[here, &[child.into()]].concat().join("::")) => {
            (here.to_vec(), path)
        }
        _ => return None,
    };
    full.extend(rest.iter().map(|s| s.to_string()));
    let mut prefixes = (1..=full.len()).rev().map(|n| full[..n].join("::"));
    prefixes.find(|m| modules.contains(m))
}

/// Every file module a source file refers to (self references included), with the line.
fn references(text: &str, module: &str, modules: &BTreeSet<String>) -> Vec<(String, usize)> {
    let toks = tokenize(text);
    let word = |i: usize| toks.get(i).map_or("", |t| t.text.as_str());
    let before = |i: usize, n: usize| i.checked_sub(n).map_or("", word);
    let mut here: Vec<String> = module.split_terminator("::").map(String::from).collect();
    let mut inline = Vec::new(); // brace depth inside each open inline `mod x { .. }`
    let (mut depth, mut out, mut i) = (0usize, Vec::new(), 0);
    while i < toks.len() {
        let (mut paths, mut next) = (Vec::new(), i + 1);
        match word(i) {
            "{" => depth += 1,
            "}" => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                    here.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if word(i + 2) == "{" => {
                inline.push(depth + 1);
                here.push(word(i + 1).to_string());
            }
            "use" if is_word(word(i + 1)) || matches!(word(i + 1), "::" | "{") => {
                use_tree(&toks, &mut next, Vec::new(), &mut paths);
            }
            // An inline path such as `crate::a::B` or `super::f()`, not a `pub(in path)`.
            w if is_word(w)
                && word(i + 1) == "::"
                && !matches!(before(i, 1), "::" | ".")
                && !(before(i, 1) == "in" && before(i, 2) == "(") =>
            {
                let mut path = vec![&toks[i]];
                while word(next) == "::" && is_word(word(next + 1)) {
                    path.push(&toks[next + 1]);
                    next += 2;
                }
                paths.push(path);
            }
            _ => {}
        }
        for path in paths {
            let segments: Vec<&str> = path.iter().map(|t| t.text.as_str()).collect();
            if let (Some(m), Some(last)) = (resolve(&segments, &here, modules), path.last()) {
                out.push((m, last.line));
            }
        }
        i = next;
    }
    out
}

/// File-module graph, without self edges and edges to the root (which resolve never yields).
fn file_graph(files: &[SourceFile]) -> Graph {
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let mut graph = Graph::new();
    for file in files.iter().filter(|f| !f.module.is_empty()) {
        for (to, line) in references(&file.text, &file.module, &modules) {
            if to != file.module {
                let at = format!("{}:{line}", file.path);
                let edges = graph.entry(file.module.clone()).or_default();
                edges.entry(to).or_insert(at);
            }
        }
    }
    graph
}

fn top(module: &str) -> String {
    module.split("::").next().unwrap_or_default().to_string()
}

/// The graph with every module collapsed to its first path segment.
fn top_level(graph: &Graph) -> Graph {
    let mut collapsed = Graph::new();
    for (from, edges) in graph {
        for (to, at) in edges.iter().filter(|(to, _)| top(to) != top(from)) {
            let entry = collapsed.entry(top(from)).or_default();
            entry.entry(top(to)).or_insert_with(|| at.clone());
        }
    }
    collapsed
}

/// Strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Tarjan<'g> {
        index: BTreeMap<&'g str, (usize, usize)>, // (index, lowlink)
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(graph: &'g Graph, t: &mut Tarjan<'g>, v: &'g str) {
        let n = t.index.len();
        t.index.insert(v, (n, n));
        t.stack.push(v);
        for w in graph.get(v).into_iter().flat_map(|edges| edges.keys()) {
            let w = w.as_str();
            let low = match t.index.get(w) {
                None => {
                    visit(graph, t, w);
                    t.index[w].1
                }
                Some(&(index, _)) if t.stack.contains(&w) => index,
                Some(_) => continue,
            };
            if let Some(entry) = t.index.get_mut(v) {
                entry.1 = entry.1.min(low);
            }
        }
        if t.index[v].0 == t.index[v].1 {
            let at = t.stack.iter().rposition(|&w| w == v).unwrap_or(0);
            let mut scc: Vec<String> = t.stack.drain(at..).map(String::from).collect();
            if scc.len() > 1 {
                scc.sort();
                t.found.push(scc);
            }
        }
    }
    let mut tarjan = Tarjan::default();
    for v in graph.keys() {
        if !tarjan.index.contains_key(v.as_str()) {
            visit(graph, &mut tarjan, v);
        }
    }
    tarjan.found
}

/// A component's modules and its shortest cycle through the first one, with a `file:line` per edge.
fn describe(graph: &Graph, scc: &[String]) -> String {
    let start = scc[0].as_str();
    // Breadth-first from `start`; `prev[start]` ends up as the last hop of a shortest cycle.
    let (mut prev, mut queue) = (BTreeMap::new(), VecDeque::from([start]));
    while let Some(u) = queue.pop_front() {
        for w in graph[u].keys().filter(|w| scc.contains(w)) {
            if !prev.contains_key(w.as_str()) {
                prev.insert(w.as_str(), u);
                queue.push_back(w);
            }
        }
    }
    let mut cycle = vec![start];
    while let Some(&p) = prev.get(cycle[cycle.len() - 1]) {
        cycle.push(p);
        if p == start {
            break;
        }
    }
    cycle.reverse();
    let mut text = format!("cycle among {{{}}}, e.g.:", scc.join(", "));
    for pair in cycle.windows(2) {
        let at = &graph[pair[0]][pair[1]];
        text += &format!("\n    {} -> {}   ({at})", pair[0], pair[1]);
    }
    text
}

/// Fails listing every cycle of `graph`.
fn assert_acyclic(graph: &Graph, what: &str) {
    let found: Vec<String> = cycles(graph).iter().map(|c| describe(graph, c)).collect();
    let found = found.join("\n\n");
    assert!(
        found.is_empty(),
        "import cycles between {what}:\n\n{found}\n"
    );
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn no_import_cycles_between_files() {
    assert_acyclic(&file_graph(&load_sources()), "modules of src/");
}

#[test]
fn no_cycles_between_top_level_modules() {
    assert_acyclic(
        &top_level(&file_graph(&load_sources())),
        "top-level modules",
    );
}

#[test]
fn no_source_file_over_500_lines() {
    let mut long = String::new();
    for file in load_sources() {
        let lines = file.text.lines().count();
        if lines > MAX_LINES {
            long += &format!("\n    {}: {lines} lines", file.path);
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines, split them:{long}\n"
    );
}

#[test]
fn imports_run_one_way() {
    let files = load_sources();
    let mut problems = String::new();
    let tops: BTreeSet<String> = files.iter().map(|f| top(&f.module)).collect();
    for m in &tops {
        if !m.is_empty() && layer_of(m).is_none() {
            problems += &format!(
                "\n    `{m}` is not in LAYERS: add it to LAYERS in {}",
                file!()
            );
        }
    }
    for (from, edges) in &top_level(&file_graph(&files)) {
        for (to, at) in edges {
            if let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) {
                if b < a {
                    let (a, b) = (a + 1, b + 1);
                    let above = format!("`{to}` (layer {b}, above it)");
                    problems += &format!("\n    `{from}` (layer {a}) refers to {above}: {at}");
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "modules may only refer to their own layer or lower ones (LAYERS, 1 = top):{problems}\n"
    );
}

#[test]
fn parser_resolves_paths_and_skips_comments_and_strings() {
    assert_eq!(module_of(Path::new("lib.rs")), "");
    assert_eq!(module_of(Path::new("a/mod.rs")), "a");
    assert_eq!(module_of(Path::new("a/b/c.rs")), "a::b::c");
    let modules: BTreeSet<String> = ["", "a", "a::b", "c", "c::d", "e"].map(String::from).into();
    let refs = |file: &str, src: &str| -> Vec<String> {
        let found = references(src, &module_of(Path::new(file)), &modules);
        found.into_iter().map(|(m, _)| m).collect()
    };
    // Grouped, nested use; the root itself (`crate::Token`) is not a module.
    let grouped = "use crate::{a::b::X, c::{d::Y, Z}, Token};";
    assert_eq!(refs("e.rs", grouped), ["a::b", "c::d", "c"]);
    // A use over several lines: each path is reported at the line of its last segment.
    let multi = "fn f() {}\nuse crate::{\n    a::X,\n    c::d::{\n        Y as W,\n    },\n};\n";
    let found = references(multi, "e", &modules);
    assert_eq!(found, [("a".to_string(), 3), ("c::d".to_string(), 5)]);
    // Paths in comments, strings and chars like `'"'` are skipped; inline code paths are not.
    let noise =
        "// crate::a::X\n/* crate::c /* crate::e */ */ let s = \"crate::c\\\" crate::e\";\n\
                 let r = r#\"crate::e\"#; let q = ('\"', '\\'', b\"crate::e\"); let z = crate::a::b::f::<u8>();";
    assert_eq!(refs("e.rs", noise), ["a::b"]);
    // `super` in src/a/mod.rs is the root; in src/a/b.rs it is `a`.
    assert_eq!(
        refs("a/mod.rs", "use super::c::d::Y; use self::b::Z;"),
        ["c::d", "a::b"]
    );
    let leaf = "use super::X; fn f() { super::super::e::g() }";
    assert_eq!(refs("a/b.rs", leaf), ["a", "e"]);
    // In an inline `mod tests`, `super` is the file's own module; `::c` is an extern crate.
    assert_eq!(
        refs("c/d.rs", "mod tests { use super::*; use ::c::X; }"),
        ["c::d"]
    );
}
