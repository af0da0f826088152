//! The layout is the architecture: within each crate, no two files use each other (a file
//! circle), and the crates depend one way, sim-core ← models ← scenarios ← cli, with polars and
//! plotters only in the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use meshsim_tests::root;

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file defines: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut m: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        m.pop();
    }
    m
}

/// Code outside comments and before the first test module.
fn code(text: &str) -> String {
    let body = text.split("#[cfg(test)]").next().unwrap_or("");
    body.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paths `crate::a::b…` and `super::a…` in `text`, made absolute from `module`.
fn paths(module: &Module, text: &str) -> Vec<Module> {
    let mut out = Vec::new();
    for keyword in ["crate::", "super::"] {
        for (at, _) in text.match_indices(keyword) {
            let word_start = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if !word_start {
                continue;
            }
            // `super` of `a::b` is `a` (whether `a/b.rs` or `a/b/mod.rs`).
            let mut path: Module = if keyword == "super::" {
                module[..module.len().saturating_sub(1)].to_vec()
            } else {
                Vec::new()
            };
            let mut rest = &text[at + keyword.len()..];
            loop {
                let end = rest
                    .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(rest.len());
                if end == 0 {
                    break;
                }
                path.push(rest[..end].to_string());
                rest = &rest[end..];
                match rest.strip_prefix("::") {
                    Some(r) => rest = r,
                    None => break,
                }
            }
            out.push(path);
        }
    }
    out
}

/// Pairs of modules (by their code) that use each other.
fn circles_in(modules: &BTreeMap<Module, String>) -> Vec<(Module, Module)> {
    let mut uses: BTreeMap<&Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, text) in modules {
        for p in paths(m, &code(text)) {
            // The longest prefix that is a file.
            if let Some(k) = (1..=p.len()).rev().find(|&k| modules.contains_key(&p[..k]))
                && p[..k] != m[..]
            {
                uses.entry(m).or_default().insert(p[..k].to_vec());
            }
        }
    }
    let mut found = Vec::new();
    for (a, targets) in &uses {
        for b in targets {
            if *a < b && uses.get(b).is_some_and(|t| t.contains(*a)) {
                found.push(((*a).clone(), b.clone()));
            }
        }
    }
    found
}

fn circles(crate_dir: &str) -> Vec<String> {
    let src = root().join(crate_dir).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Module, String> = files
        .iter()
        .map(|f| (module_of(&src, f), std::fs::read_to_string(f).unwrap()))
        .collect();
    assert!(modules.len() > 3, "{crate_dir}: {} files", modules.len());
    circles_in(&modules)
        .into_iter()
        .map(|(a, b)| format!("{crate_dir}: {} <-> {}", a.join("::"), b.join("::")))
        .collect()
}

#[test]
fn no_two_files_use_each_other() {
    let found: Vec<String> = ["sim-core", "models", "scenarios", "cli"]
        .iter()
        .flat_map(|c| circles(c))
        .collect();
    assert!(found.is_empty(), "file circles: {found:#?}");
}

#[test]
fn the_circle_check_finds_a_circle() {
    // The check itself, on two modules that use each other.
    let a: Module = vec!["a".into()];
    let b: Module = vec!["b".into()];
    assert_eq!(
        paths(&a, "use crate::b::Thing;"),
        vec![vec!["b".to_string()]]
    );
    assert_eq!(
        paths(&b, "fn f() { super::a::g() }"),
        vec![vec!["a".to_string(), "g".into()]]
    );
    let nested: Module = vec!["x".into(), "y".into()];
    assert_eq!(
        paths(&nested, "use super::z::W;"),
        vec![vec!["x".to_string(), "z".into()]]
    );
    assert!(paths(&a, "use mycrate::b;").is_empty());
    assert!(
        code("// use crate::b;\nfn x() {}")
            .find("crate::b")
            .is_none()
    );
    assert!(
        code("fn x() {}\n#[cfg(test)]\nmod tests { use crate::b; }")
            .find("crate::b")
            .is_none()
    );
}

/// The `[dependencies]` of a crate's manifest (names only).
fn dependencies(crate_dir: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(crate_dir).join("Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for (k, v) in &doc {
        let tables: Vec<&toml::Table> = match k.as_str() {
            "dependencies" => v.as_table().into_iter().collect(),
            "target" => v
                .as_table()
                .into_iter()
                .flat_map(|t| t.values())
                .filter_map(|t| t.get("dependencies").and_then(toml::Value::as_table))
                .collect(),
            _ => Vec::new(),
        };
        for t in tables {
            out.extend(t.keys().cloned());
        }
    }
    out
}

#[test]
fn crates_depend_one_way_and_the_heavy_ones_stay_in_the_binary() {
    let order = ["sim-core", "models", "scenarios", "cli"];
    let names = [
        "meshsim-core",
        "meshsim-models",
        "meshsim-scenarios",
        "meshsim",
    ];
    for (i, dir) in order.iter().enumerate() {
        let deps = dependencies(dir);
        for (j, n) in names.iter().enumerate() {
            if j >= i {
                assert!(!deps.contains(*n), "{dir} depends on {n}");
            }
        }
        if *dir != "cli" {
            for heavy in ["polars", "plotters", "indicatif", "clap", "anyhow"] {
                assert!(!deps.contains(heavy), "{dir} depends on {heavy}");
            }
        }
    }
    assert!(dependencies("cli").contains("polars"));
}
