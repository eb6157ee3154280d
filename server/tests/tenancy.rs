//! Tenancy through the server functions, as several users (header auth on the sandbox): who
//! sees which namespaces, registration, and contributor management with its server-side
//! checks. No list may leak another tenant's namespace.

use axum::body::Body;
use http::{Request, StatusCode, header};
use serde_json::Value;

mod common;
#[path = "common/dashboard.rs"]
mod shared;
use shared::Dashboard;

const OWNER: &str = "user@example.com";
const OWN_NS: &str = "kubeflow-user-example-com";
const LEAD: &str = "lead@example.com";
const OTHER: &str = "other@example.com";
const OTHER_NS: &str = "kubeflow-other-example-com";
const STRANGER: &str = "nobody@example.com";

async fn dashboard(extra: &[&str]) -> Dashboard {
    shared::dashboard(extra, OWNER, |_| {}).await
}

/// Calls a server function as `user` (with `groups`), like the app's own client does.
async fn call(
    dashboard: &Dashboard,
    user: &str,
    groups: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let request = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("x-kfdash-csrf", "1")
        .header("kubeflow-userid", user)
        .header("kubeflow-groups", groups)
        .body(Body::from(body))
        .unwrap();
    dashboard.answer(request).await
}

fn names(workspaces: &Value) -> Vec<(String, String)> {
    workspaces["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["name"].as_str().unwrap().to_string(),
                row["role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_user_sees_exactly_their_namespaces() {
    let dashboard = dashboard(&[]).await;
    // (user, groups, expected namespaces with roles, cluster admin)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case] = &[
        (
            OWNER,
            "",
            &[(OWN_NS, "owner"), ("team-ml", "contributor")],
            false,
        ),
        (LEAD, "", &[("team-ml", "owner")], false),
        (OTHER, "", &[(OTHER_NS, "owner")], false),
        (STRANGER, "", &[], false),
        ("admin@example.com", "platform-admins", &[], true),
    ];
    for &(user, groups, expected, admin) in cases {
        let (status, workspaces) = call(&dashboard, user, groups, "workspaces", &[]).await;
        assert_eq!(status, StatusCode::OK, "{user}: {workspaces}");
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .collect();
        assert_eq!(names(&workspaces), expected, "{user}");
        assert_eq!(workspaces["cluster_admin"], admin, "{user}");
    }
    let (_, workspaces) = call(&dashboard, STRANGER, "", "workspaces", &[]).await;
    assert_eq!(workspaces["registration_open"], true);
    assert_eq!(
        workspaces["suggested_namespace"],
        "kubeflow-nobody-example-com"
    );
}

#[tokio::test]
async fn contributors_are_managed_by_owners_only() {
    let dashboard = dashboard(&[]).await;
    let list = async |user: &str, groups: &str, ns: &str| {
        call(
            &dashboard,
            user,
            groups,
            "contributors/list",
            &[("namespace", ns)],
        )
        .await
    };
    let (status, contributors) = list(LEAD, "", "team-ml").await;
    assert_eq!(status, StatusCode::OK, "{contributors}");
    assert_eq!(
        contributors,
        serde_json::json!([{ "email": OWNER, "role": "edit" }])
    );
    for (user, groups, ns) in [
        (OWNER, "", "team-ml"),
        (STRANGER, "", OWN_NS),
        (OTHER, "", OWN_NS),
    ] {
        let (status, error) = list(user, groups, ns).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user} on {ns}: {error}");
        assert_eq!(error["kind"], "forbidden");
    }
    let (status, _) = list("admin@example.com", "platform-admins", "team-ml").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "cluster admins may manage any namespace"
    );

    let add = async |user: &str, ns: &str, email: &str, role: &str| {
        call(
            &dashboard,
            user,
            "",
            "contributors/add",
            &[("namespace", ns), ("email", email), ("role", role)],
        )
        .await
    };
    let (status, added) = add(OWNER, OWN_NS, "ada@example.com", "view").await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added,
        serde_json::json!({ "email": "ada@example.com", "role": "view" })
    );
    let (status, error) = add(OWNER, OWN_NS, "ADA@example.com", "edit").await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "duplicates are refused, whatever the case: {error}"
    );
    let (status, error) = add(OWNER, OWN_NS, "not an email", "edit").await;
    assert_eq!(
        (status, error["kind"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid"))
    );
    let (status, _) = add(OWNER, OWN_NS, OWNER, "edit").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the owner cannot be their own contributor"
    );
    let (status, _) = add(OWNER, OWN_NS, "eve@example.com", "admin").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "only edit and view exist");
    let (status, _) = add(OWNER, "team-ml", "eve@example.com", "edit").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a contributor cannot add contributors"
    );
    let (status, _) = add(STRANGER, OWN_NS, "eve@example.com", "edit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Exactly what Kubeflow's access management writes, so upstream tools see the same.
    let bindings: kube::Api<k8s_openapi::api::rbac::v1::RoleBinding> =
        kube::Api::namespaced(dashboard.sandbox.admin_client(), OWN_NS);
    let binding = bindings
        .get("user-ada-example-com-clusterrole-view")
        .await
        .unwrap();
    assert_eq!(binding.role_ref.name, "kubeflow-view");
    let annotations = binding.metadata.annotations.unwrap();
    assert_eq!(
        (annotations["user"].as_str(), annotations["role"].as_str()),
        ("ada@example.com", "view")
    );

    let (_, workspaces) = call(&dashboard, "ada@example.com", "", "workspaces", &[]).await;
    assert_eq!(
        names(&workspaces),
        vec![(OWN_NS.to_string(), "viewer".to_string())]
    );

    let (status, _) = call(
        &dashboard,
        OWNER,
        "",
        "contributors/remove",
        &[("namespace", OWN_NS), ("email", "ada@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, workspaces) = call(&dashboard, "ada@example.com", "", "workspaces", &[]).await;
    assert!(
        names(&workspaces).is_empty(),
        "removed contributors lose the namespace"
    );
    let (status, _) = call(
        &dashboard,
        OWNER,
        "",
        "contributors/remove",
        &[("namespace", OWN_NS), ("email", "ada@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn registration_creates_the_users_own_profile_and_nothing_else() {
    let dashboard = dashboard(&[]).await;
    let register = async |user: &str, form: &[(&str, &str)]| {
        call(&dashboard, user, "", "workspaces/register", form).await
    };
    for (name, expected) in [
        ("Bad_Name", StatusCode::UNPROCESSABLE_ENTITY),
        ("kubeflow", StatusCode::UNPROCESSABLE_ENTITY),
        ("kube-anything", StatusCode::UNPROCESSABLE_ENTITY),
        ("team-ml", StatusCode::CONFLICT),
        ("kubeflow-user-example-com", StatusCode::CONFLICT),
    ] {
        let (status, error) = register(STRANGER, &[("namespace", name)]).await;
        assert_eq!(status, expected, "{name}: {error}");
    }
    // The owner is the verified user, whatever else the request carries.
    let (status, row) = register(STRANGER, &[("namespace", "nobody-lab"), ("owner", LEAD)]).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
        "{status} {row}"
    );
    if status == StatusCode::BAD_REQUEST {
        // Unknown fields are refused outright by the server function: register plainly.
        let (status, row) = register(STRANGER, &[("namespace", "nobody-lab")]).await;
        assert_eq!(status, StatusCode::OK, "{row}");
    }
    let profiles: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(
        dashboard.sandbox.admin_client(),
        &kube::core::ApiResource::from_gvk(&kube::core::GroupVersionKind::gvk(
            "kubeflow.org",
            "v1",
            "Profile",
        )),
    );
    let profile = profiles.get("nobody-lab").await.unwrap();
    assert_eq!(profile.data["spec"]["owner"]["name"], STRANGER);
    let (_, workspaces) = call(&dashboard, STRANGER, "", "workspaces", &[]).await;
    assert_eq!(
        names(&workspaces),
        vec![("nobody-lab".to_string(), "owner".to_string())]
    );
    let (status, error) = register(STRANGER, &[("namespace", "nobody-second")]).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "one namespace per user: {error}"
    );
    // A user who already owns one (the seeded dev user) cannot register another.
    let (status, _) = register(OWNER, &[("namespace", "second-home")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn registration_can_be_turned_off_on_the_server() {
    let dashboard = dashboard(&["--registration-flow", "false"]).await;
    let (_, workspaces) = call(&dashboard, STRANGER, "", "workspaces", &[]).await;
    assert_eq!(workspaces["registration_open"], false);
    let (status, error) = call(
        &dashboard,
        STRANGER,
        "",
        "workspaces/register",
        &[("namespace", "sneaky")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
}

#[tokio::test]
async fn activity_and_recent_notebooks_are_read_as_the_user() {
    let dashboard = dashboard(&[]).await;
    // Events exist once the controllers have moved the seeded pods along.
    let mut events = Value::Null;
    for _ in 0..100 {
        let (status, body) = call(
            &dashboard,
            OWNER,
            "",
            "activity/list",
            &[("namespace", OWN_NS)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body
            .as_array()
            .is_some_and(|list| list.iter().any(|e| e["reason"] == "Started"))
        {
            events = body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events = events
        .as_array()
        .expect("the owner sees their namespace's events");
    assert!(
        events
            .iter()
            .any(|e| e["reason"] == "FailedScheduling" && e["warning"] == true),
        "{events:?}"
    );
    let times: Vec<&str> = events.iter().filter_map(|e| e["time"].as_str()).collect();
    assert!(
        times.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first: {times:?}"
    );

    let (status, error) = call(
        &dashboard,
        STRANGER,
        "",
        "activity/list",
        &[("namespace", OWN_NS)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(
        error["detail"],
        format!("events in namespace {OWN_NS}"),
        "says what is out of reach"
    );

    let (status, notebooks) = call(
        &dashboard,
        OWNER,
        "",
        "notebooks/recent",
        &[("namespace", OWN_NS)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{notebooks}");
    let mut names: Vec<&str> = notebooks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["gpu-training", "scipy-explore", "vscode-dev"]);
    let stopped = notebooks
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "vscode-dev")
        .unwrap();
    assert_eq!(stopped["status"], "Stopped");
    let (status, _) = call(
        &dashboard,
        OTHER,
        "",
        "notebooks/recent",
        &[("namespace", OWN_NS)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no leaks across tenants");
}

#[tokio::test]
async fn links_come_from_a_file_that_is_reloaded_or_from_a_configmap() {
    let links = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(links.path(), r#"{"quickLinks": [{"text": "First", "desc": "d", "link": "/notebooks"}, {"text": "Evil", "link": "javascript:alert(1)"}]}"#).unwrap();
    let path = links.path().to_string_lossy().to_string();
    let dashboard = dashboard(&["--links-config", &path]).await;
    let (status, config) = call(&dashboard, OWNER, "", "links", &[]).await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(
        config["quickLinks"].as_array().unwrap().len(),
        1,
        "unsafe links are dropped: {config}"
    );
    assert_eq!(config["quickLinks"][0]["text"], "First");

    // Edited without a restart: the next request sees it. A broken edit keeps the last good one.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        links.path(),
        r#"{"quickLinks": [{"text": "Second", "link": "https://example.com"}]}"#,
    )
    .unwrap();
    let (_, config) = call(&dashboard, OWNER, "", "links", &[]).await;
    assert_eq!(config["quickLinks"][0]["text"], "Second");
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(links.path(), "{ not json").unwrap();
    let (status, config) = call(&dashboard, OWNER, "", "links", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["quickLinks"][0]["text"], "Second");

    drop(dashboard); // one router-level test fixture at a time (see common::turn)
    let from_cluster = dashboard_with_configmap().await;
    let (status, config) = call(&from_cluster, OWNER, "", "links", &[]).await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(config["documentationItems"][0]["text"], "Team handbook");
}

async fn dashboard_with_configmap() -> Dashboard {
    let dashboard = dashboard(&["--links-configmap", "kubeflow/centraldashboard-config"]).await;
    let configmap: k8s_openapi::api::core::v1::ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": { "name": "centraldashboard-config" },
        "data": { "links": r#"{"documentationItems": [{"text": "Team handbook", "desc": "", "link": "https://handbook.example.com"}]}"# },
    }))
    .unwrap();
    kube::Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(
        dashboard.sandbox.admin_client(),
        "kubeflow",
    )
    .create(&Default::default(), &configmap)
    .await
    .unwrap();
    dashboard
}
