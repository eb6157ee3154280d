//! kubectl (on the machine image) against the sandbox's listener, through the kubeconfig it
//! writes: get, apply (the real Katib examples), delete and watch.

use server::sandbox::{Sandbox, SandboxOptions};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn conformance(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance")
        .join(path)
}

async fn kubectl(kubeconfig: &Path, args: &[&str]) -> (bool, String) {
    kubectl_with_input(kubeconfig, args, "").await
}

/// kubectl with `input` on its standard input (for `apply -f -`).
async fn kubectl_with_input(kubeconfig: &Path, args: &[&str], input: &str) -> (bool, String) {
    let kubeconfig = kubeconfig.to_path_buf();
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    let input = input.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", kubeconfig.parent().unwrap())
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl is on the machine image (Google Cloud CLI)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    })
    .await
    .unwrap()
}

async fn started() -> (tempfile::TempDir, Sandbox, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = SandboxOptions::new(dir.path(), "user@example.com");
    options.listen = Some("127.0.0.1:0".parse().unwrap());
    let sandbox = Sandbox::start(options).await.unwrap();
    let kubeconfig = sandbox.listener.as_ref().unwrap().1.clone();
    (dir, sandbox, kubeconfig)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_lists_the_seeded_notebooks() {
    let (_dir, _sandbox, kubeconfig) = started().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kubeconfig).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the kubeconfig holds a token: owner-only");
    }
    let (ok, out) = kubectl(&kubeconfig, &["get", "notebooks", "-A"]).await;
    assert!(ok, "{out}");
    for expected in [
        "NAMESPACE",
        "scipy-explore",
        "vscode-dev",
        "gpu-training",
        "team-analysis",
        "private-research",
    ] {
        assert!(out.contains(expected), "{expected} missing from:\n{out}");
    }
    let (ok, out) = kubectl(
        &kubeconfig,
        &[
            "get",
            "ns",
            "kubeflow-user-example-com",
            "-o",
            "jsonpath={.metadata.annotations.owner}",
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert_eq!(out, "user@example.com");
    let (ok, out) = kubectl(
        &kubeconfig,
        &["api-resources", "--api-group=kubeflow.org", "-o", "name"],
    )
    .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("notebooks.kubeflow.org") && out.contains("experiments.kubeflow.org"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_every_katib_example_and_deletes_them() {
    let (_dir, _sandbox, kubeconfig) = started().await;
    // Imperative `kubectl create <builtin>` sends protobuf: the sandbox says what to use instead.
    let (ok, out) = kubectl(&kubeconfig, &["create", "namespace", "imperative"]).await;
    assert!(!ok && out.contains("kubectl apply -f"), "{out}");
    let (ok, out) = kubectl_with_input(
        &kubeconfig,
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: declared\n",
    )
    .await;
    assert!(ok && out.contains("namespace/declared created"), "{out}");
    let (ok, out) = kubectl(&kubeconfig, &["delete", "namespace", "declared"]).await;
    assert!(ok && out.contains("deleted"), "{out}");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(conformance("katib/examples")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.to_string_lossy().to_string();
        // The examples name namespace "kubeflow", which exists in the sandbox.
        let (ok, out) = kubectl(&kubeconfig, &["apply", "-f", &file]).await;
        assert!(ok && out.contains("created"), "{file}: {out}");
        let (ok, again) = kubectl(&kubeconfig, &["apply", "-f", &file]).await;
        assert!(
            ok && again.contains("unchanged"),
            "re-applying {file}: {again}"
        );
        names.push(out.split_whitespace().next().unwrap().to_string());
    }
    assert_eq!(names.len(), 9, "{names:?}");
    let (ok, out) = kubectl(
        &kubeconfig,
        &["get", "experiments", "-n", "kubeflow", "-o", "name"],
    )
    .await;
    assert!(ok, "{out}");
    assert_eq!(out.lines().count(), 9, "{out}");
    let (ok, out) = kubectl(
        &kubeconfig,
        &[
            "apply",
            "--server-side",
            "-f",
            &conformance("katib/examples/hp-tuning_random.yaml").to_string_lossy(),
        ],
    )
    .await;
    assert!(ok && out.contains("serverside-applied"), "{out}");
    for name in &names {
        let (ok, out) = kubectl(&kubeconfig, &["delete", name, "-n", "kubeflow"]).await;
        assert!(ok && out.contains("deleted"), "{name}: {out}");
    }
    let (ok, out) = kubectl(&kubeconfig, &["get", "experiments", "-n", "kubeflow"]).await;
    assert!(ok && out.contains("No resources found"), "{out}");
    let (ok, out) = kubectl(
        &kubeconfig,
        &["delete", "experiment", "not-there", "-n", "kubeflow"],
    )
    .await;
    assert!(!ok && out.contains("NotFound"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_watch_sees_changes_as_they_happen() {
    let (_dir, _sandbox, kubeconfig) = started().await;
    let mut watcher = Command::new("kubectl")
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", kubeconfig.parent().unwrap())
        .args([
            "get",
            "configmaps",
            "-n",
            "team-ml",
            "--watch",
            "-o",
            "name",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl is on the machine image");
    let stdout = watcher.stdout.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    // Give the watch time to open, then change something it should report.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: team-ml\ndata:\n  a: b\n";
    let (ok, out) = kubectl_with_input(&kubeconfig, &["apply", "-f", "-"], manifest).await;
    assert!(ok, "{out}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut found = false;
    while Instant::now() < deadline && !found {
        if let Ok(line) = seen.recv_timeout(Duration::from_millis(200)) {
            found = line.trim() == "configmap/watched";
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert!(found, "kubectl get --watch never printed configmap/watched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_kubeflow_and_katib_crds_apply_as_they_are() {
    let (_dir, _sandbox, kubeconfig) = started().await;
    let mut files: Vec<PathBuf> = ["kubeflow", "katib/crds"]
        .iter()
        .flat_map(|folder| {
            std::fs::read_dir(conformance(folder))
                .unwrap()
                .map(|entry| entry.unwrap().path())
        })
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.ends_with(".crd.yaml") || path.parent().unwrap().ends_with("crds")
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 7, "{files:?}");
    for file in &files {
        let (ok, out) = kubectl(
            &kubeconfig,
            &["apply", "--server-side", "-f", &file.to_string_lossy()],
        )
        .await;
        assert!(
            ok && out.contains("serverside-applied"),
            "{}: {out}",
            file.display()
        );
    }
    let (ok, out) = kubectl(&kubeconfig, &["get", "crd", "-o", "name"]).await;
    assert!(ok, "{out}");
    for crd in [
        "notebooks.kubeflow.org",
        "experiments.kubeflow.org",
        "trials.kubeflow.org",
        "poddefaults.kubeflow.org",
    ] {
        assert!(out.contains(crd), "{crd} missing: {out}");
    }
}
