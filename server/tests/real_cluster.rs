//! The real-cluster path (`--cluster kube`), driven through a kubeconfig over TLS against the
//! sandbox's loopback listener, as it would be against a real API server: users are
//! impersonated, RBAC decides, and each user's client is made once and reused.

use app::backend::{Cluster, SignedInUser};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use server::cluster::KubeCluster;
use server::sandbox::{Sandbox, SandboxOptions};

#[tokio::test]
async fn users_are_impersonated_over_tls_and_their_clients_reused() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = SandboxOptions::new(dir.path(), "user@example.com");
    options.listen = Some("127.0.0.1:0".parse().unwrap());
    let sandbox = Sandbox::start(options).await.unwrap();
    let (_, kubeconfig) = sandbox.listener.clone().expect("the sandbox listens");
    let kubeconfig = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let cluster = KubeCluster::from_config(config).unwrap();

    let user = SignedInUser {
        email: "user@example.com".into(),
        groups: vec![],
    };
    let own = Api::<Pod>::namespaced(cluster.as_user(&user).unwrap(), "kubeflow-user-example-com")
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(!own.items.is_empty(), "the seeded notebooks' pods");
    let refused = Api::<Pod>::namespaced(
        cluster.as_user(&user).unwrap(),
        "kubeflow-other-example-com",
    )
    .list(&ListParams::default())
    .await
    .unwrap_err();
    assert!(
        matches!(refused, kube::Error::Api(ref status) if status.code == 403),
        "{refused}"
    );
    assert_eq!(cluster.cached_users(), 1, "one client per user, reused");

    let admin = SignedInUser {
        email: "admin@example.com".into(),
        groups: vec!["system:masters".into()],
    };
    let everyone = Api::<Pod>::all(cluster.as_user(&admin).unwrap())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(everyone.items.len() > own.items.len());
    assert_eq!(cluster.cached_users(), 2);
    // The dashboard's own identity is the kubeconfig's, not a user's.
    cluster.as_dashboard().apiserver_version().await.unwrap();
}
