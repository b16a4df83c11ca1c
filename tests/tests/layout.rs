//! The shape of the source tree, checked: module imports inside each crate run one way (no
//! cycle, so a reader can start at the leaves), and no source file grows past what a reader can
//! hold, and every story file is built and run. Reads the files as text; needs no store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// Generated data, not code a reader follows (the demo province's names and texts).
const EXEMPT: &[&str] = &["crates/sites/src/demo.rs"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`lib` for lib.rs and main.rs).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = first.trim_end_matches(".rs").to_string();
    if name == "lib" || name == "main" {
        "lib".into()
    } else {
        name
    }
}

/// `crate::x` paths a file names, as top-level module names (`use crate::{a, b::c}` too).
fn crate_imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn modules_of_every_crate_import_one_way() {
    let crates = root().join("crates");
    let mut checked = 0;
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(&crates).into_iter().flatten().flatten() {
        let src = entry.path().join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        // What the crate root re-exports (`pub use app::App;`) counts as its module.
        let root_text = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
        let mut reexported: BTreeMap<String, String> = BTreeMap::new();
        for line in root_text.lines() {
            if let Some(rest) = line.trim().strip_prefix("pub use ")
                && let Some((module, names)) = rest.split_once("::")
            {
                for name in names.trim_matches(|c| "{};".contains(c)).split(',') {
                    let name = name.trim().trim_end_matches(';').trim_end_matches('}');
                    reexported.insert(name.to_string(), module.to_string());
                }
            }
        }
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            // Test modules may reach anywhere; only the code's own imports count.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let from = module_of(&src, f);
            let deps = graph.entry(from.clone()).or_default();
            for to in crate_imports(code) {
                let to = reexported.get(&to).cloned().unwrap_or(to);
                // The crate root re-exports (`crate::App`) and self-references are not edges.
                let is_module =
                    src.join(format!("{to}.rs")).exists() || src.join(&to).join("mod.rs").exists();
                if is_module && to != from {
                    deps.insert(to);
                }
            }
        }
        checked += 1;
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                cycle.join(" → ")
            ));
        }
    }
    assert!(checked >= 9, "crates checked: {checked}");
    assert!(cycles.is_empty(), "import cycles: {}", cycles.join("; "));
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("tests/src"), &mut files);
    let mut long = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        if EXEMPT.contains(&rel.as_str()) {
            continue;
        }
        let lines = std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .count();
        if lines > MAX_LINES {
            long.push(format!("{rel}: {lines}"));
        }
    }
    assert!(files.len() > 100, "files read: {}", files.len());
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines: {}",
        long.join(", ")
    );
}

/// The stories are one test binary (`autotests = false`): a file of `tests/tests/` that
/// `main.rs` does not name as a module would be neither built nor run, silently.
#[test]
fn every_story_file_is_a_module_of_the_story_binary() {
    let dir = root().join("tests/tests");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap_or_default();
    let named: BTreeSet<&str> = main
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut files = BTreeSet::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "rs")
            && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
            && stem != "main"
        {
            files.insert(stem.to_string());
        }
    }
    assert!(files.len() > 30, "story files read: {}", files.len());
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !named.contains(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "story files without `mod …;` in tests/tests/main.rs: {missing:?}"
    );
    let stray: Vec<&&str> = named.iter().filter(|m| !files.contains(**m)).collect();
    assert!(stray.is_empty(), "modules without a file: {stray:?}");
}
