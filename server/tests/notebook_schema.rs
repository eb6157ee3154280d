//! The spawner against upstream's real files: the Jupyter web app's spawner_ui_config.yaml
//! reads as is, and every Notebook the form can produce passes the Notebook CRD's schema (with
//! the validation patch the kustomize build applies), checked strictly.

mod schema;

use app::domain::spawner::{self, default_form, notebook_object, pvc_objects, validate};
use app::model::{
    AffinityOption, Choice, GpuDefaults, GpuForm, GpuVendor, ImageGroup, Locked, NotebookForm,
    ResourceDefaults, ServerType, SpawnerConfig, TolerationOption, VolumeDefaults, VolumeForm,
    VolumeSource, WorkspaceChoice,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn conformance(file: &str) -> String {
    let path = format!(
        "{}/../../shared/conformance/kubeflow/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn real_config() -> SpawnerConfig {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SpawnerUiConfig {
        spawner_form_defaults: SpawnerConfig,
    }
    let file: SpawnerUiConfig = serde_saphyr::from_str(&conformance("spawner_ui_config.yaml"))
        .expect("spawner_ui_config.yaml parses");
    file.spawner_form_defaults
}

/// The Notebook CRD as the kustomize build installs it: the base file plus the JSON patch.
fn notebook_crd() -> Value {
    let mut crd: Value = serde_saphyr::from_str(&conformance("notebooks.kubeflow.org.crd.yaml"))
        .expect("the CRD parses");
    let patch: Value = serde_saphyr::from_str(&conformance(
        "notebooks.kubeflow.org.crd.validation_patches.yaml",
    ))
    .expect("the patch parses");
    let patch: json_patch::Patch =
        serde_json::from_value(patch).expect("the patch is a JSON patch");
    json_patch::patch(&mut crd, &patch).expect("the patch applies");
    crd
}

fn image(name: &str) -> String {
    format!("ghcr.io/kubeflow/kubeflow/notebook-servers/{name}:v1.11.0")
}

#[test]
fn the_real_spawner_config_reads_with_every_value() {
    let expected = SpawnerConfig {
        allow_custom_image: true,
        hide_registry: true,
        hide_tag: false,
        image_pull_policy: Locked {
            read_only: false,
            value: "IfNotPresent".into(),
        },
        image: ImageGroup {
            read_only: false,
            value: image("jupyter-scipy"),
            options: [
                "jupyter-scipy",
                "jupyter-pytorch-full",
                "jupyter-pytorch-cuda-full",
                "jupyter-tensorflow-full",
                "jupyter-tensorflow-cuda-full",
            ]
            .map(image)
            .to_vec(),
        },
        image_group_one: ImageGroup {
            read_only: false,
            value: image("codeserver-python"),
            options: vec![image("codeserver-python")],
        },
        image_group_two: ImageGroup {
            read_only: false,
            value: image("rstudio-tidyverse"),
            options: vec![image("rstudio-tidyverse")],
        },
        cpu: ResourceDefaults {
            read_only: false,
            value: "0.5".into(),
            limit_factor: Some("1.2".into()),
        },
        memory: ResourceDefaults {
            read_only: false,
            value: "1.0Gi".into(),
            limit_factor: Some("1.2".into()),
        },
        gpus: Locked {
            read_only: false,
            value: GpuDefaults {
                vendor: String::new(),
                vendors: [
                    ("nvidia.com/gpu", "NVIDIA"),
                    ("amd.com/gpu", "AMD"),
                    ("habana.ai/gaudi", "Intel Gaudi"),
                ]
                .map(|(limits_key, ui_name)| GpuVendor {
                    limits_key: limits_key.into(),
                    ui_name: ui_name.into(),
                })
                .to_vec(),
                num: "none".into(),
            },
        },
        workspace_volume: Locked {
            read_only: false,
            value: Some(VolumeDefaults {
                mount: "/home/jovyan".into(),
                new_pvc: Some(json!({
                    "metadata": { "name": "{notebook-name}-workspace" },
                    "spec": {
                        "resources": { "requests": { "storage": "5Gi" } },
                        "accessModes": ["ReadWriteOnce"]
                    }
                })),
                existing_source: None,
            }),
        },
        data_volumes: Locked {
            read_only: false,
            value: vec![],
        },
        affinity_config: Choice {
            read_only: false,
            value: String::new(),
            options: vec![],
        },
        toleration_group: Choice {
            read_only: false,
            value: String::new(),
            options: vec![],
        },
        shm: Locked {
            read_only: false,
            value: true,
        },
        configurations: Locked {
            read_only: false,
            value: vec![],
        },
        environment: Locked {
            read_only: false,
            value: BTreeMap::new(),
        },
    };
    assert_eq!(real_config(), expected);
}

#[test]
fn the_real_configs_default_form_spawns_what_upstream_would() {
    let config = real_config();
    let form = NotebookForm {
        name: "my-notebook".into(),
        ..default_form(&config)
    };
    let valid = validate(&form, &config, &[]).expect("the default form is valid");
    let notebook = notebook_object(&valid, &config, "kubeflow-user", "user@example.com");
    let container = &notebook["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], image("jupyter-scipy"));
    assert_eq!(
        container["resources"],
        json!({
            "requests": { "cpu": "500m", "memory": "1Gi" },
            "limits": { "cpu": "600m", "memory": "1229Mi" }
        })
    );
    assert_eq!(
        pvc_objects(&valid, "kubeflow-user"),
        vec![json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": "my-notebook-workspace",
                "namespace": "kubeflow-user",
                "labels": { "kfdash.kubeflow.org/notebook": "my-notebook" }
            },
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": { "requests": { "storage": "5Gi" } }
            }
        })]
    );
}

#[test]
fn the_validation_patch_is_applied_to_every_version() {
    let crd = notebook_crd();
    for version in ["v1", "v1alpha1", "v1beta1"] {
        let containers = schema::version_schema(&crd, version)
            .and_then(|schema| {
                schema.pointer(
                    "/properties/spec/properties/template/properties/spec/properties/containers",
                )
            })
            .unwrap_or_else(|| panic!("{version} has containers"));
        assert_eq!(containers["minItems"], 1, "{version}");
        assert_eq!(
            containers["items"]["required"],
            json!(["name", "image"]),
            "{version}"
        );
    }
}

/// The real config with the presets and data volumes its comments describe.
fn full_config() -> SpawnerConfig {
    let mut config = real_config();
    config.affinity_config.options = vec![AffinityOption {
        config_key: "dedicated_node_per_notebook".into(),
        display_name: "Dedicated Node Per Notebook".into(),
        affinity: json!({
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{
                        "matchExpressions": [
                            { "key": "lifecycle", "operator": "In", "values": ["kubeflow-notebook"] }
                        ]
                    }]
                }
            },
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [{
                    "labelSelector": {
                        "matchExpressions": [{ "key": "notebook-name", "operator": "Exists" }]
                    },
                    "topologyKey": "kubernetes.io/hostname",
                    "namespaceSelector": {}
                }]
            }
        }),
    }];
    config.toleration_group.options = ["c5.xlarge", "c5.2xlarge", "r5.8xlarge"]
        .iter()
        .enumerate()
        .map(|(index, machine)| TolerationOption {
            group_key: format!("group_{}", index + 1),
            display_name: format!("{machine} nodes"),
            tolerations: vec![json!({
                "key": "dedicated",
                "operator": "Equal",
                "value": format!("kubeflow-{machine}"),
                "effect": "NoSchedule"
            })],
        })
        .collect();
    config.data_volumes.value = vec![
        VolumeDefaults {
            mount: "/home/jovyan/datavol-1".into(),
            new_pvc: Some(json!({
                "metadata": { "name": "{notebook-name}-datavol-1" },
                "spec": {
                    "resources": { "requests": { "storage": "5Gi" } },
                    "accessModes": ["ReadWriteOnce"]
                }
            })),
            existing_source: None,
        },
        VolumeDefaults {
            mount: "/home/jovyan/datavol-2".into(),
            new_pvc: None,
            existing_source: Some(json!({ "persistentVolumeClaim": { "claimName": "test-pvc" } })),
        },
    ];
    config
}

fn existing(claim: &str, mount: &str) -> VolumeForm {
    VolumeForm {
        source: VolumeSource::Existing {
            claim: claim.into(),
        },
        mount: mount.into(),
    }
}

fn new_claim(name: &str, size: &str, class: Option<&str>, mode: &str, mount: &str) -> VolumeForm {
    VolumeForm {
        source: VolumeSource::New {
            name: name.into(),
            size: size.into(),
            storage_class: class.map(str::to_string),
            access_mode: mode.into(),
        },
        mount: mount.into(),
    }
}

/// Every kind of notebook the form can produce under `config`.
fn variants(config: &SpawnerConfig) -> Vec<(String, NotebookForm)> {
    let base = |name: &str| NotebookForm {
        name: name.into(),
        ..NotebookForm::default()
    };
    let mut variants = Vec::new();
    for server_type in ServerType::ALL {
        variants.push(NotebookForm {
            server_type,
            ..base(&format!("type-{}", server_type.annotation()))
        });
    }
    variants.push(NotebookForm {
        image: Some("registry.example.com/team/custom-notebook@sha256:0123".into()),
        image_pull_policy: Some("Always".into()),
        ..base("custom-image")
    });
    for (index, vendor) in config.gpus.value.vendors.iter().enumerate() {
        for num in ["1", "2", "4", "8"] {
            variants.push(NotebookForm {
                gpus: Some(GpuForm {
                    num: num.into(),
                    vendor: vendor.limits_key.clone(),
                }),
                ..base(&format!("gpu-{index}-{num}"))
            });
        }
    }
    variants.push(NotebookForm {
        workspace: Some(WorkspaceChoice::None),
        data_volumes: Some(vec![]),
        ..base("no-workspace")
    });
    variants.push(NotebookForm {
        workspace: Some(WorkspaceChoice::Volume(existing(
            "shared.home",
            "/home/jovyan",
        ))),
        ..base("existing-workspace")
    });
    variants.push(NotebookForm {
        workspace: Some(WorkspaceChoice::Volume(new_claim(
            "{notebook-name}-home",
            "20Gi",
            Some("standard-rwo"),
            "ReadWriteOncePod",
            "/home/jovyan",
        ))),
        data_volumes: Some(vec![
            new_claim(
                "{notebook-name}-a",
                "1.5Gi",
                None,
                "ReadWriteOnce",
                "/data/a",
            ),
            new_claim("scratch", "500M", Some("fast"), "ReadWriteMany", "/scratch"),
            existing("datasets", "/datasets"),
            existing("datasets", "/data/datasets-again"),
            existing("long-claim-name.".repeat(8).trim_end_matches('.'), "/long"),
        ]),
        ..base("data-volumes")
    });
    variants.push(NotebookForm {
        configurations: Some(vec![
            "access-ml-pipeline".into(),
            "kubeflow.org/gpu-drivers".into(),
        ]),
        ..base("configurations")
    });
    for option in &config.affinity_config.options {
        for group in &config.toleration_group.options {
            variants.push(NotebookForm {
                affinity: Some(option.config_key.clone()),
                tolerations: Some(group.group_key.clone()),
                ..base(&format!("presets-{}", group.group_key.replace('_', "-")))
            });
        }
    }
    variants.push(NotebookForm {
        shm: Some(false),
        ..base("no-shm")
    });
    variants.push(NotebookForm {
        environment: Some(
            [
                ("TZ", "Europe/Paris"),
                ("HF_HOME", "/data/hf"),
                ("EMPTY", ""),
            ]
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .into(),
        ),
        ..base("environment")
    });
    variants.push(NotebookForm {
        cpu: Some("2".into()),
        cpu_limit: Some("2.5".into()),
        memory: Some("4Gi".into()),
        memory_limit: Some("8G".into()),
        ..base("explicit-limits")
    });
    variants.push(NotebookForm {
        name: "defaults".into(),
        ..default_form(config)
    });
    variants
        .into_iter()
        .map(|form| (form.name.clone(), form))
        .collect()
}

fn configs() -> Vec<(&'static str, SpawnerConfig)> {
    let mut no_limits = full_config();
    no_limits.cpu.limit_factor = Some("none".into());
    no_limits.memory.limit_factor = None;
    vec![("full", full_config()), ("no limits", no_limits)]
}

#[test]
fn every_notebook_the_form_can_produce_passes_the_crd_schema() {
    let crd = notebook_crd();
    let mut checked = 0;
    for (config_name, config) in configs() {
        for (name, form) in variants(&config) {
            let valid = validate(&form, &config, &[])
                .unwrap_or_else(|errors| panic!("{config_name}/{name}: {errors:#?}"));
            let notebook = notebook_object(&valid, &config, "kubeflow-user", "user@example.com");
            let problems = schema::validate_resource(&crd, &notebook);
            assert!(
                problems.is_empty(),
                "{config_name}/{name}: {problems:#?}\n{notebook:#}"
            );
            for pvc in pvc_objects(&valid, "kubeflow-user") {
                assert_pvc_shape(&pvc);
            }
            checked += 1;
        }
    }
    assert!(checked >= 2 * 25, "only {checked} variants");
}

#[test]
fn the_variants_really_vary() {
    let config = full_config();
    let notebook = |name: &str| {
        let (_, form) = variants(&config)
            .into_iter()
            .find(|(variant, _)| variant == name)
            .unwrap();
        let valid = validate(&form, &config, &[]).unwrap();
        (notebook_object(&valid, &config, "ns", "me"), valid)
    };
    let pod = |notebook: &Value| notebook["spec"]["template"]["spec"].clone();
    let all = configs();
    let no_limits_config = &all[1].1;
    let form = NotebookForm {
        name: "nl".into(),
        ..NotebookForm::default()
    };
    let valid = validate(&form, no_limits_config, &[]).unwrap();
    let no_limits = notebook_object(&valid, no_limits_config, "ns", "me");
    assert_eq!(
        pod(&no_limits)["containers"][0]["resources"].get("limits"),
        None
    );
    let (gaudi, _) = notebook("gpu-2-8");
    assert_eq!(
        pod(&gaudi)["containers"][0]["resources"]["limits"]["habana.ai/gaudi"],
        "8"
    );
    let (presets, _) = notebook("presets-group-3");
    assert_eq!(
        pod(&presets)["affinity"],
        config.affinity_config.options[0].affinity
    );
    assert_eq!(
        pod(&presets)["tolerations"][0]["value"],
        "kubeflow-r5.8xlarge"
    );
    let (volumes, valid) = notebook("data-volumes");
    assert_eq!(pod(&volumes)["volumes"].as_array().unwrap().len(), 6);
    assert_eq!(pvc_objects(&valid, "ns").len(), 3);
    let (defaults, valid) = notebook("defaults");
    let defaults_pod = pod(&defaults);
    let mounts: Vec<&str> = defaults_pod["containers"][0]["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mount| mount["mountPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        mounts,
        [
            "/home/jovyan",
            "/home/jovyan/datavol-1",
            "/home/jovyan/datavol-2",
            "/dev/shm"
        ]
    );
    assert_eq!(pvc_objects(&valid, "ns").len(), 2);
    let (rstudio, _) = notebook("type-group-two");
    assert_eq!(
        rstudio["metadata"]["annotations"]["notebooks.kubeflow.org/http-headers-request-set"],
        r#"{"X-RStudio-Root-Path":"/notebook/ns/type-group-two/"}"#
    );
}

#[test]
fn a_clone_of_every_variant_is_the_same_notebook() {
    for (config_name, config) in configs() {
        for (name, form) in variants(&config) {
            let valid = validate(&form, &config, &[]).unwrap();
            let notebook = notebook_object(&valid, &config, "ns", "me");
            let again = spawner::form_from_notebook(&notebook, &config);
            let valid_again = validate(&again, &config, &[])
                .unwrap_or_else(|errors| panic!("{config_name}/{name}: {errors:#?}"));
            assert_eq!(
                notebook_object(&valid_again, &config, "ns", "me"),
                notebook,
                "{config_name}/{name}"
            );
        }
    }
}

fn assert_pvc_shape(pvc: &Value) {
    assert_eq!(pvc["apiVersion"], "v1", "{pvc:#}");
    assert_eq!(pvc["kind"], "PersistentVolumeClaim", "{pvc:#}");
    let name = pvc["metadata"]["name"].as_str().expect("a name");
    assert!(
        app::domain::names::subdomain_problem(name).is_none(),
        "{name}"
    );
    assert!(pvc["metadata"]["namespace"].is_string());
    assert!(
        pvc["metadata"]["labels"]["kfdash.kubeflow.org/notebook"].is_string(),
        "{pvc:#}"
    );
    let storage = pvc["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .expect("spec.resources.requests.storage");
    let size = app::domain::quantity::Quantity::parse(storage).expect("storage is a quantity");
    assert!(!size.is_zero() && !size.is_negative());
    let modes = pvc["spec"]["accessModes"].as_array().expect("accessModes");
    assert_eq!(modes.len(), 1);
    assert!(spawner::ACCESS_MODES.contains(&modes[0].as_str().unwrap()));
    if let Some(class) = pvc["spec"].get("storageClassName") {
        assert!(class.is_string());
    }
    let spec_fields: Vec<&String> = pvc["spec"].as_object().unwrap().keys().collect();
    for field in spec_fields {
        assert!(
            ["accessModes", "resources", "storageClassName"].contains(&field.as_str()),
            "{field}"
        );
    }
}

const CONTAINERS: &str = "/spec/template/spec/containers";

/// Breaks a good notebook in one way.
type Breakage = fn(&mut Value);

/// A notebook the spawner made, for breaking on purpose.
fn good_notebook() -> Value {
    let config = full_config();
    let form = NotebookForm {
        name: "victim".into(),
        gpus: Some(GpuForm {
            num: "1".into(),
            vendor: "nvidia.com/gpu".into(),
        }),
        affinity: Some("dedicated_node_per_notebook".into()),
        tolerations: Some("group_1".into()),
        ..NotebookForm::default()
    };
    let valid = validate(&form, &config, &[]).unwrap();
    notebook_object(&valid, &config, "ns", "me")
}

#[test]
fn the_validator_rejects_broken_notebooks_and_says_where() {
    let crd = notebook_crd();
    assert_eq!(
        schema::validate_resource(&crd, &good_notebook()),
        Vec::<String>::new()
    );
    let cases: Vec<(&str, Breakage, Vec<&str>)> = vec![
        (
            "missing image",
            |notebook| {
                notebook
                    .pointer_mut(&format!("{CONTAINERS}/0"))
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .remove("image");
            },
            vec!["spec.template.spec.containers[0].image: Required value"],
        ),
        (
            "unknown field",
            |notebook| {
                notebook.pointer_mut(&format!("{CONTAINERS}/0")).unwrap()["imagePullPolcy"] =
                    "Always".into();
            },
            vec!["spec.template.spec.containers[0].imagePullPolcy: unknown field"],
        ),
        (
            "unknown top-level and metadata fields",
            |notebook| {
                notebook["specc"] = json!({});
                notebook["metadata"]["label"] = json!({});
            },
            vec!["metadata.label: unknown field", "specc: unknown field"],
        ),
        (
            "wrong types",
            |notebook| {
                notebook["spec"]["template"]["spec"]["serviceAccountName"] = 5.into();
                notebook
                    .pointer_mut(&format!("{CONTAINERS}/0/volumeMounts/0"))
                    .unwrap()["readOnly"] = "yes".into();
                notebook["metadata"]["labels"]["app"] = true.into();
            },
            vec![
                "metadata.labels[app]: must be of type string",
                "spec.template.spec.containers[0].volumeMounts[0].readOnly: must be of type boolean, not \"yes\"",
                "spec.template.spec.serviceAccountName: must be of type string, not 5",
            ],
        ),
        (
            "empty containers",
            |notebook| {
                *notebook.pointer_mut(CONTAINERS).unwrap() = json!([]);
            },
            vec!["spec.template.spec.containers: must have at least 1 items"],
        ),
        (
            "bad quantities",
            |notebook| {
                let resources = notebook
                    .pointer_mut(&format!("{CONTAINERS}/0/resources"))
                    .unwrap();
                resources["requests"]["cpu"] = "half".into();
                resources["limits"]["memory"] = json!(1.5);
                resources["limits"]["nvidia.com/gpu"] = 1.into();
            },
            vec![
                "spec.template.spec.containers[0].resources.limits[memory]: must be an integer or a string, not 1.5",
                "spec.template.spec.containers[0].resources.requests[cpu]: \"half\" does not match ^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
            ],
        ),
        (
            "null and out-of-range values",
            |notebook| {
                notebook["spec"]["template"]["spec"]["priority"] = json!(4_294_967_296_u64);
                notebook["spec"]["template"]["spec"]["hostname"] = Value::Null;
            },
            vec![
                "spec.template.spec.hostname: must not be null",
                "spec.template.spec.priority: 4294967296 does not fit int32",
            ],
        ),
        (
            "a missing required field deep in an affinity",
            |notebook| {
                notebook["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
                    ["requiredDuringSchedulingIgnoredDuringExecution"][0]
                    .as_object_mut().unwrap().remove("topologyKey");
            },
            vec![
                "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value",
            ],
        ),
        (
            "duplicate port keys",
            |notebook| {
                notebook.pointer_mut(&format!("{CONTAINERS}/0")).unwrap()["ports"] = json!([
                    { "containerPort": 8888, "protocol": "TCP" },
                    { "containerPort": 8888, "protocol": "TCP" }
                ]);
            },
            vec!["spec.template.spec.containers[0].ports[1]: Duplicate value [8888,\"TCP\"]"],
        ),
        (
            "wrong kind and version",
            |notebook| {
                notebook["kind"] = "Notebooks".into();
                notebook["apiVersion"] = "kubeflow.org/v2".into();
            },
            vec![
                "apiVersion: \"kubeflow.org/v2\" is not a served version of kubeflow.org",
                "kind: must be Notebook",
            ],
        ),
    ];
    for (case, break_it, expected) in cases {
        let mut notebook = good_notebook();
        break_it(&mut notebook);
        let mut problems = schema::validate_resource(&crd, &notebook);
        problems.sort();
        assert_eq!(problems, expected, "{case}");
    }
}

#[test]
fn upstreams_own_notebook_template_passes_the_validator() {
    // The Python template with its placeholders filled the way the web app fills them.
    let text = conformance("jwa_notebook_template.yaml")
        .replace("{name}", "upstream")
        .replace("{namespace}", "kubeflow-user")
        .replace("{serviceAccount}", "default-editor")
        .replace("{creator}", "user@example.com");
    let mut notebook: Value = serde_saphyr::from_str(&text).expect("the template parses");
    let crd = notebook_crd();
    // Its image is "" until the form sets one: present, so the schema is satisfied.
    assert_eq!(
        schema::validate_resource(&crd, &notebook),
        Vec::<String>::new()
    );
    notebook["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("image");
    assert_eq!(
        schema::validate_resource(&crd, &notebook),
        vec!["spec.template.spec.containers[0].image: Required value"]
    );
}
