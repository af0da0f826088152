//! Generated cluster dumps, shaped as kubectl prints them: `kubectl get nodes,pods,namespaces -A
//! -o json` (a `List`), `kubectl top pods -A --containers` text and Istio resources. The small
//! example (`scenarios/audit-example/`) is a realistic cluster: a general and a GPU pool,
//! DaemonSets, an ingress gateway, ztunnel, istio-cni, istiod, a waypoint, native and classic
//! sidecars, ambient and unmeshed namespaces, finished Job pods, and a planted secret (an env
//! value and an annotation) that must appear in no output. [`scaled`] writes the same shapes at
//! Kubernetes' limits (5,000 nodes, 150,000 pods) for the benchmark. Deterministic: no clock, no
//! randomness.

use std::io::Write;

use serde_json::{Value, json};

/// A value planted in an env var and an annotation; no output may contain it.
pub const SECRET: &str = "hunter2-5ecret-t0ken-do-not-copy";

struct Pool {
    name: &'static str,
    nodes: u32,
    cpu: &'static str,
    memory: &'static str,
    gpus: u32,
    instance: &'static str,
}

const GENERAL: Pool = Pool {
    name: "general",
    nodes: 4,
    cpu: "15890m",
    memory: "62700Mi",
    gpus: 0,
    instance: "m6i.4xlarge",
};
const GPU: Pool = Pool {
    name: "gpu-l4",
    nodes: 3,
    cpu: "47810m",
    memory: "187000Mi",
    gpus: 4,
    instance: "g6.12xlarge",
};

fn node(p: &Pool, i: u32) -> Value {
    let mut labels = json!({
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": p.instance,
        "eks.amazonaws.com/nodegroup": p.name,
        "topology.kubernetes.io/zone": format!("eu-west-1{}", ["a", "b", "c"][(i % 3) as usize]),
    });
    let mut alloc =
        json!({"cpu": p.cpu, "memory": p.memory, "pods": "110", "ephemeral-storage": "95Gi"});
    let mut spec = json!({"providerID": format!("aws:///node-{i}")});
    if p.gpus > 0 {
        labels["nvidia.com/gpu.product"] = json!("NVIDIA-L4");
        alloc["nvidia.com/gpu"] = json!(p.gpus.to_string());
        spec["taints"] =
            json!([{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]);
    }
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": format!("{}-{i}", p.name), "labels": labels},
        "spec": spec,
        "status": {"allocatable": alloc, "capacity": alloc}
    })
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn res(cpu: &str, mem: &str) -> Value {
    json!({"requests": {"cpu": cpu, "memory": mem}})
}

fn proxy(native: bool, requests: Value) -> Value {
    let mut c = json!({
        "name": "istio-proxy",
        "image": "docker.io/istio/proxyv2:1.24.2",
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
        "resources": requests,
    });
    if native {
        c["restartPolicy"] = json!("Always");
    }
    c
}

fn init() -> Value {
    json!({"name": "istio-init", "image": "docker.io/istio/proxyv2:1.24.2",
           "args": ["istio-iptables", "-p", "15001"],
           "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}})
}

fn sidecar_res() -> Value {
    json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}})
}

/// What a generated pod is made of.
struct PodSpec<'a> {
    ns: &'a str,
    name: String,
    owner: Option<(&'a str, String)>,
    hash: Option<&'a str>,
    node: Option<String>,
    app: Vec<Value>,
    sidecar: Option<bool>,
    labels: Value,
    tolerations: Value,
    phase: &'a str,
    extra_annotations: Value,
}

fn pod(p: PodSpec<'_>) -> Value {
    let mut labels = p.labels;
    if let Some(h) = p.hash {
        labels["pod-template-hash"] = json!(h);
    }
    let mut annotations = p.extra_annotations;
    let mut init_containers = Vec::new();
    let mut containers = p.app;
    if let Some(native) = p.sidecar {
        annotations["sidecar.istio.io/status"] = json!(
            r#"{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["istio-envoy"]}"#
        );
        labels["security.istio.io/tlsMode"] = json!("istio");
        init_containers.push(init());
        if native {
            init_containers.push(proxy(true, sidecar_res()));
        } else {
            containers.push(proxy(false, sidecar_res()));
        }
    }
    let mut meta =
        json!({"name": p.name, "namespace": p.ns, "labels": labels, "annotations": annotations});
    if let Some((kind, name)) = p.owner {
        meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "0", "controller": true}]);
    }
    let mut spec = json!({"containers": containers, "initContainers": init_containers, "tolerations": p.tolerations});
    if let Some(n) = p.node {
        spec["nodeName"] = json!(n);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": p.phase}})
}

fn app(name: &str, cpu: &str, mem: &str) -> Value {
    json!({"name": name, "image": format!("registry.example.com/{name}:1.0"), "resources": res(cpu, mem),
           "env": [{"name": "LOG_LEVEL", "value": "info"}]})
}

/// One generated workload: its pods land round-robin on the given nodes.
struct Deploy<'a> {
    ns: &'a str,
    name: &'a str,
    kind: &'a str,
    replicas: u32,
    containers: Vec<(&'a str, &'a str, &'a str)>,
    gpu: u32,
    sidecar: Option<bool>,
    nodes: Vec<String>,
    labels: Value,
    tolerations: Value,
    /// (cpu m, memory Mi) per app container and for the sidecar, in `top`.
    usage: Vec<(u32, u32)>,
    sidecar_usage: (u32, u32),
}

/// The small example cluster: `(cluster.json, top.txt, istio.json)`.
pub fn example() -> (String, String, String) {
    let mut items = vec![
        namespace("kube-system", json!({})),
        namespace("istio-system", json!({})),
        namespace("istio-ingress", json!({})),
        namespace("shop", json!({"istio-injection": "enabled"})),
        namespace("payments", json!({"istio.io/rev": "default"})),
        namespace("ml", json!({"istio-injection": "enabled"})),
        namespace(
            "data",
            json!({"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint"}),
        ),
        namespace("batch", json!({})),
    ];
    let general: Vec<String> = (0..GENERAL.nodes).map(|i| format!("general-{i}")).collect();
    let gpu: Vec<String> = (0..GPU.nodes).map(|i| format!("gpu-l4-{i}")).collect();
    let all: Vec<String> = general.iter().chain(&gpu).cloned().collect();
    for i in 0..GENERAL.nodes {
        items.push(node(&GENERAL, i));
    }
    for i in 0..GPU.nodes {
        items.push(node(&GPU, i));
    }
    let gpu_tol = json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]);
    let all_tol = json!([{"operator": "Exists"}]);
    let deploys = vec![
        Deploy {
            ns: "shop",
            name: "web",
            kind: "Deployment",
            replicas: 6,
            containers: vec![("web", "500m", "1Gi")],
            gpu: 0,
            sidecar: Some(true),
            nodes: general.clone(),
            labels: json!({"app": "web"}),
            tolerations: json!([]),
            usage: vec![(210, 600)],
            sidecar_usage: (12, 61),
        },
        Deploy {
            ns: "shop",
            name: "cart",
            kind: "Deployment",
            replicas: 4,
            containers: vec![("cart", "250m", "512Mi"), ("metrics", "50m", "64Mi")],
            gpu: 0,
            sidecar: Some(true),
            nodes: general.clone(),
            labels: json!({"app": "cart"}),
            tolerations: json!([]),
            usage: vec![(90, 300), (5, 30)],
            sidecar_usage: (8, 55),
        },
        Deploy {
            ns: "payments",
            name: "api",
            kind: "Deployment",
            replicas: 3,
            containers: vec![("api", "1", "2Gi")],
            gpu: 0,
            sidecar: Some(false),
            nodes: general.clone(),
            labels: json!({"app": "api"}),
            tolerations: json!([]),
            usage: vec![(400, 1300)],
            sidecar_usage: (15, 70),
        },
        Deploy {
            ns: "payments",
            name: "legacy",
            kind: "Deployment",
            replicas: 2,
            containers: vec![("legacy", "200m", "256Mi")],
            gpu: 0,
            sidecar: None,
            nodes: general.clone(),
            labels: json!({"app": "legacy", "sidecar.istio.io/inject": "false"}),
            tolerations: json!([]),
            usage: vec![(20, 100)],
            sidecar_usage: (0, 0),
        },
        Deploy {
            ns: "ml",
            name: "llm-server",
            kind: "Deployment",
            replicas: 10,
            containers: vec![("vllm", "8", "40Gi")],
            gpu: 1,
            sidecar: Some(true),
            nodes: gpu.clone(),
            labels: json!({"app": "llm-server"}),
            tolerations: gpu_tol.clone(),
            usage: vec![(3100, 30000)],
            sidecar_usage: (40, 95),
        },
        Deploy {
            ns: "ml",
            name: "embedder",
            kind: "Deployment",
            replicas: 2,
            containers: vec![("embedder", "2", "4Gi")],
            gpu: 0,
            sidecar: Some(true),
            nodes: general.clone(),
            labels: json!({"app": "embedder"}),
            tolerations: json!([]),
            usage: vec![(800, 2500)],
            sidecar_usage: (10, 58),
        },
        Deploy {
            ns: "data",
            name: "postgres",
            kind: "StatefulSet",
            replicas: 3,
            containers: vec![("postgres", "2", "8Gi")],
            gpu: 0,
            sidecar: None,
            nodes: general.clone(),
            labels: json!({"app": "postgres"}),
            tolerations: json!([]),
            usage: vec![(700, 5000)],
            sidecar_usage: (0, 0),
        },
        Deploy {
            ns: "data",
            name: "cache",
            kind: "Deployment",
            replicas: 2,
            containers: vec![("redis", "500m", "2Gi")],
            gpu: 0,
            sidecar: None,
            nodes: general.clone(),
            labels: json!({"app": "cache"}),
            tolerations: json!([]),
            usage: vec![(100, 900)],
            sidecar_usage: (0, 0),
        },
        Deploy {
            ns: "batch",
            name: "etl",
            kind: "Job",
            replicas: 2,
            containers: vec![("etl", "1", "3Gi")],
            gpu: 0,
            sidecar: None,
            nodes: general.clone(),
            labels: json!({"app": "etl"}),
            tolerations: json!([]),
            usage: vec![(900, 2000)],
            sidecar_usage: (0, 0),
        },
        Deploy {
            ns: "kube-system",
            name: "node-exporter",
            kind: "DaemonSet",
            replicas: 0,
            containers: vec![("node-exporter", "100m", "180Mi")],
            gpu: 0,
            sidecar: None,
            nodes: all.clone(),
            labels: json!({"app": "node-exporter"}),
            tolerations: all_tol.clone(),
            usage: vec![(15, 40)],
            sidecar_usage: (0, 0),
        },
        Deploy {
            ns: "kube-system",
            name: "nvidia-device-plugin",
            kind: "DaemonSet",
            replicas: 0,
            containers: vec![("nvidia-device-plugin", "50m", "64Mi")],
            gpu: 0,
            sidecar: None,
            nodes: gpu.clone(),
            labels: json!({"app": "nvidia-device-plugin"}),
            tolerations: gpu_tol.clone(),
            usage: vec![(2, 30)],
            sidecar_usage: (0, 0),
        },
    ];
    let mut top = String::from(
        "NAMESPACE      POD                          NAME               CPU(cores)   MEMORY(bytes)   \n",
    );
    let mut n_pod = 0u32;
    for d in &deploys {
        let n = if d.kind == "DaemonSet" {
            d.nodes.len() as u32
        } else {
            d.replicas
        };
        for r in 0..n {
            n_pod += 1;
            let (pname, owner, hash) = match d.kind {
                "Deployment" => (
                    format!("{}-7c9f8d{}-x{r:02}", d.name, d.name.len()),
                    Some(("ReplicaSet", format!("{}-7c9f8d{}", d.name, d.name.len()))),
                    Some("7c9f8d"),
                ),
                "StatefulSet" => (
                    format!("{}-{r}", d.name),
                    Some(("StatefulSet", d.name.to_string())),
                    None,
                ),
                "DaemonSet" => (
                    format!("{}-d{r:02}", d.name),
                    Some(("DaemonSet", d.name.to_string())),
                    None,
                ),
                _ => (
                    format!("{}-2889{r}", d.name),
                    Some(("Job", format!("{}-2889", d.name))),
                    None,
                ),
            };
            let hash = hash.map(|_| "");
            let hash_val = owner
                .as_ref()
                .filter(|(k, _)| *k == "ReplicaSet")
                .map(|(_, n)| n.rsplit('-').next().unwrap_or("").to_string());
            let mut containers: Vec<Value> = d
                .containers
                .iter()
                .map(|(c, cpu, mem)| app(c, cpu, mem))
                .collect();
            if d.gpu > 0 {
                containers[0]["resources"]["limits"] = json!({"nvidia.com/gpu": d.gpu.to_string()});
                containers[0]["resources"]["requests"]["nvidia.com/gpu"] = json!(d.gpu.to_string());
            }
            let mut extra = json!({});
            if d.name == "api" && r == 0 {
                containers[0]["env"] = json!([{"name": "DB_PASSWORD", "value": SECRET}]);
                extra["vault.hashicorp.com/agent-token"] = json!(SECRET);
            }
            // One etl pod has finished: it holds nothing.
            let phase = if d.kind == "Job" && r == 1 {
                "Succeeded"
            } else {
                "Running"
            };
            let node = d.nodes[(r as usize) % d.nodes.len()].clone();
            let mut labels = d.labels.clone();
            if d.ns == "data" {
                // ambient pods: istio-cni marks them captured.
                extra["ambient.istio.io/redirection"] = json!("enabled");
            }
            let _ = hash;
            let p = pod(PodSpec {
                ns: d.ns,
                name: pname.clone(),
                owner,
                hash: None,
                node: Some(node),
                app: containers,
                sidecar: d.sidecar,
                labels: {
                    if let Some(h) = &hash_val {
                        labels["pod-template-hash"] = json!(h);
                    }
                    labels
                },
                tolerations: d.tolerations.clone(),
                phase,
                extra_annotations: extra,
            });
            items.push(p);
            if phase == "Running" {
                for (i, (c, _, _)) in d.containers.iter().enumerate() {
                    let (cpu, mem) = d.usage[i];
                    // Replicas differ a little, so medians are not all equal.
                    top.push_str(&format!(
                        "{:<14} {:<28} {:<18} {}m   {}Mi   \n",
                        d.ns,
                        pname,
                        c,
                        cpu + r,
                        mem + 2 * r
                    ));
                }
                if d.sidecar.is_some() {
                    let (cpu, mem) = d.sidecar_usage;
                    top.push_str(&format!(
                        "{:<14} {:<28} {:<18} {}m   {}Mi   \n",
                        d.ns,
                        pname,
                        "istio-proxy",
                        cpu,
                        mem + r
                    ));
                }
            }
        }
    }
    let _ = n_pod;
    // Mesh components.
    let istio = |name: String,
                 ns: &str,
                 node: Option<String>,
                 owner: (&str, String),
                 args: &[&str],
                 image: &str,
                 req: (&str, &str),
                 labels: Value| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1, "uid": "0", "controller": true}]},
            "spec": {"nodeName": node, "tolerations": [{"operator": "Exists"}], "containers": [{"name": if image == "install-cni" {"install-cni"} else if image == "pilot" {"discovery"} else {"istio-proxy"},
                "image": format!("docker.io/istio/{image}:1.24.2"), "args": args, "resources": res(req.0, req.1)}]},
            "status": {"phase": "Running"}})
    };
    for (i, n) in all.iter().enumerate() {
        items.push(istio(
            format!("ztunnel-z{i:02}"),
            "istio-system",
            Some(n.clone()),
            ("DaemonSet", "ztunnel".into()),
            &["proxy", "ztunnel"],
            "ztunnel",
            ("200m", "512Mi"),
            json!({"app": "ztunnel", "sidecar.istio.io/inject": "false"}),
        ));
        items.push(istio(
            format!("istio-cni-node-c{i:02}"),
            "istio-system",
            Some(n.clone()),
            ("DaemonSet", "istio-cni-node".into()),
            &["--log_output_level=info"],
            "install-cni",
            ("100m", "100Mi"),
            json!({"k8s-app": "istio-cni-node"}),
        ));
        top.push_str(&format!(
            "{:<14} {:<28} {:<18} {}m   {}Mi   \n",
            "istio-system",
            format!("istio-cni-node-c{i:02}"),
            "install-cni",
            3,
            40
        ));
        top.push_str(&format!(
            "{:<14} {:<28} {:<18} {}m   {}Mi   \n",
            "istio-system",
            format!("ztunnel-z{i:02}"),
            "istio-proxy",
            6,
            24 + i
        ));
    }
    for i in 0..2 {
        items.push(istio(
            format!("istiod-5d8f9-i{i}"),
            "istio-system",
            Some(general[i].clone()),
            ("ReplicaSet", "istiod-5d8f9".into()),
            &["discovery"],
            "pilot",
            ("500m", "2Gi"),
            json!({"app": "istiod", "pod-template-hash": "5d8f9"}),
        ));
        items.push(istio(
            format!("istio-ingressgateway-6b7-g{i}"),
            "istio-ingress",
            Some(general[i + 1].clone()),
            ("ReplicaSet", "istio-ingressgateway-6b7".into()),
            &["proxy", "router", "--domain"],
            "proxyv2",
            ("100m", "128Mi"),
            json!({"app": "istio-ingressgateway", "pod-template-hash": "6b7"}),
        ));
    }
    items.push(istio("waypoint-7f6-w0".into(), "data", Some(general[3].clone()), ("ReplicaSet", "waypoint-7f6".into()), &["proxy", "waypoint", "--domain"], "proxyv2", ("100m", "128Mi"), json!({"gateway.networking.k8s.io/gateway-name": "waypoint", "gateway.istio.io/managed": "istio.io-mesh-controller", "istio.io/dataplane-mode": "none", "pod-template-hash": "7f6"})));
    // A Service and a Secret: kinds the audit skips without parsing.
    items.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}}));
    items.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "payments"}, "data": {"password": SECRET}}));
    let cluster = serde_json::to_string_pretty(&json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})).unwrap_or_default();

    let istio_items = vec![
        json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"hosts": ["web"], "http": [{"retries": {"attempts": 3}, "route": [{"destination": {"host": "web"}}]}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"host": "web", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "api", "namespace": "payments"},
               "spec": {"rules": [{"to": [{"operation": {"methods": ["POST"], "paths": ["/charge"]}}]}]}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication", "metadata": {"name": "jwt", "namespace": "payments"},
               "spec": {"jwtRules": [{"issuer": "https://issuer.example.com"}]}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "ml-allow", "namespace": "ml"},
               "spec": {"rules": [{"from": [{"source": {"namespaces": ["shop"]}}]}]}}),
        json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication", "metadata": {"name": "default", "namespace": "istio-system"},
               "spec": {"mtls": {"mode": "STRICT"}}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "waypoint", "namespace": "data"},
               "spec": {"gatewayClassName": "istio-waypoint", "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]}}),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "store", "namespace": "istio-ingress"},
               "spec": {"parentRefs": [{"kind": "Gateway", "name": "ingress"}], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}),
        json!({"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "metadata": {"name": "default", "namespace": "payments"},
               "spec": {"egress": [{"hosts": ["./*", "istio-system/*"]}]}}),
    ];
    let istio_json = serde_json::to_string_pretty(&json!({"apiVersion": "v1", "items": istio_items, "kind": "List", "metadata": {"resourceVersion": ""}})).unwrap_or_default();
    (cluster, top, istio_json)
}

/// A cluster of `nodes` nodes (one in ten a 4-GPU node) and about `pods` pods, written as one
/// `List` to `out`, and its `kubectl top` text to `top`. Streams: nothing of the whole is held.
pub fn scaled(
    nodes: u32,
    pods: u32,
    out: &mut impl Write,
    top: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out, "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [")?;
    let mut first = true;
    let mut item = |out: &mut dyn Write, v: &Value| -> std::io::Result<()> {
        if !first {
            writeln!(out, ",")?;
        }
        first = false;
        serde_json::to_writer_pretty(&mut *out, v).map_err(std::io::Error::other)
    };
    writeln!(top, "NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)")?;
    let namespaces = 200u32;
    for i in 0..namespaces {
        item(
            out,
            &namespace(
                &format!("team-{i:03}"),
                json!({"istio-injection": "enabled"}),
            ),
        )?;
    }
    for i in 0..nodes {
        let p = if i % 10 == 9 { &GPU } else { &GENERAL };
        let mut n = node(p, i);
        n["metadata"]["name"] = json!(format!("node-{i:05}"));
        item(out, &n)?;
    }
    for k in 0..pods {
        let ns = format!("team-{:03}", k % namespaces);
        let dep = format!("svc-{:04}", (k / namespaces) % 500);
        let node_i = (k * 7919) % nodes;
        let gpu_node = node_i % 10 == 9;
        let name = format!("{dep}-5f7c9-{k:06}");
        let mut containers = vec![app("app", "250m", "512Mi")];
        let mut tol = json!([]);
        if gpu_node {
            containers[0]["resources"]["requests"]["nvidia.com/gpu"] = json!("1");
            tol = json!([{"key": "nvidia.com/gpu", "operator": "Exists"}]);
        }
        let p = pod(PodSpec {
            ns: &ns,
            name: name.clone(),
            owner: Some(("ReplicaSet", format!("{dep}-5f7c9"))),
            hash: Some("5f7c9"),
            node: Some(format!("node-{node_i:05}")),
            app: containers,
            // Two pods in three carry a native sidecar; the third is not injected.
            sidecar: (k % 3 != 0).then_some(true),
            labels: json!({"app": dep}),
            tolerations: tol,
            phase: "Running",
            extra_annotations: json!({}),
        });
        item(out, &p)?;
        writeln!(
            top,
            "{ns}   {name}   app   {}m   {}Mi",
            50 + k % 100,
            200 + k % 300
        )?;
        if k % 3 != 0 {
            writeln!(
                top,
                "{ns}   {name}   istio-proxy   {}m   {}Mi",
                3 + k % 20,
                40 + k % 60
            )?;
        }
    }
    writeln!(
        out,
        "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\"resourceVersion\": \"\"}}\n}}"
    )?;
    Ok(())
}
