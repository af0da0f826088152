//! Parameter paths: where in the base scenario's TOML document a sweep sets a value
//! (`pools.gpu-a100.count`, `mesh.sidecar.request.memory`, `traffic.web.rate`).

use toml::{Table, Value};

use crate::diag::choice_help;

/// Splits a path on dots, honouring double quotes: `pools."gpu.a".labels."node.io/x"`.
pub fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("unbalanced quote in path `{path}`"));
    }
    out.push(cur);
    if out.iter().any(String::is_empty) {
        return Err(format!("empty segment in path `{path}`"));
    }
    Ok(out)
}

/// Which field names an element of each array of tables.
fn element_key(array: &str) -> &'static str {
    match array {
        "traffic" => "service",
        _ => "name",
    }
}

/// Sets `path` in `doc` to `v`: tables are created as needed; elements of arrays of tables are
/// selected by name (or `service` for traffic) or by index.
pub fn set_path(doc: &mut Table, path: &str, v: Value) -> Result<(), String> {
    let segs = split_path(path)?;
    let mut table = doc;
    let mut i = 0;
    while i < segs.len() {
        let seg = &segs[i];
        let last = i + 1 == segs.len();
        if last {
            table.insert(seg.clone(), v);
            return Ok(());
        }
        let entry = table
            .entry(seg.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = segs
                    .get(i + 1)
                    .ok_or_else(|| format!("`{seg}` needs an element name"))?;
                let key = element_key(seg);
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|x| x.get(key).and_then(Value::as_str).map(String::from))
                    .collect();
                let idx = match sel.parse::<usize>() {
                    Ok(n) if n < items.len() => n,
                    _ => names.iter().position(|n| n == sel).ok_or_else(|| {
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        format!(
                            "no {seg} element named `{sel}`; {}",
                            choice_help(sel, &refs)
                        )
                    })?,
                };
                if i + 2 == segs.len() {
                    return Err(format!(
                        "`{path}` names a whole {seg} element; add the key to set"
                    ));
                }
                match &mut items[idx] {
                    Value::Table(t) => {
                        table = t;
                        i += 2;
                    }
                    _ => return Err(format!("{seg}[{idx}] is not a table")),
                }
            }
            _ => return Err(format!("`{seg}` in `{path}` is a value, not a table")),
        }
    }
    Ok(())
}
