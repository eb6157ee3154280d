//! The sandbox through kube-rs, as kfdash uses it: every verb, watch resume and 410, conflicts,
//! selectors, patch kinds, Status errors, RBAC and impersonation, the controllers, persistence.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;
use server::sandbox::rest::Identity;
use server::sandbox::{Sandbox, SandboxOptions, controllers::Pace};
use std::time::Duration;

const DEV_USER: &str = "user@example.com";
const DEV_NS: &str = "kubeflow-user-example-com";
const OTHER_NS: &str = "kubeflow-other-example-com";
const USER_TOKEN: &str = "token-of-a-plain-user";

async fn sandbox(dir: &std::path::Path) -> Sandbox {
    let mut options = SandboxOptions::new(dir, DEV_USER);
    options.pace = Pace {
        step: Duration::from_millis(40),
    };
    options.log_capacity = 50;
    options.extra_tokens = vec![(
        USER_TOKEN.into(),
        Identity {
            user: DEV_USER.into(),
            groups: vec!["system:authenticated".into()],
        },
    )];
    Sandbox::start(options).await.unwrap()
}

fn api_error(error: kube::Error) -> kube::core::Status {
    match error {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn configmap(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(
        json!({ "metadata": { "name": name, "labels": labels }, "data": { "k": "v" } }),
    )
    .unwrap()
}

fn notebooks(client: kube::Client, namespace: Option<&str>) -> Api<DynamicObject> {
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"));
    match namespace {
        Some(namespace) => Api::namespaced_with(client, namespace, &resource),
        None => Api::all_with(client, &resource),
    }
}

fn notebook(name: &str, gpus: u32) -> DynamicObject {
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"));
    let mut limits = json!({ "cpu": "1", "memory": "1Gi" });
    if gpus > 0 {
        limits["nvidia.com/gpu"] = json!(gpus.to_string());
    }
    DynamicObject::new(name, &resource).data(json!({
        "spec": { "template": { "spec": { "containers": [{ "name": name, "image": "jupyter:1", "resources": { "limits": limits } }] } } }
    }))
}

async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn every_verb_round_trips_with_status_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), DEV_NS);

    let created = api
        .create(&PostParams::default(), &configmap("settings", json!({})))
        .await
        .unwrap();
    let uid = created.metadata.uid.clone().unwrap();
    assert_eq!(created.metadata.namespace.as_deref(), Some(DEV_NS));
    assert!(created.metadata.creation_timestamp.is_some());

    let exists = api_error(
        api.create(&PostParams::default(), &configmap("settings", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (exists.code, exists.reason.as_str()),
        (409, "AlreadyExists")
    );

    let invalid = api_error(
        api.create(&PostParams::default(), &configmap("Not_Valid", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
    assert!(invalid.message.contains("RFC 1123"), "{}", invalid.message);

    let missing = api_error(api.get("nothing-here").await.unwrap_err());
    assert_eq!(
        (missing.code, missing.message.as_str()),
        (404, "configmaps \"nothing-here\" not found")
    );

    let mut fresh = api.get("settings").await.unwrap();
    fresh.data = Some([("k".to_string(), "updated".to_string())].into());
    let replaced = api
        .replace("settings", &PostParams::default(), &fresh)
        .await
        .unwrap();
    assert_eq!(replaced.data.unwrap()["k"], "updated");
    // `fresh` still carries the resourceVersion it was read at: writing it again is stale.
    let stale = api_error(
        api.replace("settings", &PostParams::default(), &fresh)
            .await
            .unwrap_err(),
    );
    assert_eq!((stale.code, stale.reason.as_str()), (409, "Conflict"));

    let merged = api
        .patch(
            "settings",
            &PatchParams::default(),
            &Patch::Merge(json!({ "data": { "merged": "yes" } })),
        )
        .await
        .unwrap();
    assert_eq!(merged.data.as_ref().unwrap()["merged"], "yes");
    let operations: json_patch::Patch = serde_json::from_value(
        json!([{ "op": "replace", "path": "/data/k", "value": "json-patched" }]),
    )
    .unwrap();
    let patched = api
        .patch(
            "settings",
            &PatchParams::default(),
            &Patch::Json::<()>(operations),
        )
        .await
        .unwrap();
    assert_eq!(patched.data.as_ref().unwrap()["k"], "json-patched");
    let failing: json_patch::Patch =
        serde_json::from_value(json!([{ "op": "test", "path": "/data/k", "value": "other" }]))
            .unwrap();
    assert_eq!(
        api_error(
            api.patch(
                "settings",
                &PatchParams::default(),
                &Patch::Json::<()>(failing)
            )
            .await
            .unwrap_err()
        )
        .code,
        422
    );

    let applied = api
        .patch("settings", &PatchParams::apply("kfdash"), &Patch::Apply(json!({ "apiVersion": "v1", "kind": "ConfigMap", "data": { "owned": "by-kfdash" } })))
        .await
        .unwrap();
    assert_eq!(applied.data.as_ref().unwrap()["owned"], "by-kfdash");
    let managers: Vec<String> = applied
        .metadata
        .managed_fields
        .unwrap()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect();
    assert!(managers.contains(&"kfdash".to_string()), "{managers:?}");
    let conflict = api_error(
        api.patch(
            "settings",
            &PatchParams::apply("someone-else"),
            &Patch::Apply(
                json!({ "apiVersion": "v1", "kind": "ConfigMap", "data": { "owned": "theirs" } }),
            ),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(conflict.code, 409);
    assert!(
        conflict.message.contains("conflict with \"kfdash\""),
        "{}",
        conflict.message
    );
    let forced = api
        .patch(
            "settings",
            &PatchParams::apply("someone-else").force(),
            &Patch::Apply(
                json!({ "apiVersion": "v1", "kind": "ConfigMap", "data": { "owned": "theirs" } }),
            ),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["owned"], "theirs");

    let dry = api
        .delete(
            "settings",
            &DeleteParams {
                dry_run: true,
                ..DeleteParams::default()
            },
        )
        .await
        .unwrap();
    assert!(dry.is_left(), "a dry run returns the object");
    assert!(
        api.get("settings").await.is_ok(),
        "a dry run deletes nothing"
    );
    api.delete("settings", &DeleteParams::default())
        .await
        .unwrap();
    assert_eq!(api_error(api.get("settings").await.unwrap_err()).code, 404);
    assert_ne!(uid, "");
}

#[tokio::test]
async fn status_subresource_and_generation_follow_kubernetes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let api = notebooks(sandbox.admin_client(), Some(DEV_NS));
    api.create(&PostParams::default(), &notebook("gen", 0))
        .await
        .unwrap();
    let before = api.get("gen").await.unwrap();
    assert_eq!(before.metadata.generation, Some(1));
    // A status write through the main resource is ignored; the status subresource takes it.
    let ignored = api
        .patch(
            "gen",
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "readyReplicas": 7 } })),
        )
        .await
        .unwrap();
    assert_ne!(ignored.data["status"]["readyReplicas"], 7);
    let status = api
        .patch_status(
            "gen",
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "readyReplicas": 7 } })),
        )
        .await
        .unwrap();
    assert_eq!(status.data["status"]["readyReplicas"], 7);
    assert_eq!(
        status.metadata.generation,
        Some(1),
        "status changes leave generation alone"
    );
    let labelled = api
        .patch(
            "gen",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "labels": { "a": "b" } } })),
        )
        .await
        .unwrap();
    assert_eq!(
        labelled.metadata.generation,
        Some(1),
        "metadata changes leave generation alone"
    );
    let changed = api.patch("gen", &PatchParams::default(), &Patch::Merge(json!({ "spec": { "template": { "spec": { "containers": [{ "name": "gen", "image": "jupyter:2" }] } } } }))).await.unwrap();
    assert_eq!(changed.metadata.generation, Some(2));
}

#[tokio::test]
async fn selectors_and_paging() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let client = sandbox.admin_client();
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({ "metadata": { "name": "paging" } })).unwrap(),
        )
        .await
        .unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client, "paging");
    for (name, labels) in [
        ("a-1", json!({ "tier": "a", "env": "prod" })),
        ("a-2", json!({ "tier": "a" })),
        ("b-1", json!({ "tier": "b", "env": "dev" })),
        ("c-1", json!({ "tier": "c" })),
        ("none", json!({})),
    ] {
        api.create(&PostParams::default(), &configmap(name, labels))
            .await
            .unwrap();
    }
    let names = async |params: ListParams| -> Vec<String> {
        api.list(&params)
            .await
            .unwrap()
            .items
            .into_iter()
            .filter_map(|cm| cm.metadata.name)
            .collect()
    };
    assert_eq!(
        names(ListParams::default().labels("tier=a")).await,
        ["a-1", "a-2"]
    );
    assert_eq!(
        names(ListParams::default().labels("tier!=a")).await,
        ["b-1", "c-1", "none"]
    );
    assert_eq!(
        names(ListParams::default().labels("tier in (b,c)")).await,
        ["b-1", "c-1"]
    );
    assert_eq!(
        names(ListParams::default().labels("tier notin (a,b)")).await,
        ["c-1", "none"]
    );
    assert_eq!(
        names(ListParams::default().labels("env")).await,
        ["a-1", "b-1"]
    );
    assert_eq!(
        names(ListParams::default().labels("!env,tier")).await,
        ["a-2", "c-1"]
    );
    assert_eq!(
        names(ListParams::default().fields("metadata.name=b-1")).await,
        ["b-1"]
    );
    assert_eq!(
        names(ListParams::default().fields("metadata.namespace=paging,metadata.name!=none"))
            .await
            .len(),
        4
    );
    let bad = api_error(
        api.list(&ListParams::default().labels("tier in (a"))
            .await
            .unwrap_err(),
    );
    assert_eq!(bad.code, 400);
    let unsupported = api_error(
        api.list(&ListParams::default().fields("spec.x=1"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (unsupported.code, unsupported.message.as_str()),
        (400, "field label not supported: spec.x")
    );

    let mut seen = Vec::new();
    let mut params = ListParams::default().limit(2);
    loop {
        let page = api.list(&params).await.unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().filter_map(|cm| cm.metadata.name));
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    assert_eq!(seen, ["a-1", "a-2", "b-1", "c-1", "none"]);
    let garbage = api_error(
        api.list(&ListParams::default().limit(2).continue_token("not-a-token"))
            .await
            .unwrap_err(),
    );
    assert_eq!(garbage.code, 400);
}

#[tokio::test]
async fn watch_streams_resumes_and_answers_410_when_too_old() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), DEV_NS);
    let start = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();

    let mut stream = api
        .watch(&WatchParams::default().timeout(10), &start)
        .await
        .unwrap()
        .boxed();
    api.create(&PostParams::default(), &configmap("watched", json!({})))
        .await
        .unwrap();
    api.patch(
        "watched",
        &PatchParams::default(),
        &Patch::Merge(json!({ "data": { "k": "2" } })),
    )
    .await
    .unwrap();
    api.delete("watched", &DeleteParams::default())
        .await
        .unwrap();
    let mut kinds = Vec::new();
    let mut after_added = String::new();
    while kinds.len() < 3 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(cm) => {
                after_added = cm.metadata.resource_version.unwrap();
                kinds.push("ADDED");
            }
            WatchEvent::Modified(_) => kinds.push("MODIFIED"),
            WatchEvent::Deleted(_) => kinds.push("DELETED"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);

    // Resuming from the ADDED event replays exactly what came after it.
    let mut resumed = api
        .watch(&WatchParams::default().timeout(10), &after_added)
        .await
        .unwrap()
        .boxed();
    assert!(matches!(
        resumed.try_next().await.unwrap().unwrap(),
        WatchEvent::Modified(_)
    ));
    assert!(matches!(
        resumed.try_next().await.unwrap().unwrap(),
        WatchEvent::Deleted(_)
    ));

    // A label-filtered watch sees an object leave its selection as DELETED.
    let now = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut filtered = api
        .watch(&WatchParams::default().labels("keep=yes").timeout(10), &now)
        .await
        .unwrap()
        .boxed();
    api.create(
        &PostParams::default(),
        &configmap("filtered", json!({ "keep": "yes" })),
    )
    .await
    .unwrap();
    api.patch(
        "filtered",
        &PatchParams::default(),
        &Patch::Merge(json!({ "metadata": { "labels": { "keep": "no" } } })),
    )
    .await
    .unwrap();
    assert!(matches!(
        filtered.try_next().await.unwrap().unwrap(),
        WatchEvent::Added(_)
    ));
    assert!(matches!(
        filtered.try_next().await.unwrap().unwrap(),
        WatchEvent::Deleted(_)
    ));

    // Sixty more writes overflow the 50-event log: the start version is gone.
    for i in 0..60 {
        api.create(
            &PostParams::default(),
            &configmap(&format!("churn-{i}"), json!({})),
        )
        .await
        .unwrap();
    }
    let mut expired = api
        .watch(&WatchParams::default(), &start)
        .await
        .unwrap()
        .boxed();
    match expired.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(error) => {
            assert_eq!((error.code, error.reason.as_str()), (410, "Expired"))
        }
        other => panic!("expected 410, got {other:?}"),
    }
}

#[tokio::test]
async fn bookmarks_arrive_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), DEV_NS);
    let params = WatchParams::streaming_lists().timeout(10);
    let mut stream = api.watch(&params, "").await.unwrap().boxed();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let WatchEvent::Bookmark(bookmark) = first else {
        panic!("expected the initial-events bookmark, got {first:?}")
    };
    assert_eq!(
        bookmark
            .metadata
            .annotations
            .get("k8s.io/initial-events-end")
            .map(String::as_str),
        Some("true")
    );
}

/// (user, namespace or "" for all, verb, allowed)
const RBAC_CASES: &[(&str, &str, &str, bool)] = &[
    (DEV_USER, DEV_NS, "list", true),
    (DEV_USER, DEV_NS, "create", true),
    (DEV_USER, "team-ml", "list", true),
    (DEV_USER, "team-ml", "create", true),
    (DEV_USER, OTHER_NS, "list", false),
    (DEV_USER, OTHER_NS, "create", false),
    (DEV_USER, "", "list", false),
    ("lead@example.com", "team-ml", "list", true),
    ("lead@example.com", DEV_NS, "list", false),
    ("other@example.com", OTHER_NS, "list", true),
    ("other@example.com", "team-ml", "list", false),
    ("nobody@example.com", DEV_NS, "list", false),
    ("nobody@example.com", "", "list", false),
];

#[tokio::test]
async fn rbac_decides_per_user_namespace_and_verb() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    for (index, &(user, namespace, verb, allowed)) in RBAC_CASES.iter().enumerate() {
        let client = sandbox.client_as(user, &[]);
        let api = notebooks(client, (!namespace.is_empty()).then_some(namespace));
        let result = match verb {
            "list" => api.list(&ListParams::default()).await.map(|_| ()),
            _ => api
                .create(
                    &PostParams::default(),
                    &notebook(&format!("rbac-{index}"), 0),
                )
                .await
                .map(|_| ()),
        };
        match (result, allowed) {
            (Ok(()), true) => {}
            (Err(error), false) => {
                let error = api_error(error);
                assert_eq!(
                    (error.code, error.reason.as_str()),
                    (403, "Forbidden"),
                    "{user} {verb} {namespace}"
                );
                assert!(
                    error.message.contains(&format!(
                        "User \"{user}\" cannot {verb} resource \"notebooks\""
                    )),
                    "{}",
                    error.message
                );
            }
            (outcome, _) => panic!(
                "{user} {verb} notebooks in {namespace:?}: expected allowed={allowed}, got {outcome:?}"
            ),
        }
    }
    // Contributors edit but do not manage access: only owners touch RoleBindings.
    let bindings: Api<RoleBinding> = Api::namespaced(sandbox.client_as(DEV_USER, &[]), "team-ml");
    assert_eq!(
        api_error(
            bindings
                .delete("namespaceAdmin", &DeleteParams::default())
                .await
                .unwrap_err()
        )
        .code,
        403
    );
    let own_bindings: Api<RoleBinding> = Api::namespaced(sandbox.client_as(DEV_USER, &[]), DEV_NS);
    assert!(own_bindings.list(&ListParams::default()).await.is_ok());
    // Viewers never see secrets.
    let secrets: Api<k8s_openapi::api::core::v1::Secret> =
        Api::namespaced(sandbox.client_as("viewer@example.com", &[]), DEV_NS);
    assert_eq!(
        api_error(secrets.list(&ListParams::default()).await.unwrap_err()).code,
        403
    );
}

#[tokio::test]
async fn only_the_dashboard_may_impersonate_and_tokens_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    // A plain user forging impersonation headers is refused, as the API server does.
    let forged = sandbox.client(USER_TOKEN, Some(("sandbox-admin", &["system:masters"])));
    let error = api_error(
        Api::<Namespace>::all(forged)
            .list(&ListParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code, 403);
    assert!(
        error
            .message
            .contains("cannot impersonate resource \"users\""),
        "{}",
        error.message
    );
    // The same user without the forgery gets exactly their own rights.
    let plain: Api<ConfigMap> = Api::namespaced(sandbox.client(USER_TOKEN, None), DEV_NS);
    assert!(plain.list(&ListParams::default()).await.is_ok());
    // The dashboard impersonating someone cannot smuggle in a privileged group it may not name.
    let unknown = sandbox.client("no-such-token", None);
    assert_eq!(
        api_error(
            Api::<Namespace>::all(unknown)
                .list(&ListParams::default())
                .await
                .unwrap_err()
        )
        .code,
        401
    );

    // SelfSubjectAccessReview answers from the same evaluator, for the impersonated user.
    let reviews: Api<DynamicObject> = Api::all_with(
        sandbox.client_as(DEV_USER, &[]),
        &ApiResource::from_gvk(&GroupVersionKind::gvk(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
        )),
    );
    let ask = |namespace: &str| {
        let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
        ));
        DynamicObject::new("", &resource).data(json!({ "spec": { "resourceAttributes": { "namespace": namespace, "verb": "list", "group": "kubeflow.org", "resource": "notebooks" } } }))
    };
    let mine = reviews
        .create(&PostParams::default(), &ask(DEV_NS))
        .await
        .unwrap();
    assert_eq!(mine.data["status"]["allowed"], true);
    let theirs = reviews
        .create(&PostParams::default(), &ask(OTHER_NS))
        .await
        .unwrap();
    assert_eq!(theirs.data["status"]["allowed"], false);
}

#[tokio::test]
async fn notebooks_get_pods_that_start_stop_and_go_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let client = sandbox.client_as(DEV_USER, &[]);
    let api = notebooks(client.clone(), Some(DEV_NS));
    let pods: Api<Pod> = Api::namespaced(client.clone(), DEV_NS);
    api.create(&PostParams::default(), &notebook("lab", 0))
        .await
        .unwrap();

    let running = eventually("the pod to run", async || {
        let pod = pods.get_opt("lab-0").await.unwrap()?;
        (pod.status.as_ref()?.phase.as_deref() == Some("Running")).then_some(pod)
    })
    .await;
    assert_eq!(running.metadata.labels.unwrap()["notebook-name"], "lab");
    eventually("the notebook to report ready", async || {
        (api.get("lab").await.unwrap().data["status"]["readyReplicas"] == 1).then_some(())
    })
    .await;
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client.clone(), DEV_NS);
    let reasons: Vec<String> = events
        .list(&ListParams::default().fields("involvedObject.name=lab-0"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|event| event.reason)
        .collect();
    for reason in ["Scheduled", "Pulling", "Started"] {
        assert!(reasons.contains(&reason.to_string()), "{reasons:?}");
    }
    let logs = pods.logs("lab-0", &Default::default()).await.unwrap();
    assert!(
        logs.contains("/notebook/kubeflow-user-example-com/lab/lab"),
        "{logs}"
    );

    api.patch(
        "lab",
        &PatchParams::default(),
        &Patch::Merge(
            json!({ "metadata": { "annotations": { "kubeflow-resource-stopped": "now" } } }),
        ),
    )
    .await
    .unwrap();
    eventually("the pod to go", async || {
        pods.get_opt("lab-0").await.unwrap().is_none().then_some(())
    })
    .await;
    eventually("the notebook to report stopped", async || {
        (api.get("lab").await.unwrap().data["status"]["readyReplicas"] == 0).then_some(())
    })
    .await;

    api.patch("lab", &PatchParams::default(), &Patch::Json::<()>(serde_json::from_value(json!([{ "op": "remove", "path": "/metadata/annotations/kubeflow-resource-stopped" }])).unwrap())).await.unwrap();
    eventually("the pod to come back", async || {
        pods.get_opt("lab-0").await.unwrap()
    })
    .await;
    api.delete("lab", &DeleteParams::default()).await.unwrap();
    eventually("the pod to be deleted with its notebook", async || {
        pods.get_opt("lab-0").await.unwrap().is_none().then_some(())
    })
    .await;

    // More GPUs than the sandbox node has: Pending with the scheduler's reason, once. (The
    // seed's quota, whose 2 GPUs gpu-training holds, would refuse the pod before that.)
    Api::<k8s_openapi::api::core::v1::ResourceQuota>::namespaced(sandbox.admin_client(), DEV_NS)
        .delete("kf-resource-quota", &DeleteParams::default())
        .await
        .unwrap();
    api.create(&PostParams::default(), &notebook("greedy", 4))
        .await
        .unwrap();
    let pending = eventually("the scheduler to give up", async || {
        let pod = pods.get_opt("greedy-0").await.unwrap()?;
        let condition = pod.status.as_ref()?.conditions.as_ref()?.first()?.clone();
        (condition.reason.as_deref() == Some("Unschedulable")).then_some(condition)
    })
    .await;
    assert!(
        pending
            .message
            .unwrap()
            .contains("Insufficient nvidia.com/gpu")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failed = events
        .list(&ListParams::default().fields("involvedObject.name=greedy-0,reason=FailedScheduling"))
        .await
        .unwrap();
    assert_eq!(
        failed.items.len(),
        1,
        "the scheduler reports once, not in a loop"
    );
}

#[tokio::test]
async fn profiles_make_namespaces_with_an_owner_and_take_them_away() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let admin = sandbox.admin_client();
    let profiles: Api<DynamicObject> = Api::all_with(
        admin.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Profile")),
    );
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Profile"));
    let profile = DynamicObject::new("ada-lab", &resource).data(json!({
        "spec": { "owner": { "kind": "User", "name": "ada@example.com" }, "resourceQuotaSpec": { "hard": { "cpu": "4" } } }
    }));
    profiles
        .create(&PostParams::default(), &profile)
        .await
        .unwrap();
    let namespaces: Api<Namespace> = Api::all(admin.clone());
    let namespace = eventually("the namespace", async || {
        namespaces.get_opt("ada-lab").await.unwrap()
    })
    .await;
    assert_eq!(
        namespace.metadata.annotations.unwrap()["owner"],
        "ada@example.com"
    );
    let binding = eventually("the owner binding", async || {
        Api::<RoleBinding>::namespaced(admin.clone(), "ada-lab")
            .get_opt("namespaceAdmin")
            .await
            .unwrap()
    })
    .await;
    assert_eq!(binding.role_ref.name, "kubeflow-admin");
    assert_eq!(binding.metadata.annotations.unwrap()["role"], "admin");
    for account in ["default-editor", "default-viewer"] {
        assert!(
            Api::<ServiceAccount>::namespaced(admin.clone(), "ada-lab")
                .get_opt(account)
                .await
                .unwrap()
                .is_some(),
            "{account}"
        );
    }
    let quota: Api<k8s_openapi::api::core::v1::ResourceQuota> =
        Api::namespaced(admin.clone(), "ada-lab");
    assert!(quota.get_opt("kf-resource-quota").await.unwrap().is_some());
    assert!(
        notebooks(sandbox.client_as("ada@example.com", &[]), Some("ada-lab"))
            .list(&ListParams::default())
            .await
            .is_ok()
    );

    profiles
        .delete("ada-lab", &DeleteParams::default())
        .await
        .unwrap();
    eventually("the namespace to go with its profile", async || {
        namespaces
            .get_opt("ada-lab")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn state_survives_a_restart_and_damage_is_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = sandbox(dir.path()).await;
        let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), DEV_NS);
        api.create(
            &PostParams::default(),
            &configmap("kept", json!({ "a": "b" })),
        )
        .await
        .unwrap();
        sandbox.save_now().unwrap();
    }
    {
        let sandbox = sandbox(dir.path()).await;
        let api: Api<ConfigMap> = Api::namespaced(sandbox.admin_client(), DEV_NS);
        assert_eq!(
            api.get("kept").await.unwrap().metadata.labels.unwrap()["a"],
            "b"
        );
        sandbox.save_now().unwrap();
    }
    let state = dir.path().join("state.json");
    let whole = std::fs::read(&state).unwrap();
    std::fs::write(&state, &whole[..whole.len() / 2]).unwrap();
    let error = match Sandbox::start(SandboxOptions::new(dir.path(), DEV_USER)).await {
        Ok(_) => panic!("a damaged state file must not start"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("damaged") && error.contains("--sandbox-reset"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        &whole[..whole.len() / 2],
        "the damaged file is kept for the user"
    );
    assert!(
        dir.path().join("state.json.bak").exists(),
        "the previous good save is there to restore"
    );

    let mut reset = SandboxOptions::new(dir.path(), DEV_USER);
    reset.reset = true;
    let fresh = Sandbox::start(reset).await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(fresh.admin_client(), DEV_NS);
    assert!(
        api.get_opt("kept").await.unwrap().is_none(),
        "--sandbox-reset starts from the seed"
    );
}

#[tokio::test]
async fn kube_rs_discovery_finds_the_kubeflow_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(dir.path()).await;
    let discovery = kube::discovery::Discovery::new(sandbox.admin_client())
        .run()
        .await
        .unwrap();
    let kubeflow = discovery
        .get("kubeflow.org")
        .expect("kubeflow.org is served");
    let kinds: Vec<String> = kubeflow
        .versions()
        .flat_map(|version| kubeflow.versioned_resources(version))
        .map(|(resource, _)| resource.kind)
        .collect();
    for kind in ["Notebook", "Profile", "PodDefault", "Experiment", "Trial"] {
        assert!(kinds.contains(&kind.to_string()), "{kinds:?}");
    }
    let seeded = notebooks(sandbox.admin_client(), None)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(
        seeded.items.len(),
        5,
        "the seed has five notebooks in three namespaces"
    );
}

/// A sandbox whose node has `gpus` GPUs of each kind, with a namespace of its own (no quota).
async fn sandbox_with_gpus(dir: &std::path::Path, gpus: u32, namespace: &str) -> Sandbox {
    let mut options = SandboxOptions::new(dir, DEV_USER);
    options.pace = Pace {
        step: Duration::from_millis(40),
    };
    options.node_gpus = gpus;
    let sandbox = Sandbox::start(options).await.unwrap();
    let namespaces: Api<Namespace> = Api::all(sandbox.admin_client());
    let made: Namespace =
        serde_json::from_value(json!({ "metadata": { "name": namespace } })).unwrap();
    namespaces
        .create(&PostParams::default(), &made)
        .await
        .unwrap();
    sandbox
}

/// A notebook with this image and these container resources.
fn notebook_with(name: &str, image: &str, resources: serde_json::Value) -> DynamicObject {
    let resource = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Notebook"));
    DynamicObject::new(name, &resource).data(json!({
        "spec": { "template": { "spec": { "containers": [{ "name": name, "image": image, "resources": resources }] } } }
    }))
}

/// The notebook, its pod and the namespace's events as raw JSON, as the UI reads them.
async fn observed(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> (
    serde_json::Value,
    Option<serde_json::Value>,
    Vec<serde_json::Value>,
) {
    let raw = |resource: ApiResource| -> Api<DynamicObject> {
        Api::namespaced_with(client.clone(), namespace, &resource)
    };
    let notebook = notebooks(client.clone(), Some(namespace))
        .get(name)
        .await
        .unwrap();
    let pod = raw(ApiResource::erase::<Pod>(&()))
        .get_opt(&format!("{name}-0"))
        .await
        .unwrap();
    let events = raw(ApiResource::erase::<k8s_openapi::api::core::v1::Event>(&()))
        .list(&ListParams::default())
        .await
        .unwrap();
    let json = |object: &DynamicObject| serde_json::to_value(object).unwrap();
    (
        json(&notebook),
        pod.as_ref().map(json),
        events.items.iter().map(json).collect(),
    )
}

/// What the notebooks list shows for the notebook, read from the sandbox; with `with_pod`
/// false, as a list that didn't fetch pods.
async fn shown_status(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    with_pod: bool,
) -> app::model::NotebookStatus {
    let (notebook, pod, events) = observed(client, namespace, name).await;
    let events: Vec<&serde_json::Value> = events.iter().collect();
    let pod = pod.as_ref().filter(|_| with_pod);
    app::domain::notebook_status::notebook_status(&notebook, pod, &events)
}

async fn event_reasons(client: &kube::Client, namespace: &str, object: &str) -> Vec<String> {
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client.clone(), namespace);
    events
        .list(&ListParams::default().fields(&format!("involvedObject.name={object}")))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|event| event.reason)
        .collect()
}

#[tokio::test]
async fn the_sandbox_node_has_as_many_gpus_as_configured() {
    use app::model::StatusPhase;
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with_gpus(dir.path(), 2, "gpu-lab").await;
    let client = sandbox.admin_client();
    let api = notebooks(client.clone(), Some("gpu-lab"));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "gpu-lab");
    let phase = |pod: &Pod| pod.status.as_ref().and_then(|s| s.phase.clone());

    api.create(&PostParams::default(), &notebook("fits", 2))
        .await
        .unwrap();
    api.create(&PostParams::default(), &notebook("greedy", 3))
        .await
        .unwrap();
    let gaudi = notebook_with(
        "gaudi",
        "vault.habana.ai/gaudi-docker/1.18.0/ubuntu22.04/habanalabs/pytorch-installer-2.4.0:latest",
        json!({ "limits": { "habana.ai/gaudi": "3" } }),
    );
    api.create(&PostParams::default(), &gaudi).await.unwrap();

    eventually("the notebook within capacity to run", async || {
        let pod = pods.get_opt("fits-0").await.unwrap()?;
        (phase(&pod).as_deref() == Some("Running")).then_some(())
    })
    .await;
    eventually("the list to show it running", async || {
        let status = shown_status(&client, "gpu-lab", "fits", true).await;
        (status.phase == StatusPhase::Ready).then_some(())
    })
    .await;
    for (name, key) in [("greedy", "nvidia.com/gpu"), ("gaudi", "habana.ai/gaudi")] {
        let message = eventually("the scheduler to give up", async || {
            let pod = pods.get_opt(&format!("{name}-0")).await.unwrap()?;
            let condition = pod.status?.conditions?.into_iter().next()?;
            (condition.reason.as_deref() == Some("Unschedulable")).then_some(condition.message?)
        })
        .await;
        assert!(
            message.starts_with(&format!("0/1 nodes are available: 1 Insufficient {key}.")),
            "{message}"
        );
        let status = shown_status(&client, "gpu-lab", name, true).await;
        assert_eq!(status.phase, StatusPhase::Warning);
        assert_eq!(
            status.message,
            format!("Unschedulable: not enough GPU ({key})")
        );
        // A list that doesn't fetch pods reads the conditions the notebook mirrors.
        let mirrored = eventually("the notebook to mirror its pod", async || {
            let status = shown_status(&client, "gpu-lab", name, false).await;
            (status.phase == StatusPhase::Warning).then_some(status)
        })
        .await;
        assert_eq!(mirrored.message, status.message);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reasons = event_reasons(&client, "gpu-lab", "greedy-0").await;
    assert_eq!(
        reasons,
        ["FailedScheduling"],
        "reported once, not in a loop"
    );
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client.clone(), "gpu-lab");
    let failed = events
        .list(&ListParams::default().fields("involvedObject.name=greedy-0"))
        .await
        .unwrap();
    assert_eq!(failed.items[0].count, Some(1));

    // Asking for fewer makes a new pod from the changed template, and that one fits.
    api.patch(
        "greedy",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "template": { "spec": { "containers": [{ "name": "greedy", "image": "jupyter:1", "resources": { "limits": { "nvidia.com/gpu": "1" } } }] } } } })),
    )
    .await
    .unwrap();
    eventually("the smaller notebook to run", async || {
        let pod = pods.get_opt("greedy-0").await.unwrap()?;
        (phase(&pod).as_deref() == Some("Running")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn an_image_that_does_not_exist_backs_off_and_says_why() {
    use app::model::StatusPhase;
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with_gpus(dir.path(), 1, "pull-lab").await;
    let client = sandbox.admin_client();
    let api = notebooks(client.clone(), Some("pull-lab"));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "pull-lab");
    let image = "doesnotexist:latest";
    api.create(
        &PostParams::default(),
        &notebook_with("typo", image, json!({ "requests": { "cpu": "500m" } })),
    )
    .await
    .unwrap();

    let waiting = |pod: &Pod| -> Option<k8s_openapi::api::core::v1::ContainerStateWaiting> {
        pod.status
            .as_ref()?
            .container_statuses
            .as_ref()?
            .first()?
            .state
            .as_ref()?
            .waiting
            .clone()
    };
    let backing_off = eventually("the kubelet to back off", async || {
        let pod = pods.get_opt("typo-0").await.unwrap()?;
        let waiting = waiting(&pod)?;
        (waiting.reason.as_deref() == Some("ImagePullBackOff")).then_some(waiting)
    })
    .await;
    assert_eq!(
        backing_off.message.as_deref(),
        Some("Back-off pulling image \"doesnotexist:latest\"")
    );
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), "pull-lab");
    let pulled: Vec<(String, String, String)> = events
        .list(&ListParams::default().fields("involvedObject.name=typo-0"))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| {
            (
                e.type_.unwrap_or_default(),
                e.reason.unwrap_or_default(),
                e.message.unwrap_or_default(),
            )
        })
        .collect();
    let has = |kind: &str, reason: &str, message: &str| {
        pulled
            .iter()
            .any(|(t, r, m)| t == kind && r == reason && m.starts_with(message))
    };
    assert!(
        has("Normal", "Pulling", "Pulling image \"doesnotexist:latest\""),
        "{pulled:?}"
    );
    assert!(
        has(
            "Warning",
            "Failed",
            "Failed to pull image \"doesnotexist:latest\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/doesnotexist:latest\""
        ),
        "{pulled:?}"
    );
    assert!(
        has("Warning", "Failed", "Error: ErrImagePull"),
        "{pulled:?}"
    );
    assert!(
        has(
            "Normal",
            "BackOff",
            "Back-off pulling image \"doesnotexist:latest\""
        ),
        "{pulled:?}"
    );
    assert!(
        has("Warning", "Failed", "Error: ImagePullBackOff"),
        "{pulled:?}"
    );

    let expected = "Image can't be pulled: doesnotexist:latest (not found)";
    let status = shown_status(&client, "pull-lab", "typo", true).await;
    assert_eq!(
        (status.phase, status.message.as_str()),
        (StatusPhase::Warning, expected)
    );
    let mirrored = eventually("the notebook to mirror its pod", async || {
        let status = shown_status(&client, "pull-lab", "typo", false).await;
        (status.phase == StatusPhase::Warning).then_some(status)
    })
    .await;
    assert_eq!(mirrored.message, expected);

    // It stays there: no timer keeps stepping it.
    let before = pods.get("typo-0").await.unwrap().metadata.resource_version;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = pods.get("typo-0").await.unwrap();
    assert_eq!(after.metadata.resource_version, before);
    assert_eq!(
        waiting(&after).unwrap().reason.as_deref(),
        Some("ImagePullBackOff")
    );

    // Fixing the image makes a new pod, which runs.
    api.patch(
        "typo",
        &PatchParams::default(),
        &Patch::Merge(json!({ "spec": { "template": { "spec": { "containers": [{ "name": "typo", "image": "jupyter:1" }] } } } })),
    )
    .await
    .unwrap();
    eventually("the fixed notebook to run", async || {
        let status = shown_status(&client, "pull-lab", "typo", true).await;
        (status.phase == StatusPhase::Ready).then_some(())
    })
    .await;
}

/// Each object's kind, name and resourceVersion: what changes when anything does.
async fn versions_of<K>(kind: &str, api: &Api<K>) -> Vec<(String, String, String)>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|object| {
            let meta = object.meta();
            (
                kind.to_string(),
                meta.name.clone().unwrap_or_default(),
                meta.resource_version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_quota_refuses_the_pod_until_it_is_raised() {
    use app::model::StatusPhase;
    use k8s_openapi::api::core::v1::ResourceQuota;
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox_with_gpus(dir.path(), 1, "quota-lab").await;
    let client = sandbox.admin_client();
    let api = notebooks(client.clone(), Some("quota-lab"));
    let pods: Api<Pod> = Api::namespaced(client.clone(), "quota-lab");
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), "quota-lab");
    let quota: ResourceQuota = serde_json::from_value(json!({
        "metadata": { "name": "compute" },
        "spec": { "hard": { "requests.cpu": "2", "requests.memory": "8Gi", "limits.memory": "16Gi", "pods": "10", "persistentvolumeclaims": "5" } },
    }))
    .unwrap();
    quotas.create(&PostParams::default(), &quota).await.unwrap();
    let used = async |key: &str| -> Option<String> {
        let quota = quotas.get("compute").await.unwrap();
        Some(quota.status?.used?.get(key)?.0.clone())
    };

    api.create(
        &PostParams::default(),
        &notebook_with("first", "jupyter:1", json!({ "requests": { "cpu": "1500m", "memory": "1Gi" }, "limits": { "memory": "2Gi" } })),
    )
    .await
    .unwrap();
    eventually("the first pod to be made", async || {
        pods.get_opt("first-0").await.unwrap()
    })
    .await;
    eventually("the quota to count it", async || {
        (used("requests.cpu").await.as_deref() == Some("1500m")).then_some(())
    })
    .await;
    assert_eq!(used("pods").await.as_deref(), Some("1"));
    assert_eq!(used("limits.memory").await.as_deref(), Some("2Gi"));
    assert_eq!(used("persistentvolumeclaims").await.as_deref(), Some("0"));

    // Limits stand in for requests left out, as the API server defaults them.
    api.create(
        &PostParams::default(),
        &notebook_with(
            "second",
            "jupyter:1",
            json!({ "limits": { "cpu": "1", "memory": "1Gi" } }),
        ),
    )
    .await
    .unwrap();
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), "quota-lab");
    let refusal = eventually("the quota to refuse the pod", async || {
        events
            .list(&ListParams::default().fields("involvedObject.name=second,reason=FailedCreate"))
            .await
            .unwrap()
            .items
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(refusal.type_.as_deref(), Some("Warning"));
    assert_eq!(refusal.involved_object.kind.as_deref(), Some("Notebook"));
    assert_eq!(
        refusal.message.as_deref(),
        Some(
            "pods \"second-0\" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2"
        )
    );
    let status = shown_status(&client, "quota-lab", "second", true).await;
    assert_eq!(status.phase, StatusPhase::Warning);
    assert_eq!(
        status.message,
        "Quota exceeded: requests.cpu=1 requested, 1.5 of 2 used (quota compute)"
    );
    // Refused, and not retried in a loop. (Only this namespace is watched: the seeded Katib
    // experiment elsewhere keeps writing.)
    let events: Api<k8s_openapi::api::core::v1::Event> =
        Api::namespaced(client.clone(), "quota-lab");
    let versions = || async {
        let mut seen = versions_of("event", &events).await;
        seen.extend(versions_of("pod", &pods).await);
        seen.extend(versions_of("notebook", &api).await);
        seen.sort();
        seen
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(pods.get_opt("second-0").await.unwrap().is_none());
    let first_settled =
        pods.get("first-0").await.unwrap().status.unwrap().phase == Some("Running".into());
    assert!(first_settled);
    let again = versions().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        versions().await,
        again,
        "nothing changes while nothing changes"
    );

    // Raising the quota lets the pod be made.
    quotas
        .patch(
            "compute",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "hard": { "requests.cpu": "4" } } })),
        )
        .await
        .unwrap();
    eventually("the pod to run once the quota allows it", async || {
        let pod = pods.get_opt("second-0").await.unwrap()?;
        (pod.status?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;
    eventually("the quota to count both", async || {
        (used("requests.cpu").await.as_deref() == Some("2500m")).then_some(())
    })
    .await;
    eventually("the list to show it running", async || {
        let status = shown_status(&client, "quota-lab", "second", true).await;
        (status.phase == StatusPhase::Ready).then_some(())
    })
    .await;
}
