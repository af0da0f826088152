//! `--redact`: namespace, workload and resource names replaced by stable hashes (`ns-1a2b3c4d`,
//! `wl-…`, `res-…`: the first 8 hex digits of SHA-256 of a salt and the name), so an audit or
//! emitted scenario can be shared. The same name gives the same hash in every run with the same
//! salt; without a salt a short, guessable name (`payments`) can be found by trying names.

use sha2::{Digest, Sha256};

use super::analysis::Audit;

fn h(prefix: &str, salt: &str, name: &str) -> String {
    let d = Sha256::digest(format!("{salt}\u{0}{name}").as_bytes());
    let hex: String = d.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// The redacted name of namespace `n`.
pub fn namespace(salt: &str, n: &str) -> String {
    h("ns", salt, n)
}

/// Redacts every namespace, workload and resource name in `a`.
pub fn redact(a: &mut Audit, salt: &str) {
    let ns = |n: &str| namespace(salt, n);
    for c in &mut a.cells {
        c.namespace = ns(&c.namespace);
    }
    for n in &mut a.namespaces {
        n.name = ns(&n.name);
    }
    for w in &mut a.workloads {
        w.namespace = ns(&w.namespace);
        w.owner = h("wl", salt, &w.owner);
    }
    for f in &mut a.l7 {
        f.namespace = ns(&f.namespace);
        f.name = h("res", salt, &f.name);
    }
    a.mesh.waypoints = std::mem::take(&mut a.mesh.waypoints)
        .into_iter()
        .map(|(k, v)| (ns(&k), v))
        .collect();
    for p in &mut a.pools {
        if let Some(i) = &mut p.inference
            && let Some((n, w)) = i.workload.split_once('/')
        {
            i.workload = format!("{}/{}", ns(n), h("wl", salt, w));
        }
    }
    a.cells
        .sort_by(|x, y| (&x.namespace, &x.pool).cmp(&(&y.namespace, &y.pool)));
    a.namespaces.sort_by(|x, y| x.name.cmp(&y.name));
}
