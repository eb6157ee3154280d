//! Notebook servers on the wire: the spawner's configuration and form, the list's rows, the
//! details page.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which kind of server a notebook runs; decides the image group and Kubeflow's annotations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerType {
    /// Jupyter-like apps (`image` in the spawner config).
    #[default]
    Jupyter,
    /// VS Code-like apps (`imageGroupOne`).
    GroupOne,
    /// RStudio-like apps (`imageGroupTwo`).
    GroupTwo,
}

impl ServerType {
    pub const ALL: [ServerType; 3] = [Self::Jupyter, Self::GroupOne, Self::GroupTwo];

    /// The value of the `notebooks.kubeflow.org/server-type` annotation.
    pub fn annotation(self) -> &'static str {
        match self {
            Self::Jupyter => "jupyter",
            Self::GroupOne => "group-one",
            Self::GroupTwo => "group-two",
        }
    }

    pub fn from_annotation(value: &str) -> Self {
        match value {
            "group-one" => Self::GroupOne,
            "group-two" => Self::GroupTwo,
            _ => Self::Jupyter,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Jupyter => "JupyterLab",
            Self::GroupOne => "VS Code",
            Self::GroupTwo => "RStudio",
        }
    }
}

/// How far a notebook is from being usable, as the list colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusPhase {
    Ready,
    /// Starting: scheduling, pulling the image, creating the container.
    Waiting,
    /// Not progressing without help: unschedulable, quota exceeded, image missing, crash loop.
    Warning,
    Error,
    Stopped,
    Terminating,
}

impl StatusPhase {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ready => "Running",
            Self::Waiting => "Starting",
            Self::Warning => "Needs attention",
            Self::Error => "Error",
            Self::Stopped => "Stopped",
            Self::Terminating => "Terminating",
        }
    }
}

/// A notebook's state with the reason a person understands ("Unschedulable: not enough GPU").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookStatus {
    pub phase: StatusPhase,
    pub message: String,
}

/// A GPU limit: the vendor's resource key (`nvidia.com/gpu`) and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuLimit {
    pub vendor: String,
    pub count: u32,
}

/// One row of the notebooks table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookRow {
    pub namespace: String,
    pub name: String,
    pub server_type: ServerType,
    pub image: String,
    /// Requests and limits as written in the object (`500m`, `2Gi`); None when unset.
    pub cpu: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory: Option<String>,
    pub memory_limit: Option<String>,
    pub gpus: Option<GpuLimit>,
    /// The claim names of the PVCs it mounts.
    pub volumes: Vec<String>,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339, from Kubeflow's `notebooks.kubeflow.org/last-activity` annotation.
    pub last_activity: Option<String>,
    pub stopped: bool,
    pub status: NotebookStatus,
}

/// A change to the notebooks list, as the live stream sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NotebookChange {
    /// The whole list, sent first and after the watch had to start over.
    Snapshot {
        rows: Vec<NotebookRow>,
    },
    Upsert {
        row: Box<NotebookRow>,
    },
    Remove {
        namespace: String,
        name: String,
    },
}

/// A field of the spawner config with its default and whether the administrator locked it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Locked<T> {
    #[serde(default)]
    pub read_only: bool,
    pub value: T,
}

/// An image list of the spawner config (`image`, `imageGroupOne`, `imageGroupTwo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageGroup {
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub options: Vec<String>,
}

/// CPU or memory defaults: the request and the factor the limit is computed with ("none"
/// means no limit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDefaults {
    #[serde(default)]
    pub read_only: bool,
    #[serde(deserialize_with = "lenient::string")]
    pub value: String,
    #[serde(default, deserialize_with = "lenient::optional_string")]
    pub limit_factor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuVendor {
    pub limits_key: String,
    pub ui_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuDefaults {
    /// The default vendor's limits key, or "" for none.
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub vendors: Vec<GpuVendor>,
    /// "none" or a count.
    #[serde(default = "none", deserialize_with = "lenient::string")]
    pub num: String,
}

fn none() -> String {
    "none".into()
}

impl Default for GpuDefaults {
    fn default() -> Self {
        Self {
            vendor: String::new(),
            vendors: Vec::new(),
            num: none(),
        }
    }
}

/// Administrators write numbers unquoted (`limitFactor: 1.5`, `num: 1`); upstream's Python
/// reads them either way, so these fields accept a string, a number or a boolean as text.
mod lenient {
    use serde::{Deserialize, Deserializer};
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Unsigned(u64),
        Float(f64),
        Flag(bool),
    }

    impl From<Scalar> for String {
        fn from(scalar: Scalar) -> String {
            match scalar {
                Scalar::Text(text) => text,
                Scalar::Integer(number) => number.to_string(),
                Scalar::Unsigned(number) => number.to_string(),
                Scalar::Float(number) => number.to_string(),
                Scalar::Flag(flag) => flag.to_string(),
            }
        }
    }

    pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Scalar::deserialize(deserializer).map(String::from)
    }

    pub fn optional_string<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        Ok(Option::<Scalar>::deserialize(deserializer)?.map(String::from))
    }

    /// `environment`: upstream turns every value into text with `str(value)`.
    pub fn locked_string_map<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<super::Locked<BTreeMap<String, String>>, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct LockedScalars {
            #[serde(default)]
            read_only: bool,
            #[serde(default)]
            value: Option<BTreeMap<String, Scalar>>,
        }
        let locked = LockedScalars::deserialize(deserializer)?;
        Ok(super::Locked {
            read_only: locked.read_only,
            value: locked
                .value
                .unwrap_or_default()
                .into_iter()
                .map(|(key, value)| (key, value.into()))
                .collect(),
        })
    }
}

/// A volume of the spawner config, in upstream's shape: a new PVC template or an existing
/// source, and where it is mounted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeDefaults {
    #[serde(default)]
    pub mount: String,
    /// A PersistentVolumeClaim, as YAML would write it (`metadata.name`, `spec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_pvc: Option<serde_json::Value>,
    /// A volume source (`persistentVolumeClaim.claimName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_source: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AffinityOption {
    pub config_key: String,
    pub display_name: String,
    pub affinity: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TolerationOption {
    pub group_key: String,
    pub display_name: String,
    pub tolerations: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice<T> {
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub value: String,
    #[serde(default = "Vec::new")]
    pub options: Vec<T>,
}

impl<T> Default for Choice<T> {
    fn default() -> Self {
        Self {
            read_only: false,
            value: String::new(),
            options: Vec::new(),
        }
    }
}

fn if_not_present() -> Locked<String> {
    Locked {
        read_only: false,
        value: "IfNotPresent".into(),
    }
}

/// `spawnerFormDefaults` of the Jupyter web app's `spawner_ui_config.yaml`, read as is.
/// Sections that older releases' files lack (pull policy, GPUs, affinity, tolerations, shm,
/// environment...) default to unlocked and empty, as upstream treats a missing section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpawnerConfig {
    #[serde(default)]
    pub allow_custom_image: bool,
    #[serde(default)]
    pub hide_registry: bool,
    #[serde(default)]
    pub hide_tag: bool,
    #[serde(default = "if_not_present")]
    pub image_pull_policy: Locked<String>,
    pub image: ImageGroup,
    #[serde(default)]
    pub image_group_one: ImageGroup,
    #[serde(default)]
    pub image_group_two: ImageGroup,
    pub cpu: ResourceDefaults,
    pub memory: ResourceDefaults,
    #[serde(default)]
    pub gpus: Locked<GpuDefaults>,
    #[serde(default)]
    pub workspace_volume: Locked<Option<VolumeDefaults>>,
    #[serde(default)]
    pub data_volumes: Locked<Vec<VolumeDefaults>>,
    #[serde(default)]
    pub affinity_config: Choice<AffinityOption>,
    #[serde(default)]
    pub toleration_group: Choice<TolerationOption>,
    #[serde(default)]
    pub shm: Locked<bool>,
    #[serde(default)]
    pub configurations: Locked<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::locked_string_map")]
    pub environment: Locked<BTreeMap<String, String>>,
}

/// Where a volume's claim comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VolumeSource {
    /// A new PVC; `name` may hold upstream's `{notebook-name}` placeholder.
    New {
        name: String,
        size: String,
        #[serde(default)]
        storage_class: Option<String>,
        access_mode: String,
    },
    Existing {
        claim: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeForm {
    pub source: VolumeSource,
    pub mount: String,
}

/// The workspace volume the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "choice", rename_all = "snake_case")]
pub enum WorkspaceChoice {
    None,
    Volume(VolumeForm),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuForm {
    /// "none" or a count.
    pub num: String,
    /// A limits key from the config's vendor list.
    pub vendor: String,
}

/// What the spawner form sends. A field left out (None) takes the config's value; a field the
/// config locks (`readOnly`) must be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookForm {
    pub name: String,
    #[serde(default)]
    pub server_type: ServerType,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub image_pull_policy: Option<String>,
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub cpu_limit: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub memory_limit: Option<String>,
    #[serde(default)]
    pub gpus: Option<GpuForm>,
    #[serde(default)]
    pub workspace: Option<WorkspaceChoice>,
    #[serde(default)]
    pub data_volumes: Option<Vec<VolumeForm>>,
    /// PodDefault label keys (`spec.selector.matchLabels` keys) to apply.
    #[serde(default)]
    pub configurations: Option<Vec<String>>,
    /// An `affinityConfig` option's configKey, or "" for none.
    #[serde(default)]
    pub affinity: Option<String>,
    /// A `tolerationGroup` option's groupKey, or "" for none.
    #[serde(default)]
    pub tolerations: Option<String>,
    #[serde(default)]
    pub shm: Option<bool>,
    #[serde(default)]
    pub environment: Option<BTreeMap<String, String>>,
}

/// One problem with one field of a form; `field` is the form's field path (`cpu`,
/// `data_volumes[1].mount`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A PodDefault the user may apply, as the spawner lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodDefaultOption {
    /// The label key the notebook's pod must carry (`true`) to get it.
    pub label: String,
    pub description: String,
}

/// A PVC the spawner may mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimOption {
    pub name: String,
    pub size: String,
    pub access_modes: Vec<String>,
    /// A notebook already mounts it (ReadWriteOnce claims can't be shared).
    pub used_by: Vec<String>,
}

/// Everything the spawner form needs for one namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpawnerData {
    pub config: SpawnerConfig,
    pub pod_defaults: Vec<PodDefaultOption>,
    pub claims: Vec<ClaimOption>,
    pub storage_classes: Vec<String>,
    pub default_storage_class: Option<String>,
    /// Names already taken in the namespace, for the duplicate check before submit.
    pub notebook_names: Vec<String>,
}

/// An event about a notebook or its pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookEvent {
    pub time: String,
    pub warning: bool,
    pub reason: String,
    pub object: String,
    pub message: String,
    pub count: u32,
}

/// A condition of the notebook's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionRow {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
    pub time: String,
}

/// The details page of one notebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotebookDetails {
    pub row: NotebookRow,
    /// Mount path → claim or other source, in mount order.
    pub mounts: Vec<(String, String)>,
    /// Applied PodDefault labels.
    pub configurations: Vec<String>,
    pub environment: Vec<(String, String)>,
    pub conditions: Vec<ConditionRow>,
    pub events: Vec<NotebookEvent>,
    /// The object as YAML, managedFields left out.
    pub yaml: String,
    /// The form that would create this notebook again, for clone and edit.
    pub form: NotebookForm,
}
