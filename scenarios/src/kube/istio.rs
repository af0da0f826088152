//! Istio and Gateway API resources: which L7 features each namespace uses, and so whether it needs
//! a waypoint after moving to ambient. In ambient, ztunnel enforces mTLS and L4 authorization
//! (principals, namespaces, IP blocks, ports); routing, retries, fault injection, traffic
//! policies, L7 authorization, JWT, Wasm and L7 telemetry need a waypoint (Istio docs, "Ambient
//! and Istio APIs" / "Layer 7 features in ambient mode"); EnvoyFilter has no ambient equivalent.
//! Only field names are read from a resource's spec; no value is copied into a finding.

use meshsim_models::audit::records::{L7Finding, WaypointGateway};
use serde_json::Value;

/// Kinds read here (the other kinds of a dump are skipped and counted).
pub const KINDS: &[&str] = &[
    "VirtualService",
    "DestinationRule",
    "AuthorizationPolicy",
    "RequestAuthentication",
    "EnvoyFilter",
    "Sidecar",
    "Telemetry",
    "WasmPlugin",
    "PeerAuthentication",
    "HTTPRoute",
    "GRPCRoute",
    "TCPRoute",
    "TLSRoute",
    "Gateway",
];

/// What one resource gives.
#[derive(Debug, Default)]
pub struct IstioItem {
    /// L7 (and L4) findings.
    pub findings: Vec<L7Finding>,
    /// A waypoint declaration.
    pub waypoint: Option<WaypointGateway>,
    /// A `Sidecar` resource's namespace.
    pub sidecar_namespace: Option<String>,
}

fn keys_present<'a>(v: &'a Value, keys: &[&'a str]) -> Vec<&'a str> {
    keys.iter()
        .copied()
        .filter(|k| v.get(*k).is_some_and(|x| !x.is_null()))
        .collect()
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Reads one resource (`kind`, `apiVersion`, the whole object).
pub fn read(kind: &str, api_version: &str, obj: &Value) -> IstioItem {
    let meta = obj.get("metadata");
    let s = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (namespace, name) = (
        Some(s("namespace"))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into()),
        s("name"),
    );
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let mut out = IstioItem::default();
    let mut find = |feature: &str, needs: bool, detail: String| {
        out.findings.push(L7Finding {
            namespace: namespace.clone(),
            kind: kind.to_string(),
            name: name.clone(),
            feature: feature.to_string(),
            needs_waypoint: needs,
            detail,
        });
    };
    let gateway_api = api_version.starts_with("gateway.networking.k8s.io");
    match kind {
        "VirtualService" => {
            let gws: Vec<&str> = arr(spec.get("gateways"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mesh = gws.is_empty() || gws.contains(&"mesh");
            let http = arr(spec.get("http"));
            let tcp = !arr(spec.get("tcp")).is_empty() || !arr(spec.get("tls")).is_empty();
            let mut used: Vec<&str> = Vec::new();
            for r in http {
                for k in keys_present(
                    r,
                    &[
                        "match",
                        "fault",
                        "retries",
                        "timeout",
                        "rewrite",
                        "redirect",
                        "mirror",
                        "mirrors",
                        "corsPolicy",
                        "headers",
                        "directResponse",
                    ],
                ) {
                    if !used.contains(&k) {
                        used.push(k);
                    }
                }
                if arr(r.get("route")).len() > 1 && !used.contains(&"weighted routes") {
                    used.push("weighted routes");
                }
            }
            if !mesh {
                find(
                    "gateway-routing",
                    false,
                    "applies to gateways only, not to the mesh".into(),
                );
            } else if !http.is_empty() {
                let d = if used.is_empty() {
                    "http routes".to_string()
                } else {
                    used.join(", ")
                };
                find("http-routing", true, d);
            } else if tcp {
                find("tcp-routing", true, "tcp/tls routes".into());
            }
        }
        "DestinationRule" => {
            let mut used = Vec::new();
            let mut policies = vec![spec.get("trafficPolicy").unwrap_or(&Value::Null)];
            for sub in arr(spec.get("subsets")) {
                policies.push(sub.get("trafficPolicy").unwrap_or(&Value::Null));
            }
            for p in policies {
                for k in keys_present(
                    p,
                    &[
                        "loadBalancer",
                        "connectionPool",
                        "outlierDetection",
                        "portLevelSettings",
                    ],
                ) {
                    if !used.contains(&k) {
                        used.push(k);
                    }
                }
            }
            if !arr(spec.get("subsets")).is_empty() {
                used.push("subsets");
            }
            if used.is_empty() {
                find("tls-settings", false, "tls only: kept by ztunnel".into());
            } else {
                find("traffic-policy", true, used.join(", "));
            }
        }
        "AuthorizationPolicy" => {
            let action = spec
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or("ALLOW");
            let mut l7 = Vec::new();
            for rule in arr(spec.get("rules")) {
                for to in arr(rule.get("to")) {
                    let op = to.get("operation").unwrap_or(&Value::Null);
                    for k in keys_present(
                        op,
                        &[
                            "methods",
                            "notMethods",
                            "paths",
                            "notPaths",
                            "hosts",
                            "notHosts",
                        ],
                    ) {
                        if !l7.contains(&k) {
                            l7.push(k);
                        }
                    }
                }
                for from in arr(rule.get("from")) {
                    let src = from.get("source").unwrap_or(&Value::Null);
                    for k in keys_present(src, &["requestPrincipals", "notRequestPrincipals"]) {
                        if !l7.contains(&k) {
                            l7.push(k);
                        }
                    }
                }
                for w in arr(rule.get("when")) {
                    if w.get("key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k.starts_with("request."))
                        && !l7.contains(&"when request.*")
                    {
                        l7.push("when request.*");
                    }
                }
            }
            if action == "CUSTOM" {
                find("ext-authz", true, "action CUSTOM".into());
            } else if !l7.is_empty() {
                find("l7-authorization", true, l7.join(", "));
            } else {
                find(
                    "l4-authorization",
                    false,
                    "principals, namespaces, IP blocks or ports: kept by ztunnel".into(),
                );
            }
        }
        "RequestAuthentication" => find("jwt", true, "JWT validation".into()),
        "EnvoyFilter" => find(
            "envoyfilter",
            true,
            "no ambient equivalent: rework before migrating".into(),
        ),
        "WasmPlugin" => find("wasm", true, "Wasm extension".into()),
        "Telemetry" => {
            let l7 = keys_present(spec, &["accessLogging", "tracing"]);
            if l7.is_empty() {
                find(
                    "metrics",
                    false,
                    "metrics settings: L4 metrics kept by ztunnel".into(),
                );
            } else {
                find("l7-telemetry", true, l7.join(", "));
            }
        }
        "PeerAuthentication" => find("mtls-mode", false, "mTLS mode: kept by ztunnel".into()),
        "Sidecar" => {
            find(
                "sidecar-scope",
                false,
                "scopes what sidecars see; ambient has no sidecars".into(),
            );
            out.sidecar_namespace = Some(namespace.clone());
        }
        "HTTPRoute" | "GRPCRoute" | "TCPRoute" | "TLSRoute" if gateway_api => {
            let service_parent = arr(spec.get("parentRefs"))
                .iter()
                .any(|p| p.get("kind").and_then(Value::as_str) == Some("Service"));
            let feature = if kind == "HTTPRoute" || kind == "GRPCRoute" {
                "http-routing"
            } else {
                "tcp-routing"
            };
            if service_parent {
                find(feature, true, format!("{kind} on a Service (mesh)"));
            } else {
                find(
                    "gateway-routing",
                    false,
                    format!("{kind} on a Gateway: ingress only"),
                );
            }
        }
        "Gateway"
            if gateway_api
                && spec.get("gatewayClassName").and_then(Value::as_str)
                    == Some("istio-waypoint") =>
        {
            out.waypoint = Some(WaypointGateway {
                namespace: namespace.clone(),
                name: name.clone(),
            });
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(kind: &str, spec: Value) -> L7Finding {
        let obj = json!({"metadata": {"name": "x", "namespace": "shop"}, "spec": spec});
        read(kind, "networking.istio.io/v1", &obj)
            .findings
            .remove(0)
    }

    #[test]
    fn l4_policies_stay_with_ztunnel() {
        let f = one(
            "AuthorizationPolicy",
            json!({"rules": [{"from": [{"source": {"principals": ["a"]}}]}]}),
        );
        assert!(!f.needs_waypoint);
        let f = one(
            "AuthorizationPolicy",
            json!({"rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]}),
        );
        assert!(f.needs_waypoint);
        assert_eq!(f.detail, "methods");
    }

    #[test]
    fn gateway_only_routes_do_not_need_a_waypoint() {
        let f = one(
            "VirtualService",
            json!({"gateways": ["ingress"], "http": [{"route": []}]}),
        );
        assert!(!f.needs_waypoint);
        let f = one(
            "VirtualService",
            json!({"http": [{"fault": {}, "route": [{}, {}]}]}),
        );
        assert!(f.needs_waypoint);
        assert_eq!(f.detail, "fault, weighted routes");
    }
}
