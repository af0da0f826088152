//! `meshsim calibrate`: synthetic tables with known coefficients are fitted back to them, the
//! istio/tools runs are fitted as the closed form of weighted least squares says, the preset it
//! writes is what a scenario runs, and bad tables and preset files are located errors.

use std::path::Path;

use crate::{meshsim, root, scenario, text};

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

fn read(dir: &Path, f: &str) -> String {
    std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
}

/// `(key, value)` of every coefficient row of `coefficients.csv` for `proxy` and `figure`.
fn coefficients(dir: &Path, proxy: &str, figure: &str) -> Vec<(String, f64, String)> {
    let text = read(dir, "coefficients.csv");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[col("proxy")] == proxy && c[col("figure")] == figure)
        .map(|c| {
            (
                c[col("key")].to_string(),
                c[col("value")].parse().unwrap(),
                c[col("settled")].to_string(),
            )
        })
        .collect()
}

/// Sidecars and ztunnels measured from known coefficients (memory in bytes, CPU as a Prometheus
/// rate in cores): `meshsim calibrate` writes exactly those coefficients, every point's error is
/// 0, and a scenario that names the preset runs on them and says so.
#[test]
fn a_synthetic_table_is_fitted_back_and_the_preset_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("proxy,label,services,endpoints,pods,rps,connections,cpu,memory\n");
    // Sidecar: 41,000,000 B + 90,000 B per service + 3,000 B per endpoint; 4m + 310m per 1000 rps.
    for (s, e, r) in [
        (10, 20, 100),
        (50, 400, 1000),
        (200, 900, 2500),
        (400, 5000, 10),
        (30, 3000, 700),
    ] {
        let mem = 41_000_000 + 90_000 * s + 3_000 * e;
        let cpu_cores = (4.0 + 0.310 * r as f64) / 1000.0;
        csv.push_str(&format!("sidecar,s{s},{s},{e},,{r},,{cpu_cores},{mem}\n"));
    }
    // ztunnel: 21,000,000 B + 1,700,000 B per local pod + 6,000 B per connection; CPU 2m + 60m per 1000 rps.
    for (p, c, r) in [
        (1, 32, 100),
        (2, 64, 2000),
        (4, 32, 500),
        (8, 16, 50),
        (6, 128, 1000),
    ] {
        let mem = 21_000_000 + 1_700_000 * p + 6_000 * c;
        let milli = 2 + 60 * r / 1000;
        csv.push_str(&format!("ztunnel,z{p},,,{p},{r},{c},{milli}m,{mem}\n"));
    }
    let table = write(d, "proxies.csv", &csv);
    let o = meshsim(
        d,
        &["calibrate", &table, "--out", "cal", "--name", "my-fit"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let out = text(&o).0;
    assert!(
        out.contains("sidecar memory: 5 points, RMS error 0.0 %, largest 0.0 %"),
        "{out}"
    );
    let cal = d.join("cal");
    let preset = read(&cal, "preset.toml");
    for line in [
        "name = \"my-fit\"",
        "base = \"istio-1.24\"",
        "[sidecar]\nbase_memory = \"41000000\"\nmemory_per_cluster = \"90000\"\nmemory_per_endpoint = \"3000\"\nbase_cpu = \"4m\"\ncpu_per_1000_rps = \"310m\"",
        "[ztunnel]\nbase_memory = \"21000000\"\nmemory_per_local_pod = \"1700000\"\nmemory_per_connection = \"6000\"\nmemory_per_1000_rps = \"0\"\nbase_cpu = \"2m\"\ncpu_per_1000_rps = \"60m\"",
    ] {
        assert!(preset.contains(line), "{line} not in\n{preset}");
    }
    // Features the table does not give keep the base preset's figure and are said to.
    let z = coefficients(&cal, "ztunnel", "memory");
    let per_cluster_pod = z.iter().find(|c| c.0 == "memory_per_cluster_pod").unwrap();
    assert_eq!(
        (per_cluster_pod.1, per_cluster_pod.2.as_str()),
        (2684.0, "kept: not in the table")
    );
    let fit = read(&cal, "fit.csv");
    assert_eq!(fit.lines().count(), 1 + 4 * 5, "{fit}");
    let head: Vec<&str> = fit.lines().next().unwrap().split(',').collect();
    let err = head
        .iter()
        .position(|h| *h == "relative_error_pct")
        .unwrap();
    for l in fit.lines().skip(1) {
        let e: f64 = l.split(',').nth(err).unwrap().parse().unwrap();
        assert!(e.abs() < 1e-6, "{l}");
    }
    // A scenario names the preset by a path relative to itself.
    let base = std::fs::read_to_string(scenario("istio-benchmark")).unwrap();
    assert!(base.contains("preset = \"istio-1.24\""));
    let s = write(
        d,
        "bench.toml",
        &base.replace("preset = \"istio-1.24\"", "preset = \"cal/preset.toml\""),
    );
    let loaded = meshsim_scenarios::load(Path::new(&s)).unwrap();
    let c = &loaded.mesh.costs;
    assert_eq!(c.sidecar.base_memory_bytes, 41e6);
    assert_eq!(c.sidecar.cpu_milli_per_1000_rps, 310.0);
    assert_eq!(c.ztunnel.memory_per_local_pod_bytes, 1.7e6);
    assert_eq!(c.waypoint, meshsim_models::presets::istio_1_24().waypoint);
    let o = meshsim(d, &["run", &s, "--out", "first", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let report = read(&d.join("first"), "report.html");
    assert!(
        report.contains("mesh figures from the preset file") && report.contains("preset istio-1.24 with sidecar memory (base_memory, memory_per_cluster, memory_per_endpoint) fitted on proxies: 5 points, RMS error 0.0 %"),
        "the report states where the mesh figures come from"
    );
    // run.json names the preset file by its absolute path and reproduces the run.
    let o = meshsim(d, &["run", "first/run.json", "--out", "second", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(
        read(&d.join("first"), "summary.csv"),
        read(&d.join("second"), "summary.csv")
    );
    assert_eq!(
        read(&d.join("first"), "proxies.csv"),
        read(&d.join("second"), "proxies.csv")
    );
}

/// The istio/tools 2020 runs of one mode: 12 runs give 24 sidecar points (client and server).
/// The fit minimises squared relative errors, so it has a closed form to check against: for
/// memory (no feature varies) the level Σ(1/y)/Σ(1/y²); for CPU on rps the weighted normal
/// equations with weights 1/y².
#[test]
fn the_istio_tools_runs_are_fitted_as_the_closed_form_says() {
    let data = root().join("data/istio-bench/benchmark-2020-08.csv");
    let text_csv = std::fs::read_to_string(&data).unwrap();
    let mut lines = text_csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let mode = "v2-stats-nullvm_both";
    let (mut mem, mut cpu) = (Vec::new(), Vec::new());
    for l in lines {
        let c: Vec<&str> = l.split(',').collect();
        if !c[col("Labels")].ends_with(&format!("_{mode}")) {
            continue;
        }
        let qps: f64 = c[col("ActualQPS")].parse().unwrap();
        for who in ["client", "server"] {
            let m: f64 = c[col(&format!("mem_Mi_avg_istio_proxy_fortio{who}"))]
                .parse()
                .unwrap();
            let u: f64 = c[col(&format!("cpu_mili_avg_istio_proxy_fortio{who}"))]
                .parse()
                .unwrap();
            mem.push(m * 1024.0 * 1024.0);
            cpu.push((qps / 1000.0, u));
        }
    }
    assert_eq!(mem.len(), 24);
    let level =
        mem.iter().map(|y| 1.0 / y).sum::<f64>() / mem.iter().map(|y| 1.0 / (y * y)).sum::<f64>();
    let (mut s0, mut s1, mut s2, mut t0, mut t1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y) in &cpu {
        let w = 1.0 / (y * y);
        s0 += w;
        s1 += w * x;
        s2 += w * x * x;
        t0 += w * y;
        t1 += w * x * y;
    }
    let slope = (s0 * t1 - s1 * t0) / (s0 * s2 - s1 * s1);
    let intercept = (t0 - slope * s1) / s0;

    let dir = tempfile::tempdir().unwrap();
    let o = meshsim(
        dir.path(),
        &[
            "calibrate",
            data.to_str().unwrap(),
            "--version",
            mode,
            "--out",
            "cal",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let cal = dir.path().join("cal");
    let m = coefficients(&cal, "sidecar", "memory");
    assert_eq!(m[0], ("base_memory".into(), level.round(), "fitted".into()));
    let c = coefficients(&cal, "sidecar", "cpu");
    assert_eq!(
        c[0],
        ("base_cpu".into(), intercept.round(), "fitted".into())
    );
    assert_eq!(
        c[1],
        ("cpu_per_1000_rps".into(), slope.round(), "fitted".into())
    );
    // The figures themselves, for the record: ≈ 74 MiB per sidecar, 7m + 251m per 1000 rps.
    assert_eq!((level / 1048576.0).round(), 74.0);
    assert_eq!((intercept.round(), slope.round()), (7.0, 251.0));
    // The RMS error reported is the written preset's, recomputed here.
    let rms = (cpu
        .iter()
        .map(|(x, y)| ((intercept.round() + slope.round() * x - y) / y).powi(2))
        .sum::<f64>()
        / cpu.len() as f64)
        .sqrt();
    let coef = read(&cal, "coefficients.csv");
    let row = coef.lines().find(|l| l.contains(",cpu,base_cpu,")).unwrap();
    let reported: f64 = row.rsplit(',').nth(1).unwrap().parse().unwrap();
    assert!(
        (reported - 100.0 * rms).abs() < 1e-5,
        "{reported} vs {}",
        100.0 * rms
    );
}

#[test]
fn bad_tables_and_preset_files_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = root().join("data/istio-bench/benchmark-2020-08.csv");
    let o = meshsim(d, &["calibrate", data.to_str().unwrap(), "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("version: the table holds 7 versions") && err.contains("v2-stats-nullvm_both"),
        "{err}"
    );
    assert!(!d.join("x").exists(), "no partial output");
    let o = meshsim(
        d,
        &[
            "calibrate",
            data.to_str().unwrap(),
            "--version",
            "v2-stats",
            "--out",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("no row has version `v2-stats`"),
        "{:?}",
        text(&o)
    );
    let t = write(
        d,
        "t.csv",
        "proxy,rps,cpu\nsidecar,10,1m\nsidecar,ten,2m\nsidecar,30,3m\n",
    );
    let o = meshsim(d, &["calibrate", &t, "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("t.csv:3:2: rps: is not a number"),
        "{:?}",
        text(&o)
    );
    let t = write(d, "one.csv", "proxy,rps,cpu\nsidecar,10,1m\n");
    let o = meshsim(d, &["calibrate", &t, "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .1
            .contains("sidecar cpu: 1 point(s) for 1 coefficient(s)"),
        "{:?}",
        text(&o)
    );
    let o = meshsim(d, &["calibrate", &t, "--base", "istio-9", "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("--base: unknown preset `istio-9`"),
        "{:?}",
        text(&o)
    );
    assert!(!d.join("x").exists(), "no partial output");

    // Preset files named by a scenario.
    let base = std::fs::read_to_string(scenario("istio-benchmark")).unwrap();
    let with =
        |preset: &str| base.replace("preset = \"istio-1.24\"", &format!("preset = \"{preset}\""));
    let s = write(d, "a.toml", &with("missing.toml"));
    let o = meshsim(d, &["validate", &s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("a.toml:21:10: mesh.preset: the preset file cannot be read"),
        "{err}"
    );
    write(
        d,
        "p.toml",
        "[preset]\nname = \"p\"\nbase = \"istio-1.9\"\n\n[sidecar]\nbase_memroy = \"1Mi\"\n",
    );
    let s = write(d, "b.toml", &with("p.toml"));
    let o = meshsim(d, &["validate", &s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("p.toml:6:1") && err.contains("base_memroy"),
        "{err}"
    );
    write(
        d,
        "q.toml",
        "[preset]\nname = \"q\"\nbase = \"istio-1.9\"\n\n[sidecar]\nbase_memory = \"1Mi\"\n",
    );
    let s = write(d, "c.toml", &with("q.toml"));
    let o = meshsim(d, &["validate", &s]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o).1;
    assert!(
        err.contains("q.toml:3:8: preset.base: unknown base preset `istio-1.9`"),
        "{err}"
    );
    let o = meshsim(d, &["validate", &write(d, "e.toml", &with("istio-1.25"))]);
    assert!(
        text(&o)
            .1
            .contains("or a preset file (a path ending in .toml"),
        "{:?}",
        text(&o)
    );
}

/// Runs `meshsim calibrate <data> <args> --name <name>` and checks that it writes exactly the
/// shipped `scenarios/presets/<name>.toml`; returns the fit table it wrote.
fn shipped_preset_fit(data: &str, args: &[&str], name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let data = root().join(data);
    let mut argv = vec!["calibrate", data.to_str().unwrap()];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--name", name, "--out", "cal", "--quiet"]);
    let o = meshsim(dir.path(), &argv);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let cal = dir.path().join("cal");
    let shipped =
        std::fs::read_to_string(root().join(format!("scenarios/presets/{name}.toml"))).unwrap();
    assert_eq!(
        read(&cal, "preset.toml"),
        shipped,
        "regenerate the shipped preset with the command above"
    );
    read(&cal, "fit.csv")
}

/// `scenarios/presets/istio-1.22.0-eks.toml` is what `meshsim calibrate` writes from the
/// LiveWyer figures shipped in `data/livewyer/` (so it cannot go stale), and it reproduces
/// every one of them within 5 %: the summed bookinfo sidecars (226 → 521 MiB for 1 → 8
/// productpage replicas, which istio-1.22.0's base figure alone puts 40–48 % too high) and the
/// ztunnel on the application node (22.9 → 34.8 MiB, which istio-1.22.0's base and per-pod figures
/// put 56–71 % too low).
#[test]
fn the_shipped_eks_preset_is_current_and_reproduces_the_livewyer_figures() {
    let fit = shipped_preset_fit(
        "data/livewyer/istio-1.22-eks-memory.csv",
        &["--base", "istio-1.22.0"],
        "istio-1.22.0-eks",
    );
    let head: Vec<&str> = fit.lines().next().unwrap().split(',').collect();
    let err = head
        .iter()
        .position(|h| *h == "relative_error_pct")
        .unwrap();
    let errors: Vec<f64> = fit
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(err).unwrap().parse().unwrap())
        .collect();
    assert_eq!(errors.len(), 10);
    assert!(errors.iter().all(|e| e.abs() < 5.0), "{errors:?}");
    // What the base preset gives at the same points, for the record in the docs: the model at
    // N + 5 sidecars and at a node of N + 5 pods (no rps, connections or cluster pods given).
    let base = meshsim_models::presets::istio_1_22_0();
    let mib = 1_048_576.0;
    for (k, measured) in [(6.0, 226.43), (13.0, 521.1)] {
        let e = k * base.sidecar.base_memory_bytes / mib / measured - 1.0;
        assert!((0.39..0.49).contains(&e), "sidecars × {k}: {e}");
    }
    for (pods, measured) in [(6.0, 22.88), (13.0, 34.83)] {
        let z =
            (base.ztunnel.base_memory_bytes + pods * base.ztunnel.memory_per_local_pod_bytes) / mib;
        let e = z / measured - 1.0;
        assert!((-0.72..-0.55).contains(&e), "ztunnel at {pods} pods: {e}");
    }
    // The scenario resolves the shipped preset by a path relative to itself.
    let s = std::fs::read_to_string(scenario("istio-benchmark"))
        .unwrap()
        .replace(
            "preset = \"istio-1.24\"",
            "preset = \"presets/istio-1.22.0-eks.toml\"",
        );
    let loaded =
        meshsim_scenarios::parse_in("eks.toml", &s, Some(&root().join("scenarios"))).unwrap();
    assert_eq!(loaded.mesh.costs.sidecar.base_memory_bytes, 41_131_903.0);
    assert_eq!(
        loaded.mesh.costs.ztunnel.request, base.ztunnel.request,
        "istio-1.22.0's ztunnel request"
    );
}

/// `scenarios/presets/istio-1.7-tools.toml` is what `meshsim calibrate` writes from the
/// istio/tools runs of August 2020 shipped in `data/istio-bench/` (telemetry v2 stats, sidecars
/// on both sides: 12 runs, a client and a server sidecar each). One base figure for 24 points
/// whose client sidecars sit near 70 MiB and whose server sidecars near 102 MiB lies between
/// the two groups' means (a least-squares fit of relative errors weights the smaller values up),
/// far above the 1.7-era page's 40 MB that `istio-1.7` carries; the fitted CPU per 1000 rps
/// lies below that page's 0.35 vCPU.
#[test]
fn the_shipped_istio_tools_preset_is_current_and_sits_between_client_and_server() {
    let fit = shipped_preset_fit(
        "data/istio-bench/benchmark-2020-08.csv",
        &["--version", "v2-stats-nullvm_both", "--base", "istio-1.7"],
        "istio-1.7-tools",
    );
    let head: Vec<&str> = fit.lines().next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (label, measured, fitted) = (
        col("label"),
        col("measured_memory_mib"),
        col("fitted_memory_mib"),
    );
    let (mut client, mut server, mut model) = (vec![], vec![], 0.0);
    for l in fit.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let Ok(m) = f[measured].parse::<f64>() else {
            continue;
        };
        model = f[fitted].parse().unwrap();
        if f[label].ends_with(" client") {
            client.push(m);
        } else {
            server.push(m);
        }
    }
    assert_eq!((client.len(), server.len()), (12, 12));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&client) < model && model < mean(&server),
        "{} < {model} < {}",
        mean(&client),
        mean(&server)
    );
    let base = meshsim_models::presets::istio_1_7();
    assert!(model > 1.8 * base.sidecar.base_memory_bytes / 1_048_576.0);
    let shipped =
        std::fs::read_to_string(root().join("scenarios/presets/istio-1.7-tools.toml")).unwrap();
    assert!(shipped.contains("cpu_per_1000_rps = \"251m\""), "{shipped}");
    assert!(base.sidecar.cpu_milli_per_1000_rps > 251.0);
}
