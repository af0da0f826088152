//! `meshsim sweep SWEEP --emit-job DIR`: the sweep as Kubernetes manifests (built in
//! `meshsim_scenarios::sweep::job` with k8s-openapi's types), written as JSON files that
//! `kubectl apply -f` takes.

use std::path::Path;

use meshsim_scenarios::sweep::job::{self, JobOptions};
use meshsim_scenarios::sweep::{Shard, Sweep};

use crate::Failure;
use crate::output::Staged;
use crate::sweep::SweepArgs;

/// Writes the manifests of `sw` into `dir`.
pub fn emit(a: &SweepArgs, path: &Path, sw: &Sweep, dir: &Path) -> Result<(), Failure> {
    let shards = match &a.shards {
        Some(n) => Shard::count(n).map_err(|e| Failure::Input(format!("error: --shards: {e}")))?,
        None => {
            return Err(Failure::Input(
                "error: --emit-job needs --shards N: the number of shards (pods) to cut the sweep into".into(),
            ));
        }
    };
    let parallelism = a.parallelism.unwrap_or(shards.min(16));
    if parallelism == 0 {
        return Err(Failure::Input(
            "error: --parallelism: must be at least 1".into(),
        ));
    }
    let storage = a.storage.clone().unwrap_or_else(|| "1Gi".into());
    meshsim_scenarios::units::parse_bytes(&storage).map_err(|e| {
        Failure::Input(format!(
            "error: --storage: `{storage}` is not a Kubernetes quantity: {e}"
        ))
    })?;
    let o = JobOptions {
        image: a
            .image
            .clone()
            .unwrap_or_else(|| format!("meshsim:{}", env!("CARGO_PKG_VERSION"))),
        shards,
        parallelism,
        retries_per_shard: 3,
        storage,
        storage_class: a.storage_class.clone(),
        namespace: a.namespace.clone(),
    };
    let m = job::manifests(sw, path, &o)
        .map_err(|e| Failure::Input(format!("error: --emit-job: {e}")))?;
    let mut staged = Staged::new(dir).map_err(|e| Failure::Input(e.to_string()))?;
    let put = |staged: &mut Staged, name: &str, v: &dyn erased::Json| -> Result<(), Failure> {
        let mut text = v.json().map_err(|e| Failure::Other(e.into()))?;
        text.push('\n');
        staged.bytes(name, text.as_bytes()).map_err(Failure::Other)
    };
    // Numbered so that `kubectl apply -f DIR` creates them in order.
    put(&mut staged, "1-configmap.json", &m.config_map)?;
    put(&mut staged, "2-results-volume.json", &m.volume_claim)?;
    put(&mut staged, "3-job.json", &m.job)?;
    put(&mut staged, "merge-job.json", &m.merge_job)?;
    put(&mut staged, "collect-pod.json", &m.collector)?;
    staged.commit().map_err(Failure::Other)?;
    if !a.quiet {
        let name = m.job.metadata.name.clone().unwrap_or_default();
        println!(
            "meshsim {} · sweep {} · {} point(s) in {shards} shard(s), {parallelism} at once, {} per pod\nwrote {}/ 1-configmap.json, 2-results-volume.json, 3-job.json, merge-job.json, collect-pod.json\n\n  kubectl apply -f {d}/1-configmap.json -f {d}/2-results-volume.json -f {d}/3-job.json\n  kubectl wait --for=condition=complete --timeout=24h job/{name}\n  kubectl apply -f {d}/merge-job.json && kubectl wait --for=condition=complete job/{name}-merge\n  kubectl apply -f {d}/collect-pod.json && kubectl wait --for=condition=ready pod/{name}-collect\n  kubectl cp {name}-collect:/results/merged ./{sweep}-results && kubectl delete pod/{name}-collect",
            env!("CARGO_PKG_VERSION"),
            sw.name,
            sw.point_count(),
            m.memory_request,
            dir.display(),
            d = dir.display(),
            sweep = sw.name,
        );
    }
    Ok(())
}

/// Serialising any manifest type the same way.
mod erased {
    /// A manifest that serialises to pretty JSON.
    pub trait Json {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string_pretty(self)
        }
    }
}
