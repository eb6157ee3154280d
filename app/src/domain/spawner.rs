//! The notebook spawner's rules: a form checked against the administrator's spawner config,
//! and the Notebook and PVC objects upstream's Jupyter web app would create from it.

use crate::domain::names::{label_problem, subdomain_problem};
use crate::domain::quantity::Quantity;
use crate::model::{
    FieldError, GpuForm, GpuLimit, NotebookForm, ServerType, SpawnerConfig, VolumeDefaults,
    VolumeForm, VolumeSource, WorkspaceChoice,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The StatefulSet the controller creates labels its pods `controller-revision-hash:
/// <name>-<hash>`; with an up-to-10-character hash that label only fits 63 characters when
/// the name has at most 52.
pub const MAX_NAME_LEN: usize = 52;
pub const MAX_DATA_VOLUMES: usize = 20;
pub const MAX_GPUS: u32 = 16;
pub const MAX_ENV_VALUE_BYTES: usize = 32 * 1024;
pub const MAX_ENV_VARS: usize = 100;
pub const MAX_CONFIGURATIONS: usize = 50;
pub const MAX_IMAGE_LEN: usize = 512;
pub const ACCESS_MODES: [&str; 4] = [
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];
pub const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];
/// Replaced with the notebook's name in PVC names (upstream's template syntax).
pub const NAME_PLACEHOLDER: &str = "{notebook-name}";
pub const DEFAULT_WORKSPACE_MOUNT: &str = "/home/jovyan";
pub const SHM_MOUNT: &str = "/dev/shm";
pub const SHM_VOLUME: &str = "dshm";
/// The service account upstream's Jupyter web app runs notebooks as.
pub const SERVICE_ACCOUNT: &str = "default-editor";
pub const SERVER_TYPE_ANNOTATION: &str = "notebooks.kubeflow.org/server-type";
pub const CREATOR_ANNOTATION: &str = "notebooks.kubeflow.org/creator";
pub const REWRITE_URI_ANNOTATION: &str = "notebooks.kubeflow.org/http-rewrite-uri";
pub const HEADERS_ANNOTATION: &str = "notebooks.kubeflow.org/http-headers-request-set";
/// On the PVCs the spawner creates, so deleting the notebook can offer to delete them too.
pub const PVC_NOTEBOOK_LABEL: &str = "kfdash.kubeflow.org/notebook";
/// The controller sets it to the notebook's URL prefix; a user value would break routing.
pub const RESERVED_ENV: &str = "NB_PREFIX";
const LOCKED: &str = "is set by your administrator; leave it out";
const SHARED_MEMORY: &str = "shared memory";

/// A form that passed [`validate`], with every default resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNotebook {
    pub name: String,
    pub server_type: ServerType,
    pub image: String,
    pub image_pull_policy: String,
    pub cpu: Quantity,
    /// Rounded up to whole millicores.
    pub cpu_limit: Option<Quantity>,
    pub memory: Quantity,
    /// Whole bytes.
    pub memory_limit: Option<Quantity>,
    pub gpus: Option<GpuLimit>,
    pub workspace: Option<ValidVolume>,
    pub data_volumes: Vec<ValidVolume>,
    /// PodDefault label keys, sorted, without duplicates.
    pub configurations: Vec<String>,
    /// The chosen `affinityConfig` option's configKey.
    pub affinity: Option<String>,
    /// The chosen `tolerationGroup` option's groupKey.
    pub tolerations: Option<String>,
    pub shm: bool,
    pub environment: BTreeMap<String, String>,
}

/// A PVC mounted into the notebook, and how to create it when it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidVolume {
    /// The claim's name, `{notebook-name}` filled in.
    pub claim: String,
    /// Absolute and normalised.
    pub mount: String,
    pub new_claim: Option<NewClaim>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClaim {
    pub size: Quantity,
    pub storage_class: Option<String>,
    pub access_mode: String,
}

/// Where a value came from: a bad default is the administrator's to fix, so say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Form,
    Config,
}

#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A problem with `subject` (`"size"`, `"GPU count"`): the user's to fix when they typed
    /// it, the administrator's when it is the config's default.
    fn add_from(
        &mut self,
        origin: Origin,
        field: impl Into<String>,
        subject: &str,
        problem: impl Into<String>,
    ) {
        let problem = problem.into();
        match origin {
            Origin::Form => self.add(field, problem),
            Origin::Config => self.add(
                field,
                format!("the spawner config's default {subject} {problem}; ask your administrator"),
            ),
        }
    }
}

/// What the form sent, unless the config locks the field: then sending it is an error.
fn sent_value<T: Clone>(
    problems: &mut Problems,
    field: &str,
    read_only: bool,
    sent: &Option<T>,
) -> Option<T> {
    match sent {
        Some(_) if read_only => {
            problems.add(field, LOCKED);
            None
        }
        sent => sent.clone(),
    }
}

/// The form's value, or the config's when the form leaves it out (or may not set it).
fn resolve<T: Clone>(
    problems: &mut Problems,
    field: &str,
    read_only: bool,
    sent: &Option<T>,
    default: impl FnOnce() -> T,
) -> (T, Origin) {
    match sent_value(problems, field, read_only, sent) {
        Some(value) => (value, Origin::Form),
        None => (default(), Origin::Config),
    }
}

fn unlocked<T>(read_only: bool, value: T) -> Option<T> {
    (!read_only).then_some(value)
}

/// Checks a spawner form against the config, every field at once. `taken_names` are the
/// notebooks that already exist in the namespace.
pub fn validate(
    form: &NotebookForm,
    config: &SpawnerConfig,
    taken_names: &[String],
) -> Result<ValidNotebook, Vec<FieldError>> {
    let mut problems = Problems::default();
    let p = &mut problems;

    let name = form.name.clone();
    let name_ok = check_name(p, &name, taken_names);
    let server_type = form.server_type;
    let image = check_image(p, form, config);
    let image_pull_policy = check_pull_policy(p, form, config);
    let resources = check_resources(p, form, config);
    let gpus = check_gpus(p, form, config);

    let shm = resolve(p, "shm", config.shm.read_only, &form.shm, || {
        config.shm.value
    })
    .0;
    let volumes = check_volumes(p, form, config, &name, name_ok, shm);
    let configurations = check_configurations(p, form, config);
    let affinity = check_preset(
        p,
        "affinity",
        config.affinity_config.read_only,
        &form.affinity,
        &config.affinity_config.value,
        config
            .affinity_config
            .options
            .iter()
            .map(|option| option.config_key.as_str()),
    );
    let tolerations = check_preset(
        p,
        "tolerations",
        config.toleration_group.read_only,
        &form.tolerations,
        &config.toleration_group.value,
        config
            .toleration_group
            .options
            .iter()
            .map(|option| option.group_key.as_str()),
    );
    let environment = check_environment(p, form, config);

    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    // Every None below was reported as a problem, so this is unreachable with problems empty.
    let incomplete = || {
        vec![FieldError {
            field: "name".into(),
            message: "the form is incomplete".into(),
        }]
    };
    let (cpu, cpu_limit, memory, memory_limit) = resources.ok_or_else(incomplete)?;
    let (workspace, data_volumes) = volumes.ok_or_else(incomplete)?;
    Ok(ValidNotebook {
        name,
        server_type,
        image: image.ok_or_else(incomplete)?,
        image_pull_policy: image_pull_policy.ok_or_else(incomplete)?,
        cpu,
        cpu_limit,
        memory,
        memory_limit,
        gpus: gpus.ok_or_else(incomplete)?,
        workspace,
        data_volumes,
        configurations: configurations.ok_or_else(incomplete)?,
        affinity: affinity.ok_or_else(incomplete)?,
        tolerations: tolerations.ok_or_else(incomplete)?,
        shm,
        environment: environment.ok_or_else(incomplete)?,
    })
}

fn check_name(p: &mut Problems, name: &str, taken_names: &[String]) -> bool {
    let problem = if name.is_empty() {
        Some("is required".to_string())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "must be at most {MAX_NAME_LEN} characters (it has {}): the notebook's StatefulSet \
             labels its pod with the name plus an 11-character revision hash, and a label value \
             is limited to 63",
            name.len()
        ))
    } else if let Some(problem) = label_problem(name) {
        Some(problem)
    } else if taken_names.iter().any(|taken| taken == name) {
        Some("is taken: a notebook with this name already exists in this namespace".into())
    } else {
        None
    };
    let ok = problem.is_none();
    if let Some(problem) = problem {
        p.add("name", problem);
    }
    ok
}

fn check_image(p: &mut Problems, form: &NotebookForm, config: &SpawnerConfig) -> Option<String> {
    let group = match form.server_type {
        ServerType::Jupyter => &config.image,
        ServerType::GroupOne => &config.image_group_one,
        ServerType::GroupTwo => &config.image_group_two,
    };
    let blank_as_none = form.image.clone().filter(|image| !image.trim().is_empty());
    let (image, origin) = resolve(p, "image", group.read_only, &blank_as_none, || {
        group.value.clone()
    });
    let image = image.trim().to_string();
    if image.is_empty() {
        match origin {
            Origin::Form => p.add("image", "is required"),
            Origin::Config => p.add(
                "image",
                format!(
                    "is required: the spawner config offers no default image for {}",
                    form.server_type.label()
                ),
            ),
        }
        return None;
    }
    if image.len() > MAX_IMAGE_LEN {
        p.add_from(
            origin,
            "image",
            "image",
            format!("must be at most {MAX_IMAGE_LEN} characters"),
        );
        return None;
    }
    if image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        p.add_from(origin, "image", "image", "must not contain spaces");
        return None;
    }
    let offered = image == group.value || group.options.contains(&image);
    if origin == Origin::Form && !config.allow_custom_image && !offered {
        p.add(
            "image",
            format!(
                "must be one of the {} images your administrator offers",
                form.server_type.label()
            ),
        );
        return None;
    }
    Some(image)
}

fn check_pull_policy(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
) -> Option<String> {
    let locked = &config.image_pull_policy;
    let (policy, origin) = resolve(
        p,
        "image_pull_policy",
        locked.read_only,
        &form.image_pull_policy,
        || {
            if locked.value.is_empty() {
                "IfNotPresent".into()
            } else {
                locked.value.clone()
            }
        },
    );
    if PULL_POLICIES.contains(&policy.as_str()) {
        Some(policy)
    } else {
        p.add_from(
            origin,
            "image_pull_policy",
            "image pull policy",
            "must be Always, IfNotPresent or Never",
        );
        None
    }
}

/// CPU is scheduled in millicores, memory in bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    fn field(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        }
    }

    fn limit_field(self) -> &'static str {
        match self {
            Self::Cpu => "cpu_limit",
            Self::Memory => "memory_limit",
        }
    }

    fn format(self, quantity: &Quantity) -> String {
        match self {
            Self::Cpu => quantity.format_cpu(),
            Self::Memory => quantity.format_memory(),
        }
    }

    /// A positive quantity in this resource's unit, or why not.
    fn parse(self, text: &str) -> Result<Quantity, String> {
        let quantity = Quantity::parse(text.trim())?;
        if quantity.is_negative() || quantity.is_zero() {
            return Err("must be more than 0".into());
        }
        match self {
            Self::Cpu if !quantity.is_whole_millis() => Err(format!(
                "'{}' is finer than CPU is counted: use whole millicores (at least 1m, or 0.001)",
                text.trim()
            )),
            Self::Memory if !quantity.is_whole_units() => Err(format!(
                "'{}' is not a whole number of bytes (m means thousandths): did you mean {}M or {}Mi?",
                text.trim(),
                text.trim().trim_end_matches('m'),
                text.trim().trim_end_matches('m'),
            )),
            _ => Ok(quantity),
        }
    }
}

type Resources = (Quantity, Option<Quantity>, Quantity, Option<Quantity>);

fn check_resources(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
) -> Option<Resources> {
    let cpu = check_resource(p, Resource::Cpu, &form.cpu, &form.cpu_limit, config);
    let memory = check_resource(
        p,
        Resource::Memory,
        &form.memory,
        &form.memory_limit,
        config,
    );
    let (cpu, cpu_limit) = cpu?;
    let (memory, memory_limit) = memory?;
    Some((cpu, cpu_limit, memory, memory_limit))
}

fn check_resource(
    p: &mut Problems,
    resource: Resource,
    sent: &Option<String>,
    sent_limit: &Option<String>,
    config: &SpawnerConfig,
) -> Option<(Quantity, Option<Quantity>)> {
    let defaults = match resource {
        Resource::Cpu => &config.cpu,
        Resource::Memory => &config.memory,
    };
    let field = resource.field();
    let limit_field = resource.limit_field();
    let sent = sent.clone().filter(|text| !text.trim().is_empty());
    let (text, origin) = resolve(p, field, defaults.read_only, &sent, || {
        defaults.value.clone()
    });
    let request = match resource.parse(&text) {
        Ok(request) => Some(request),
        Err(problem) => {
            p.add_from(origin, field, field, problem);
            None
        }
    };

    // A blank limit means "the default": request × limitFactor.
    let sent_limit = sent_limit.clone().filter(|text| !text.trim().is_empty());
    if defaults.read_only && sent_limit.is_some() {
        p.add(limit_field, LOCKED);
    }
    let limit = match sent_limit.filter(|_| !defaults.read_only) {
        Some(text) => match resource.parse(&text) {
            Ok(limit) => {
                if let Some(request) = request.filter(|request| limit < *request) {
                    p.add(
                        limit_field,
                        format!(
                            "must be at least the request ({})",
                            resource.format(&request)
                        ),
                    );
                    return None;
                }
                Some(limit)
            }
            Err(problem) => {
                p.add(limit_field, problem);
                return None;
            }
        },
        None => {
            let factor = defaults
                .limit_factor
                .as_deref()
                .map(str::trim)
                .filter(|factor| !factor.is_empty() && !factor.eq_ignore_ascii_case("none"));
            match (factor, request) {
                (None, _) => None,
                (Some(_), None) => return None,
                (Some(factor), Some(request)) => {
                    match limit_from_factor(resource, &request, factor) {
                        Ok(limit) => Some(limit),
                        Err(problem) => {
                            p.add(limit_field, problem);
                            return None;
                        }
                    }
                }
            }
        }
    };
    Some((request?, limit))
}

fn limit_from_factor(
    resource: Resource,
    request: &Quantity,
    factor: &str,
) -> Result<Quantity, String> {
    let below_one = Quantity::parse(factor).is_ok_and(|value| value.nanos() < 1_000_000_000);
    if below_one {
        return Err(format!(
            "the spawner config's {}.limitFactor ({factor}) is below 1, so the limit would be \
             below the request; ask your administrator",
            resource.field()
        ));
    }
    let limit = request.checked_mul_factor(factor).map_err(|problem| {
        if problem.contains("too large") {
            format!("the default limit {problem}")
        } else {
            format!(
                "the spawner config's {}.limitFactor: {problem}; ask your administrator",
                resource.field()
            )
        }
    })?;
    Ok(match resource {
        Resource::Cpu => limit.ceil_millis(),
        Resource::Memory => limit.ceil_readable_bytes(),
    })
}

fn check_gpus(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
) -> Option<Option<GpuLimit>> {
    let defaults = &config.gpus;
    let (gpus, origin) = resolve(p, "gpus", defaults.read_only, &form.gpus, || GpuForm {
        num: defaults.value.num.clone(),
        vendor: defaults.value.vendor.clone(),
    });
    let num = gpus.num.trim();
    if num.is_empty() || num.eq_ignore_ascii_case("none") {
        return Some(None);
    }
    let count = num
        .parse::<u32>()
        .ok()
        .filter(|count| (1..=MAX_GPUS).contains(count));
    let vendors = &defaults.value.vendors;
    let vendor_ok = vendors
        .iter()
        .any(|vendor| vendor.limits_key == gpus.vendor);
    if count.is_none() {
        p.add_from(
            origin,
            "gpus.num",
            "GPU count",
            format!("must be none or a whole number from 1 to {MAX_GPUS}"),
        );
    }
    if !vendor_ok {
        let problem = if vendors.is_empty() {
            "can't be chosen: the spawner config lists no GPU vendors".to_string()
        } else if gpus.vendor.is_empty() {
            "must be chosen when GPUs are requested".to_string()
        } else {
            format!(
                "must be one of {}",
                vendors
                    .iter()
                    .map(|vendor| vendor.limits_key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        p.add_from(origin, "gpus.vendor", "GPU vendor", problem);
    }
    match (count, vendor_ok) {
        (Some(count), true) => Some(Some(GpuLimit {
            vendor: gpus.vendor,
            count,
        })),
        _ => None,
    }
}

/// A volume of the spawner config as the form would send it; Err says what the form can't
/// express (a source other than a PVC, a missing size).
pub fn volume_from_defaults(defaults: &VolumeDefaults) -> Result<VolumeForm, String> {
    let source = match (&defaults.new_pvc, &defaults.existing_source) {
        (Some(pvc), None) => {
            let text = |pointer: &str| {
                pvc.pointer(pointer)
                    .and_then(scalar_text)
                    .unwrap_or_default()
            };
            VolumeSource::New {
                name: text("/metadata/name"),
                size: text("/spec/resources/requests/storage"),
                storage_class: pvc
                    .pointer("/spec/storageClassName")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                access_mode: text("/spec/accessModes/0"),
            }
        }
        (None, Some(source)) => match source
            .pointer("/persistentVolumeClaim/claimName")
            .and_then(Value::as_str)
        {
            Some(claim) => VolumeSource::Existing {
                claim: claim.to_string(),
            },
            None => {
                let kind = source
                    .as_object()
                    .and_then(|source| source.keys().next().cloned())
                    .unwrap_or_default();
                return Err(format!(
                    "uses a volume source kfdash can't mount ({kind}); only persistentVolumeClaim is supported"
                ));
            }
        },
        (Some(_), Some(_)) => return Err("has both newPvc and existingSource".into()),
        (None, None) => return Err("has neither newPvc nor existingSource".into()),
    };
    Ok(VolumeForm {
        source,
        mount: defaults.mount.clone(),
    })
}

/// A string or number as text (YAML may write `storage: 5` unquoted).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

type Volumes = (Option<ValidVolume>, Vec<ValidVolume>);

fn check_volumes(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
    name: &str,
    name_ok: bool,
    shm: bool,
) -> Option<Volumes> {
    let mut ok = true;
    let sent = sent_value(
        p,
        "workspace",
        config.workspace_volume.read_only,
        &form.workspace,
    );
    let (workspace, workspace_origin) = match sent {
        Some(workspace) => (workspace, Origin::Form),
        None => match &config.workspace_volume.value {
            None => (WorkspaceChoice::None, Origin::Config),
            Some(defaults) => match volume_from_defaults(defaults) {
                Ok(volume) => (WorkspaceChoice::Volume(volume), Origin::Config),
                Err(problem) => {
                    p.add_from(Origin::Config, "workspace", "workspace volume", problem);
                    ok = false;
                    (WorkspaceChoice::None, Origin::Config)
                }
            },
        },
    };
    let sent = sent_value(
        p,
        "data_volumes",
        config.data_volumes.read_only,
        &form.data_volumes,
    );
    let (data, data_origin) = match sent {
        Some(data) => (data, Origin::Form),
        None => {
            let mut volumes = Vec::new();
            for (index, defaults) in config.data_volumes.value.iter().enumerate() {
                match volume_from_defaults(defaults) {
                    Ok(volume) => volumes.push(volume),
                    Err(problem) => {
                        p.add_from(
                            Origin::Config,
                            format!("data_volumes[{index}]"),
                            "data volume",
                            problem,
                        );
                        ok = false;
                    }
                }
            }
            (volumes, Origin::Config)
        }
    };
    if data.len() > MAX_DATA_VOLUMES {
        p.add_from(
            data_origin,
            "data_volumes",
            "data volumes",
            format!(
                "may be at most {MAX_DATA_VOLUMES} (there are {})",
                data.len()
            ),
        );
        ok = false;
    }

    // Volumes in mount order, with the field they came from; shared memory is mounted first.
    let mut checked: Vec<(String, String, Option<ValidVolume>)> = Vec::new();
    let mut mounts: Vec<(String, String)> = Vec::new();
    if shm {
        mounts.push((SHARED_MEMORY.into(), SHM_MOUNT.into()));
    }
    let workspace_volume = match &workspace {
        WorkspaceChoice::None => None,
        WorkspaceChoice::Volume(volume) => Some(volume),
    };
    let sources = workspace_volume
        .map(|volume| {
            (
                "workspace".to_string(),
                "the workspace volume".to_string(),
                volume,
                workspace_origin,
            )
        })
        .into_iter()
        .chain(
            data.iter()
                .take(MAX_DATA_VOLUMES)
                .enumerate()
                .map(|(index, volume)| {
                    (
                        format!("data_volumes[{index}]"),
                        format!("data volume {}", index + 1),
                        volume,
                        data_origin,
                    )
                }),
        );
    for (field, described, volume, origin) in sources {
        let valid = check_volume(p, &field, volume, origin, name, name_ok, &mounts);
        if let Some(valid) = &valid {
            mounts.push((described.clone(), valid.mount.clone()));
        }
        checked.push((field, described, valid));
    }

    // A new claim's name may be used once: two volumes can't create (or mount over) it.
    for later in 0..checked.len() {
        let Some(volume) = &checked[later].2 else {
            continue;
        };
        let earlier = checked[..later].iter().find(|(_, _, other)| {
            other.as_ref().is_some_and(|other| {
                other.claim == volume.claim
                    && (other.new_claim.is_some() || volume.new_claim.is_some())
            })
        });
        if let Some((_, described, _)) = earlier {
            let field = &checked[later].0;
            let subfield = if volume.new_claim.is_some() {
                "name"
            } else {
                "claim"
            };
            p.add(
                format!("{field}.source.{subfield}"),
                format!(
                    "'{}' is also the claim of {described}; a new volume's name must be unique",
                    volume.claim
                ),
            );
            ok = false;
        }
    }

    let mut valid = checked
        .into_iter()
        .map(|(field, _, volume)| (field, volume));
    let workspace = match workspace_volume {
        None => None,
        Some(_) => Some(valid.next()?.1?),
    };
    let data_volumes = valid
        .map(|(_, volume)| volume)
        .collect::<Option<Vec<_>>>()?;
    ok.then_some((workspace, data_volumes))
}

fn check_volume(
    p: &mut Problems,
    field: &str,
    volume: &VolumeForm,
    origin: Origin,
    name: &str,
    name_ok: bool,
    earlier_mounts: &[(String, String)],
) -> Option<ValidVolume> {
    let mut ok = true;
    let mount = match normalise_mount(&volume.mount) {
        Ok(mount) => {
            if let Some(problem) = mount_conflict(&mount, earlier_mounts) {
                p.add_from(origin, format!("{field}.mount"), "mount path", problem);
                ok = false;
            }
            Some(mount)
        }
        Err(problem) => {
            p.add_from(origin, format!("{field}.mount"), "mount path", problem);
            None
        }
    };
    let named = |claim: &str| claim.replace(NAME_PLACEHOLDER, name);
    // With a bad notebook name the filled-in claim name is bad too; report the name once.
    let check_claim = |p: &mut Problems, subfield: &str, template: &str| -> Option<String> {
        let claim = named(template.trim());
        if template.contains(NAME_PLACEHOLDER) && !name_ok {
            return None;
        }
        match subdomain_problem(&claim) {
            None => Some(claim),
            Some(problem) => {
                p.add_from(
                    origin,
                    format!("{field}.source.{subfield}"),
                    "claim name",
                    format!("'{claim}' {problem}"),
                );
                None
            }
        }
    };
    let (claim, new_claim) = match &volume.source {
        VolumeSource::Existing { claim } => (check_claim(p, "claim", claim), None),
        VolumeSource::New {
            name: template,
            size,
            storage_class,
            access_mode,
        } => {
            let claim = check_claim(p, "name", template);
            let size = match Resource::Memory.parse(size) {
                Ok(size) => Some(size),
                Err(problem) => {
                    p.add_from(origin, format!("{field}.source.size"), "size", problem);
                    None
                }
            };
            let access_mode = access_mode.trim();
            if !ACCESS_MODES.contains(&access_mode) {
                p.add_from(
                    origin,
                    format!("{field}.source.access_mode"),
                    "access mode",
                    format!("must be one of {}", ACCESS_MODES.join(", ")),
                );
                ok = false;
            }
            let storage_class = storage_class
                .as_deref()
                .map(str::trim)
                .filter(|class| !class.is_empty());
            if let Some(problem) = storage_class.and_then(subdomain_problem) {
                p.add_from(
                    origin,
                    format!("{field}.source.storage_class"),
                    "storage class",
                    problem,
                );
                ok = false;
            }
            let new_claim = size.map(|size| NewClaim {
                size,
                storage_class: storage_class.map(str::to_string),
                access_mode: access_mode.to_string(),
            });
            ok &= new_claim.is_some();
            (claim, new_claim)
        }
    };
    let valid = ValidVolume {
        claim: claim?,
        mount: mount?,
        new_claim,
    };
    ok.then_some(valid)
}

/// An absolute path with `//`, `.` and a trailing `/` tidied away; `..` and the root refused.
pub fn normalise_mount(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("is required".into());
    }
    if !path.starts_with('/') {
        return Err("must be absolute (start with /)".into());
    }
    if path.len() > 4096 || path.chars().any(char::is_control) {
        return Err("must be a plain path of at most 4096 characters".into());
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("must not contain '..'".into()),
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err("can't be / (the container's root)".into());
    }
    Ok(format!("/{}", parts.join("/")))
}

/// Why `mount` clashes with an earlier mount: the same path (Kubernetes refuses that), or a
/// path inside or over shared memory. Other nesting is fine and common: upstream's own example
/// mounts data volumes inside the workspace (`/home/jovyan/datavol-1`), and the container
/// runtime mounts parents first.
fn mount_conflict(mount: &str, earlier: &[(String, String)]) -> Option<String> {
    let inside = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    earlier.iter().find_map(|(described, other)| {
        let shared_memory = described == SHARED_MEMORY;
        if other == mount && shared_memory {
            Some(format!(
                "{SHM_MOUNT} is where shared memory is mounted; pick another path or turn shared memory off"
            ))
        } else if other == mount {
            Some(format!("{mount} is already the mount path of {described}"))
        } else if shared_memory && inside(mount, other) {
            Some(format!("{mount} is inside {other}, where shared memory is mounted"))
        } else if shared_memory && inside(other, mount) {
            Some(format!(
                "{mount} contains {other}, where shared memory is mounted; it would hide it"
            ))
        } else {
            None
        }
    })
}

fn check_configurations(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
) -> Option<Vec<String>> {
    let (labels, origin) = resolve(
        p,
        "configurations",
        config.configurations.read_only,
        &form.configurations,
        || config.configurations.value.clone(),
    );
    if labels.len() > MAX_CONFIGURATIONS {
        p.add_from(
            origin,
            "configurations",
            "configurations",
            format!("may be at most {MAX_CONFIGURATIONS}"),
        );
        return None;
    }
    let mut ok = true;
    for (index, label) in labels.iter().enumerate() {
        let problem = if label == "app" {
            Some("'app' is the notebook's own label".to_string())
        } else {
            label_key_problem(label)
        };
        if let Some(problem) = problem {
            p.add_from(
                origin,
                format!("configurations[{index}]"),
                "configuration",
                problem,
            );
            ok = false;
        }
    }
    let unique: BTreeSet<String> = labels.into_iter().collect();
    ok.then(|| unique.into_iter().collect())
}

/// Why `key` is not a Kubernetes label key (`[prefix/]name`), or None.
fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(problem) = prefix.and_then(subdomain_problem) {
        return Some(format!("'{key}' has a prefix that {problem}"));
    }
    let characters_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    let ends_ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > 63 || !characters_ok || !ends_ok {
        return Some(format!(
            "'{key}' is not a label key: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, after an optional DNS prefix and '/'"
        ));
    }
    None
}

/// An affinity or toleration preset: "" (or upstream's "none") for none, else an option's key.
fn check_preset<'a>(
    p: &mut Problems,
    field: &str,
    read_only: bool,
    sent: &Option<String>,
    default: &str,
    keys: impl Iterator<Item = &'a str>,
) -> Option<Option<String>> {
    let (key, origin) = resolve(p, field, read_only, sent, || default.to_string());
    if key.is_empty() || key == "none" {
        return Some(None);
    }
    let keys: Vec<&str> = keys.collect();
    if keys.contains(&key.as_str()) {
        Some(Some(key))
    } else {
        let choices = if keys.is_empty() {
            "the spawner config offers none".to_string()
        } else {
            format!("one of {}", keys.join(", "))
        };
        p.add_from(
            origin,
            field,
            field,
            format!("'{key}' is not an option: choose none or {choices}"),
        );
        None
    }
}

fn check_environment(
    p: &mut Problems,
    form: &NotebookForm,
    config: &SpawnerConfig,
) -> Option<BTreeMap<String, String>> {
    let (environment, origin) = resolve(
        p,
        "environment",
        config.environment.read_only,
        &form.environment,
        || config.environment.value.clone(),
    );
    if environment.len() > MAX_ENV_VARS {
        p.add_from(
            origin,
            "environment",
            "environment",
            format!("may have at most {MAX_ENV_VARS} variables"),
        );
        return None;
    }
    let mut ok = true;
    for (key, value) in &environment {
        let field = format!("environment.{key}");
        let key_ok = key.len() <= 256
            && key
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !key_ok {
            p.add_from(
                origin,
                field,
                "variable name",
                "must start with a letter or '_' and use only letters, digits, '_', '.' and '-'",
            );
            ok = false;
        } else if key == RESERVED_ENV {
            p.add_from(
                origin,
                field,
                "variable",
                "NB_PREFIX is set by the notebook controller",
            );
            ok = false;
        } else if value.len() > MAX_ENV_VALUE_BYTES {
            p.add_from(origin, field, "variable", "must be at most 32 KiB long");
            ok = false;
        }
    }
    ok.then_some(environment)
}

/// A pod volume name for a claim: the claim's own name when it is a valid volume name (as
/// upstream does), else a DNS label derived from it plus a hash, so dots and long names fit.
pub fn volume_name(claim: &str) -> String {
    if claim != SHM_VOLUME && label_problem(claim).is_none() {
        return claim.to_string();
    }
    let tidy: String = claim
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .take(52)
        .collect();
    let base = tidy.trim_matches('-');
    let base = if base.is_empty() { "pvc" } else { base };
    format!("{base}-{:010x}", fnv1a(claim) & 0xff_ffff_ffff)
}

/// FNV-1a: stable across builds and platforms, unlike std's hasher.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The `kubeflow.org/v1` Notebook upstream's Jupyter web app would create for this form.
pub fn notebook_object(
    valid: &ValidNotebook,
    config: &SpawnerConfig,
    namespace: &str,
    creator: &str,
) -> Value {
    let name = valid.name.as_str();
    let mut labels = Map::new();
    labels.insert("app".into(), name.into());
    for key in &valid.configurations {
        labels.insert(key.clone(), "true".into());
    }
    let mut annotations = Map::new();
    annotations.insert(
        SERVER_TYPE_ANNOTATION.into(),
        valid.server_type.annotation().into(),
    );
    annotations.insert(CREATOR_ANNOTATION.into(), creator.into());
    if valid.server_type != ServerType::Jupyter {
        annotations.insert(REWRITE_URI_ANNOTATION.into(), "/".into());
    }
    if valid.server_type == ServerType::GroupTwo {
        annotations.insert(
            HEADERS_ANNOTATION.into(),
            format!(r#"{{"X-RStudio-Root-Path":"/notebook/{namespace}/{name}/"}}"#).into(),
        );
    }

    let mut requests = Map::new();
    requests.insert("cpu".into(), valid.cpu.format_cpu().into());
    requests.insert("memory".into(), valid.memory.format_memory().into());
    let mut limits = Map::new();
    if let Some(limit) = &valid.cpu_limit {
        limits.insert("cpu".into(), limit.format_cpu().into());
    }
    if let Some(limit) = &valid.memory_limit {
        limits.insert("memory".into(), limit.format_memory().into());
    }
    if let Some(gpus) = &valid.gpus {
        limits.insert(gpus.vendor.clone(), gpus.count.to_string().into());
    }
    let mut resources = Map::new();
    resources.insert("requests".into(), requests.into());
    if !limits.is_empty() {
        resources.insert("limits".into(), limits.into());
    }

    let env: Vec<Value> = valid
        .environment
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();

    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for volume in valid.workspace.iter().chain(&valid.data_volumes) {
        let known = names
            .iter()
            .find(|(_, claim)| **claim == volume.claim)
            .map(|(name, _)| name.clone());
        let volume_name = match known {
            Some(volume_name) => volume_name,
            None => {
                let volume_name = unique_volume_name(&volume.claim, &names);
                names.insert(volume_name.clone(), volume.claim.clone());
                volumes.push(json!({
                    "name": volume_name,
                    "persistentVolumeClaim": { "claimName": volume.claim },
                }));
                volume_name
            }
        };
        mounts.push(json!({ "mountPath": volume.mount, "name": volume_name }));
    }
    if valid.shm {
        volumes.push(json!({ "name": SHM_VOLUME, "emptyDir": { "medium": "Memory" } }));
        mounts.push(json!({ "mountPath": SHM_MOUNT, "name": SHM_VOLUME }));
    }

    let tolerations = valid
        .tolerations
        .as_ref()
        .and_then(|key| {
            config
                .toleration_group
                .options
                .iter()
                .find(|option| option.group_key == *key)
        })
        .map(|option| option.tolerations.clone())
        .unwrap_or_default();
    let container = json!({
        "name": name,
        "image": valid.image,
        "imagePullPolicy": valid.image_pull_policy,
        "resources": resources,
        "env": env,
        "volumeMounts": mounts,
    });
    let mut pod_spec = Map::new();
    pod_spec.insert("serviceAccountName".into(), SERVICE_ACCOUNT.into());
    pod_spec.insert("containers".into(), json!([container]));
    pod_spec.insert("volumes".into(), volumes.into());
    pod_spec.insert("tolerations".into(), tolerations.into());
    let affinity = valid.affinity.as_ref().and_then(|key| {
        config
            .affinity_config
            .options
            .iter()
            .find(|option| option.config_key == *key)
    });
    if let Some(option) = affinity {
        pod_spec.insert("affinity".into(), option.affinity.clone());
    }

    json!({
        "apiVersion": "kubeflow.org/v1",
        "kind": "Notebook",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": { "template": { "spec": pod_spec } },
    })
}

/// [`volume_name`], with a counter in the unthinkable case that two claims' names collide.
fn unique_volume_name(claim: &str, taken: &BTreeMap<String, String>) -> String {
    let base = volume_name(claim);
    let mut candidate = base.clone();
    let mut counter = 1;
    while taken.contains_key(&candidate) || candidate == SHM_VOLUME {
        counter += 1;
        let stem: String = base.chars().take(58).collect();
        candidate = format!("{}-{counter}", stem.trim_end_matches('-'));
    }
    candidate
}

/// The `v1` PersistentVolumeClaims to create before the notebook, one per new volume.
pub fn pvc_objects(valid: &ValidNotebook, namespace: &str) -> Vec<Value> {
    valid
        .workspace
        .iter()
        .chain(&valid.data_volumes)
        .filter_map(|volume| {
            let new_claim = volume.new_claim.as_ref()?;
            let mut spec = json!({
                "accessModes": [new_claim.access_mode],
                "resources": { "requests": { "storage": new_claim.size.format_memory() } },
            });
            if let Some(class) = &new_claim.storage_class {
                spec["storageClassName"] = class.clone().into();
            }
            Some(json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": volume.claim,
                    "namespace": namespace,
                    "labels": { PVC_NOTEBOOK_LABEL: valid.name },
                },
                "spec": spec,
            }))
        })
        .collect()
}

/// The form that would create `notebook` again, for clone and edit: sections the config
/// locks are left out (so the form validates), every mounted PVC is an existing claim (the one
/// at the config's workspace mount path is the workspace), GPUs are the config's vendors'
/// limits, and affinity and tolerations are named by the preset they match ("" when none).
/// validate → [`notebook_object`] → this → validate gives the same object.
pub fn form_from_notebook(notebook: &Value, config: &SpawnerConfig) -> NotebookForm {
    let text = |pointer: &str| notebook.pointer(pointer).and_then(Value::as_str);
    let pod = notebook
        .pointer("/spec/template/spec")
        .cloned()
        .unwrap_or(Value::Null);
    let container = pod.pointer("/containers/0").cloned().unwrap_or(Value::Null);
    let list = |value: &Value, key: &str| -> Vec<Value> {
        value
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let resource = |pointer: &str| container.pointer(pointer).and_then(scalar_text);
    let server_type = ServerType::from_annotation(
        text(&format!(
            "/metadata/annotations/{}",
            SERVER_TYPE_ANNOTATION.replace('/', "~1")
        ))
        .unwrap_or_default(),
    );
    let image_locked = match server_type {
        ServerType::Jupyter => config.image.read_only,
        ServerType::GroupOne => config.image_group_one.read_only,
        ServerType::GroupTwo => config.image_group_two.read_only,
    };
    let is_gpu = |key: &str| {
        config
            .gpus
            .value
            .vendors
            .iter()
            .any(|vendor| vendor.limits_key == key)
    };
    let gpus = container
        .pointer("/resources/limits")
        .and_then(Value::as_object)
        .and_then(|limits| {
            limits
                .iter()
                .find(|(key, _)| is_gpu(key))
                .map(|(key, value)| GpuForm {
                    num: scalar_text(value).unwrap_or_default(),
                    vendor: key.clone(),
                })
        })
        .unwrap_or_else(|| GpuForm {
            num: "none".into(),
            vendor: config.gpus.value.vendor.clone(),
        });

    // Pod volume name → claim, for PVC volumes; and the in-memory emptyDirs.
    let volumes = list(&pod, "volumes");
    let claims: BTreeMap<&str, &str> = volumes
        .iter()
        .filter_map(|volume| {
            Some((
                volume.get("name")?.as_str()?,
                volume
                    .pointer("/persistentVolumeClaim/claimName")?
                    .as_str()?,
            ))
        })
        .collect();
    let in_memory: BTreeSet<&str> = volumes
        .iter()
        .filter(|volume| {
            volume.pointer("/emptyDir/medium").and_then(Value::as_str) == Some("Memory")
        })
        .filter_map(|volume| volume.get("name")?.as_str())
        .collect();
    let workspace_mount = config
        .workspace_volume
        .value
        .as_ref()
        .and_then(|defaults| normalise_mount(&defaults.mount).ok())
        .unwrap_or_else(|| DEFAULT_WORKSPACE_MOUNT.to_string());
    let mut workspace = WorkspaceChoice::None;
    let mut data_volumes = Vec::new();
    let mut shm = false;
    for mount in list(&container, "volumeMounts") {
        let (Some(volume), Some(path)) = (
            mount.get("name").and_then(Value::as_str),
            mount.get("mountPath").and_then(Value::as_str),
        ) else {
            continue;
        };
        if path == SHM_MOUNT && in_memory.contains(volume) {
            shm = true;
        } else if let Some(claim) = claims.get(volume) {
            let form = VolumeForm {
                source: VolumeSource::Existing {
                    claim: claim.to_string(),
                },
                mount: path.to_string(),
            };
            let at_workspace = normalise_mount(path).is_ok_and(|path| path == workspace_mount);
            if at_workspace && workspace == WorkspaceChoice::None {
                workspace = WorkspaceChoice::Volume(form);
            } else {
                data_volumes.push(form);
            }
        }
    }

    let configurations: Vec<String> = notebook
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter(|(key, value)| *key != "app" && value.as_str() == Some("true"))
                .map(|(key, _)| key.clone())
                .collect()
        })
        .unwrap_or_default();
    let affinity = pod.get("affinity").filter(|affinity| !affinity.is_null());
    let affinity_key = affinity
        .and_then(|affinity| {
            config
                .affinity_config
                .options
                .iter()
                .find(|option| option.affinity == *affinity)
        })
        .map(|option| option.config_key.clone())
        .unwrap_or_default();
    let tolerations = list(&pod, "tolerations");
    let toleration_key = config
        .toleration_group
        .options
        .iter()
        .find(|option| !tolerations.is_empty() && option.tolerations == tolerations)
        .map(|option| option.group_key.clone())
        .unwrap_or_default();
    let environment: BTreeMap<String, String> = list(&container, "env")
        .iter()
        .filter_map(|variable| {
            Some((
                variable.get("name")?.as_str()?.to_string(),
                variable.get("value")?.as_str()?.to_string(),
            ))
        })
        .filter(|(name, _)| name != RESERVED_ENV)
        .collect();

    let cpu_locked = config.cpu.read_only;
    let memory_locked = config.memory.read_only;
    NotebookForm {
        name: text("/metadata/name").unwrap_or_default().to_string(),
        server_type,
        image: resource("/image").filter(|_| !image_locked),
        image_pull_policy: resource("/imagePullPolicy")
            .filter(|_| !config.image_pull_policy.read_only),
        cpu: resource("/resources/requests/cpu").filter(|_| !cpu_locked),
        cpu_limit: resource("/resources/limits/cpu").filter(|_| !cpu_locked),
        memory: resource("/resources/requests/memory").filter(|_| !memory_locked),
        memory_limit: resource("/resources/limits/memory").filter(|_| !memory_locked),
        gpus: unlocked(config.gpus.read_only, gpus),
        workspace: unlocked(config.workspace_volume.read_only, workspace),
        data_volumes: unlocked(config.data_volumes.read_only, data_volumes),
        configurations: unlocked(config.configurations.read_only, configurations),
        affinity: unlocked(config.affinity_config.read_only, affinity_key),
        tolerations: unlocked(config.toleration_group.read_only, toleration_key),
        shm: unlocked(config.shm.read_only, shm),
        environment: unlocked(config.environment.read_only, environment),
    }
}

/// What the spawner form starts from: the config's defaults, locked sections left out.
pub fn default_form(config: &SpawnerConfig) -> NotebookForm {
    let workspace = match &config.workspace_volume.value {
        None => Some(WorkspaceChoice::None),
        // A default the form can't express stays with the config, where validation reports it.
        Some(defaults) => volume_from_defaults(defaults)
            .ok()
            .map(WorkspaceChoice::Volume),
    };
    let data_volumes: Option<Vec<VolumeForm>> = config
        .data_volumes
        .value
        .iter()
        .map(|defaults| volume_from_defaults(defaults).ok())
        .collect();
    NotebookForm {
        name: String::new(),
        server_type: ServerType::Jupyter,
        image: unlocked(config.image.read_only, config.image.value.clone()),
        image_pull_policy: unlocked(
            config.image_pull_policy.read_only,
            config.image_pull_policy.value.clone(),
        ),
        cpu: unlocked(config.cpu.read_only, config.cpu.value.clone()),
        cpu_limit: None,
        memory: unlocked(config.memory.read_only, config.memory.value.clone()),
        memory_limit: None,
        gpus: unlocked(
            config.gpus.read_only,
            GpuForm {
                num: config.gpus.value.num.clone(),
                vendor: config.gpus.value.vendor.clone(),
            },
        ),
        workspace: workspace.filter(|_| !config.workspace_volume.read_only),
        data_volumes: data_volumes.filter(|_| !config.data_volumes.read_only),
        configurations: unlocked(
            config.configurations.read_only,
            config.configurations.value.clone(),
        ),
        affinity: unlocked(
            config.affinity_config.read_only,
            config.affinity_config.value.clone(),
        ),
        tolerations: unlocked(
            config.toleration_group.read_only,
            config.toleration_group.value.clone(),
        ),
        shm: unlocked(config.shm.read_only, config.shm.value),
        environment: unlocked(
            config.environment.read_only,
            config.environment.value.clone(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_from(json: Value) -> SpawnerConfig {
        serde_json::from_value(json).expect("test config parses")
    }

    fn affinity_preset() -> Value {
        json!({
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{
                        "matchExpressions": [
                            { "key": "lifecycle", "operator": "In", "values": ["kubeflow-notebook"] }
                        ]
                    }]
                }
            }
        })
    }

    fn toleration_preset() -> Value {
        json!({ "key": "dedicated", "operator": "Equal", "value": "kubeflow-c5.xlarge", "effect": "NoSchedule" })
    }

    fn config_json() -> Value {
        json!({
            "allowCustomImage": true,
            "imagePullPolicy": { "readOnly": false, "value": "IfNotPresent" },
            "image": { "value": "jupyter:1", "options": ["jupyter:1", "jupyter:2"] },
            "imageGroupOne": { "value": "code:1", "options": ["code:1"] },
            "imageGroupTwo": { "value": "rstudio:1", "options": ["rstudio:1"] },
            "cpu": { "value": "0.5", "limitFactor": "1.2" },
            "memory": { "value": "1.0Gi", "limitFactor": "1.2" },
            "gpus": { "value": {
                "vendor": "",
                "vendors": [
                    { "limitsKey": "nvidia.com/gpu", "uiName": "NVIDIA" },
                    { "limitsKey": "amd.com/gpu", "uiName": "AMD" }
                ],
                "num": "none"
            } },
            "workspaceVolume": { "value": {
                "mount": "/home/jovyan",
                "newPvc": {
                    "metadata": { "name": "{notebook-name}-workspace" },
                    "spec": {
                        "resources": { "requests": { "storage": "5Gi" } },
                        "accessModes": ["ReadWriteOnce"]
                    }
                }
            } },
            "dataVolumes": { "value": [] },
            "affinityConfig": { "value": "", "options": [
                { "configKey": "dedicated", "displayName": "Dedicated node", "affinity": affinity_preset() }
            ] },
            "tolerationGroup": { "value": "", "options": [
                { "groupKey": "group_1", "displayName": "4 CPU", "tolerations": [toleration_preset()] }
            ] },
            "shm": { "value": true },
            "configurations": { "value": [] },
            "environment": { "value": {} }
        })
    }

    fn config() -> SpawnerConfig {
        config_from(config_json())
    }

    /// The config with `section` locked to `value`.
    fn locked_config(section: &str, value: Value) -> SpawnerConfig {
        let mut json = config_json();
        json[section]["readOnly"] = true.into();
        json[section]["value"] = value;
        config_from(json)
    }

    fn form_named(name: &str) -> NotebookForm {
        NotebookForm {
            name: name.into(),
            ..NotebookForm::default()
        }
    }

    fn valid(form: &NotebookForm, config: &SpawnerConfig) -> ValidNotebook {
        validate(form, config, &[]).unwrap_or_else(|errors| panic!("{errors:#?}"))
    }

    fn errors(form: &NotebookForm, config: &SpawnerConfig) -> Vec<FieldError> {
        match validate(form, config, &[]) {
            Ok(valid) => panic!("accepted: {valid:#?}"),
            Err(errors) => errors,
        }
    }

    /// The message for `field`, failing when there is none.
    fn message(errors: &[FieldError], field: &str) -> String {
        errors
            .iter()
            .find(|error| error.field == field)
            .unwrap_or_else(|| panic!("no error for {field}: {errors:#?}"))
            .message
            .clone()
    }

    fn object(form: &NotebookForm, config: &SpawnerConfig) -> Value {
        notebook_object(&valid(form, config), config, "team", "ada@example.com")
    }

    fn volume(source: VolumeSource, mount: &str) -> VolumeForm {
        VolumeForm {
            source,
            mount: mount.into(),
        }
    }

    fn existing(claim: &str, mount: &str) -> VolumeForm {
        volume(
            VolumeSource::Existing {
                claim: claim.into(),
            },
            mount,
        )
    }

    fn new_pvc(name: &str, size: &str, mount: &str) -> VolumeForm {
        volume(
            VolumeSource::New {
                name: name.into(),
                size: size.into(),
                storage_class: None,
                access_mode: "ReadWriteOnce".into(),
            },
            mount,
        )
    }

    #[test]
    fn the_default_form_makes_the_notebook_upstream_would() {
        let config = config();
        let mut form = default_form(&config);
        form.name = "analysis".into();
        assert_eq!(
            object(&form, &config),
            json!({
                "apiVersion": "kubeflow.org/v1",
                "kind": "Notebook",
                "metadata": {
                    "name": "analysis",
                    "namespace": "team",
                    "labels": { "app": "analysis" },
                    "annotations": {
                        "notebooks.kubeflow.org/server-type": "jupyter",
                        "notebooks.kubeflow.org/creator": "ada@example.com"
                    }
                },
                "spec": { "template": { "spec": {
                    "serviceAccountName": "default-editor",
                    "containers": [{
                        "name": "analysis",
                        "image": "jupyter:1",
                        "imagePullPolicy": "IfNotPresent",
                        "resources": {
                            "requests": { "cpu": "500m", "memory": "1Gi" },
                            "limits": { "cpu": "600m", "memory": "1229Mi" }
                        },
                        "env": [],
                        "volumeMounts": [
                            { "mountPath": "/home/jovyan", "name": "analysis-workspace" },
                            { "mountPath": "/dev/shm", "name": "dshm" }
                        ]
                    }],
                    "volumes": [
                        { "name": "analysis-workspace", "persistentVolumeClaim": { "claimName": "analysis-workspace" } },
                        { "name": "dshm", "emptyDir": { "medium": "Memory" } }
                    ],
                    "tolerations": []
                } } }
            })
        );
        // A form that leaves everything out takes the same defaults.
        assert_eq!(
            object(&form_named("analysis"), &config),
            object(&form, &config)
        );
    }

    #[test]
    fn default_form_fills_what_the_user_may_change_and_leaves_locked_sections_out() {
        let config = config();
        let form = default_form(&config);
        assert_eq!(form.image.as_deref(), Some("jupyter:1"));
        assert_eq!(form.cpu.as_deref(), Some("0.5"));
        assert_eq!(form.memory.as_deref(), Some("1.0Gi"));
        assert_eq!(form.cpu_limit, None, "the limit follows the request");
        assert_eq!(
            form.gpus,
            Some(GpuForm {
                num: "none".into(),
                vendor: String::new()
            })
        );
        assert_eq!(
            form.workspace,
            Some(WorkspaceChoice::Volume(volume(
                VolumeSource::New {
                    name: "{notebook-name}-workspace".into(),
                    size: "5Gi".into(),
                    storage_class: None,
                    access_mode: "ReadWriteOnce".into(),
                },
                "/home/jovyan",
            )))
        );
        assert_eq!(form.shm, Some(true));
        assert_eq!(form.affinity.as_deref(), Some(""));

        let locked = locked_config("cpu", json!("1"));
        let form = default_form(&locked);
        assert_eq!((form.cpu, form.cpu_limit), (None, None));
        let locked = locked_config("workspaceVolume", Value::Null);
        assert_eq!(default_form(&locked).workspace, None);
    }

    #[test]
    fn collects_every_problem_at_once() {
        let config = config();
        let mut environment = BTreeMap::new();
        environment.insert("NB_PREFIX".to_string(), "/x".to_string());
        let form = NotebookForm {
            name: "Bad Name".into(),
            image: Some("has space:1".into()),
            image_pull_policy: Some("Sometimes".into()),
            cpu: Some("lots".into()),
            memory: Some("2Gi".into()),
            memory_limit: Some("1Gi".into()),
            gpus: Some(GpuForm {
                num: "3.5".into(),
                vendor: "intel.com/gpu".into(),
            }),
            workspace: Some(WorkspaceChoice::Volume(new_pvc("ws", "-1Gi", "home"))),
            data_volumes: Some(vec![existing("Data", "/data")]),
            configurations: Some(vec!["not a label".into()]),
            affinity: Some("nope".into()),
            tolerations: Some("nope".into()),
            environment: Some(environment),
            ..NotebookForm::default()
        };
        let errors = errors(&form, &config);
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "image",
                "image_pull_policy",
                "cpu",
                "memory_limit",
                "gpus.num",
                "gpus.vendor",
                "workspace.mount",
                "workspace.source.size",
                "data_volumes[0].source.claim",
                "configurations[0]",
                "affinity",
                "tolerations",
                "environment.NB_PREFIX",
            ]
        );
        assert!(errors.iter().all(|error| !error.message.is_empty()));
        assert!(message(&errors, "memory_limit").contains("at least the request (2Gi)"));
        assert!(message(&errors, "gpus.vendor").contains("nvidia.com/gpu, amd.com/gpu"));
        assert!(message(&errors, "environment.NB_PREFIX").contains("notebook controller"));
    }

    #[test]
    fn names_must_be_dns_labels_short_enough_for_the_statefulset_and_free() {
        let config = config();
        let longest = "n".repeat(MAX_NAME_LEN);
        valid(&form_named(&longest), &config);
        let too_long = "n".repeat(MAX_NAME_LEN + 1);
        let problem = message(&errors(&form_named(&too_long), &config), "name");
        assert!(
            problem.contains("52") && problem.contains("StatefulSet"),
            "{problem}"
        );
        for bad in [
            "",
            "Upper",
            "-dash",
            "dash-",
            "under_score",
            "dot.ted",
            "späce",
        ] {
            let errors = errors(&form_named(bad), &config);
            assert_eq!(errors.len(), 1, "{bad}: {errors:#?}");
            assert_eq!(errors[0].field, "name");
        }
        let taken = vec!["mine".to_string()];
        let errors = validate(&form_named("mine"), &config, &taken).unwrap_err();
        assert!(message(&errors, "name").contains("already exists"));
    }

    #[test]
    fn locked_sections_must_be_left_out_and_take_the_config_value() {
        let cases: Vec<(&str, Value, NotebookForm, &str)> = vec![
            (
                "image",
                json!("jupyter:locked"),
                NotebookForm {
                    image: Some("jupyter:2".into()),
                    ..form_named("nb")
                },
                "image",
            ),
            (
                "imagePullPolicy",
                json!("Always"),
                NotebookForm {
                    image_pull_policy: Some("Never".into()),
                    ..form_named("nb")
                },
                "image_pull_policy",
            ),
            (
                "cpu",
                json!("2"),
                NotebookForm {
                    cpu: Some("1".into()),
                    ..form_named("nb")
                },
                "cpu",
            ),
            (
                "cpu",
                json!("2"),
                NotebookForm {
                    cpu_limit: Some("4".into()),
                    ..form_named("nb")
                },
                "cpu_limit",
            ),
            (
                "memory",
                json!("2Gi"),
                NotebookForm {
                    memory: Some("1Gi".into()),
                    ..form_named("nb")
                },
                "memory",
            ),
            (
                "gpus",
                json!({ "vendor": "nvidia.com/gpu", "vendors": [{ "limitsKey": "nvidia.com/gpu", "uiName": "NVIDIA" }], "num": "1" }),
                NotebookForm {
                    gpus: Some(GpuForm {
                        num: "none".into(),
                        vendor: String::new(),
                    }),
                    ..form_named("nb")
                },
                "gpus",
            ),
            (
                "workspaceVolume",
                Value::Null,
                NotebookForm {
                    workspace: Some(WorkspaceChoice::None),
                    ..form_named("nb")
                },
                "workspace",
            ),
            (
                "dataVolumes",
                json!([]),
                NotebookForm {
                    data_volumes: Some(vec![]),
                    ..form_named("nb")
                },
                "data_volumes",
            ),
            (
                "affinityConfig",
                json!("dedicated"),
                NotebookForm {
                    affinity: Some(String::new()),
                    ..form_named("nb")
                },
                "affinity",
            ),
            (
                "tolerationGroup",
                json!("group_1"),
                NotebookForm {
                    tolerations: Some(String::new()),
                    ..form_named("nb")
                },
                "tolerations",
            ),
            (
                "shm",
                json!(false),
                NotebookForm {
                    shm: Some(true),
                    ..form_named("nb")
                },
                "shm",
            ),
            (
                "configurations",
                json!(["access-ml-pipeline"]),
                NotebookForm {
                    configurations: Some(vec![]),
                    ..form_named("nb")
                },
                "configurations",
            ),
            (
                "environment",
                json!({ "TZ": "UTC" }),
                NotebookForm {
                    environment: Some(BTreeMap::new()),
                    ..form_named("nb")
                },
                "environment",
            ),
        ];
        for (section, value, sent, field) in cases {
            let config = locked_config(section, value);
            let errors = errors(&sent, &config);
            assert_eq!(
                errors,
                vec![FieldError {
                    field: field.into(),
                    message: "is set by your administrator; leave it out".into()
                }],
                "{section}"
            );
            valid(&form_named("nb"), &config);
        }

        // Left out, the locked values are what the notebook gets.
        let config = locked_config(
            "gpus",
            json!({ "vendor": "nvidia.com/gpu", "vendors": [{ "limitsKey": "nvidia.com/gpu", "uiName": "NVIDIA" }], "num": "2" }),
        );
        let notebook = object(&form_named("nb"), &config);
        assert_eq!(
            notebook.pointer("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"),
            Some(&json!("2"))
        );
        let config = locked_config("environment", json!({ "TZ": "UTC" }));
        assert_eq!(
            object(&form_named("nb"), &config).pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([{ "name": "TZ", "value": "UTC" }]))
        );
        let mut json = config_json();
        json["imageGroupTwo"]["readOnly"] = true.into();
        let config = config_from(json);
        let rstudio = NotebookForm {
            server_type: ServerType::GroupTwo,
            image: Some("rstudio:2".into()),
            ..form_named("nb")
        };
        assert_eq!(message(&errors(&rstudio, &config), "image"), LOCKED);
        // Another group's lock doesn't apply.
        valid(
            &NotebookForm {
                image: Some("jupyter:2".into()),
                ..form_named("nb")
            },
            &config,
        );
    }

    #[test]
    fn images_come_from_the_server_types_group_and_custom_ones_only_when_allowed() {
        let config = config();
        for (server_type, image) in [
            (ServerType::Jupyter, "jupyter:1"),
            (ServerType::GroupOne, "code:1"),
            (ServerType::GroupTwo, "rstudio:1"),
        ] {
            let form = NotebookForm {
                server_type,
                ..form_named("nb")
            };
            assert_eq!(valid(&form, &config).image, image);
        }
        let custom = NotebookForm {
            image: Some("  registry.example.com/team/custom:v2 ".into()),
            ..form_named("nb")
        };
        assert_eq!(
            valid(&custom, &config).image,
            "registry.example.com/team/custom:v2"
        );
        let mut json = config_json();
        json["allowCustomImage"] = false.into();
        let strict = config_from(json);
        assert!(message(&errors(&custom, &strict), "image").contains("offers"));
        let offered = NotebookForm {
            image: Some("jupyter:2".into()),
            ..form_named("nb")
        };
        assert_eq!(valid(&offered, &strict).image, "jupyter:2");
        for bad in ["two words", "tab\there", &"x".repeat(MAX_IMAGE_LEN + 1)] {
            let form = NotebookForm {
                image: Some(bad.to_string()),
                ..form_named("nb")
            };
            errors(&form, &config);
        }
        // A blank image means the default.
        let blank = NotebookForm {
            image: Some("  ".into()),
            ..form_named("nb")
        };
        assert_eq!(valid(&blank, &config).image, "jupyter:1");
        // An older config without group images can't spawn VS Code without a custom image.
        let mut json = config_json();
        json.as_object_mut().unwrap().remove("imageGroupOne");
        let old = config_from(json);
        let vscode = NotebookForm {
            server_type: ServerType::GroupOne,
            ..form_named("nb")
        };
        assert!(message(&errors(&vscode, &old), "image").contains("VS Code"));
    }

    #[test]
    fn pull_policy_is_one_of_kubernetes_three() {
        let config = config();
        for policy in PULL_POLICIES {
            let form = NotebookForm {
                image_pull_policy: Some(policy.into()),
                ..form_named("nb")
            };
            assert_eq!(valid(&form, &config).image_pull_policy, policy);
        }
        for bad in ["always", "", "Sometimes"] {
            let form = NotebookForm {
                image_pull_policy: Some(bad.into()),
                ..form_named("nb")
            };
            assert_eq!(errors(&form, &config)[0].field, "image_pull_policy");
        }
    }

    fn resources(
        cpu: &str,
        cpu_limit: Option<&str>,
        memory: &str,
        memory_limit: Option<&str>,
    ) -> NotebookForm {
        NotebookForm {
            cpu: Some(cpu.into()),
            cpu_limit: cpu_limit.map(str::to_string),
            memory: Some(memory.into()),
            memory_limit: memory_limit.map(str::to_string),
            ..form_named("nb")
        }
    }

    fn resources_of(notebook: &Value) -> Value {
        notebook["spec"]["template"]["spec"]["containers"][0]["resources"].clone()
    }

    #[test]
    fn limits_default_to_request_times_factor_rounded_up() {
        let config = config();
        let cases = [
            ("1", "2Gi", json!({ "cpu": "1200m", "memory": "2458Mi" })),
            ("250m", "512Mi", json!({ "cpu": "300m", "memory": "615Mi" })),
            ("333m", "5Gi", json!({ "cpu": "400m", "memory": "6Gi" })),
            ("2", "1000M", json!({ "cpu": "2400m", "memory": "1200M" })),
        ];
        for (cpu, memory, limits) in cases {
            let notebook = object(&resources(cpu, None, memory, None), &config);
            assert_eq!(resources_of(&notebook)["limits"], limits, "{cpu} {memory}");
        }
        let explicit = object(&resources("1", Some("4"), "1Gi", Some("1Gi")), &config);
        assert_eq!(
            resources_of(&explicit),
            json!({
                "requests": { "cpu": "1", "memory": "1Gi" },
                "limits": { "cpu": "4", "memory": "1Gi" }
            })
        );
        // A blank limit is the default one.
        let blank = object(&resources("1", Some(" "), "1Gi", Some("")), &config);
        assert_eq!(resources_of(&blank)["limits"]["cpu"], "1200m");
    }

    #[test]
    fn no_limits_when_the_factor_is_none_or_absent() {
        let mut json = config_json();
        json["cpu"]["limitFactor"] = "none".into();
        json["memory"]
            .as_object_mut()
            .unwrap()
            .remove("limitFactor");
        let config = config_from(json);
        let notebook = object(&form_named("nb"), &config);
        assert_eq!(
            resources_of(&notebook),
            json!({ "requests": { "cpu": "500m", "memory": "1Gi" } })
        );
        // An explicit limit still applies.
        let notebook = object(&resources("1", Some("2"), "1Gi", None), &config);
        assert_eq!(resources_of(&notebook)["limits"], json!({ "cpu": "2" }));
    }

    #[test]
    fn requests_must_be_positive_quantities_in_the_resources_unit() {
        let config = config();
        for (cpu, memory, field, needle) in [
            ("0", "1Gi", "cpu", "more than 0"),
            ("-1", "1Gi", "cpu", "more than 0"),
            ("abc", "1Gi", "cpu", "not a quantity"),
            ("NaN", "1Gi", "cpu", "not a quantity"),
            ("100u", "1Gi", "cpu", "millicores"),
            ("1", "500m", "memory", "whole number of bytes"),
            ("1", "1gi", "memory", "not a quantity"),
            ("1", "9e100", "memory", "too large"),
        ] {
            let errors = errors(&resources(cpu, None, memory, None), &config);
            let problem = message(&errors, field);
            assert!(problem.contains(needle), "{cpu} {memory}: {problem}");
        }
        let errors = errors(&resources("2", Some("1"), "1Gi", Some("0.5Gi")), &config);
        assert!(message(&errors, "cpu_limit").contains("at least the request (2)"));
        assert!(message(&errors, "memory_limit").contains("at least the request (1Gi)"));
    }

    #[test]
    fn a_bad_default_is_reported_as_the_administrators_to_fix() {
        let mut json = config_json();
        json["cpu"]["value"] = "lots".into();
        json["memory"]["limitFactor"] = "0.5".into();
        json["gpus"]["value"]["num"] = "2".into();
        let config = config_from(json);
        let errors = errors(&form_named("nb"), &config);
        for field in ["cpu", "memory_limit", "gpus.vendor"] {
            let problem = message(&errors, field);
            assert!(problem.contains("administrator"), "{field}: {problem}");
        }
        let mut json = config_json();
        json["memory"]["limitFactor"] = "lots".into();
        let problem = message(&errors_of(json), "memory_limit");
        assert!(problem.contains("limitFactor"), "{problem}");
    }

    fn errors_of(config: Value) -> Vec<FieldError> {
        errors(&form_named("nb"), &config_from(config))
    }

    #[test]
    fn gpus_go_in_limits_under_the_vendors_key() {
        let config = config();
        for vendor in ["nvidia.com/gpu", "amd.com/gpu"] {
            let form = NotebookForm {
                gpus: Some(GpuForm {
                    num: "2".into(),
                    vendor: vendor.into(),
                }),
                ..form_named("nb")
            };
            let resources = resources_of(&object(&form, &config));
            assert_eq!(resources["limits"][vendor], "2");
            assert_eq!(resources["requests"].get(vendor), None);
        }
        let none = NotebookForm {
            gpus: Some(GpuForm {
                num: "none".into(),
                vendor: "nvidia.com/gpu".into(),
            }),
            ..form_named("nb")
        };
        assert_eq!(valid(&none, &config).gpus, None);
        for (num, vendor, field) in [
            ("0", "nvidia.com/gpu", "gpus.num"),
            ("17", "nvidia.com/gpu", "gpus.num"),
            ("-1", "nvidia.com/gpu", "gpus.num"),
            ("one", "nvidia.com/gpu", "gpus.num"),
            ("1", "", "gpus.vendor"),
            ("1", "intel.com/gpu", "gpus.vendor"),
        ] {
            let form = NotebookForm {
                gpus: Some(GpuForm {
                    num: num.into(),
                    vendor: vendor.into(),
                }),
                ..form_named("nb")
            };
            assert_eq!(errors(&form, &config)[0].field, field, "{num} {vendor}");
        }
        let sixteen = NotebookForm {
            gpus: Some(GpuForm {
                num: "16".into(),
                vendor: "amd.com/gpu".into(),
            }),
            ..form_named("nb")
        };
        assert_eq!(
            valid(&sixteen, &config).gpus,
            Some(GpuLimit {
                vendor: "amd.com/gpu".into(),
                count: 16
            })
        );
    }

    fn mounts_of(notebook: &Value) -> Value {
        notebook["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].clone()
    }

    fn volumes_of(notebook: &Value) -> Value {
        notebook["spec"]["template"]["spec"]["volumes"].clone()
    }

    #[test]
    fn workspace_choices() {
        let config = config();
        let none = NotebookForm {
            workspace: Some(WorkspaceChoice::None),
            shm: Some(false),
            ..form_named("nb")
        };
        let notebook = object(&none, &config);
        assert_eq!(mounts_of(&notebook), json!([]));
        assert_eq!(volumes_of(&notebook), json!([]));
        assert!(pvc_objects(&valid(&none, &config), "team").is_empty());

        let existing_claim = NotebookForm {
            workspace: Some(WorkspaceChoice::Volume(existing(
                "shared-home",
                "/home/jovyan/",
            ))),
            ..form_named("nb")
        };
        let valid_existing = valid(&existing_claim, &config);
        assert!(pvc_objects(&valid_existing, "team").is_empty());
        let notebook = notebook_object(&valid_existing, &config, "team", "ada");
        assert_eq!(
            mounts_of(&notebook)[0],
            json!({ "mountPath": "/home/jovyan", "name": "shared-home" })
        );

        let new = NotebookForm {
            workspace: Some(WorkspaceChoice::Volume(volume(
                VolumeSource::New {
                    name: "{notebook-name}-home".into(),
                    size: "10Gi".into(),
                    storage_class: Some("fast-ssd".into()),
                    access_mode: "ReadWriteMany".into(),
                },
                "/home/jovyan",
            ))),
            ..form_named("nb")
        };
        let pvcs = pvc_objects(&valid(&new, &config), "team");
        assert_eq!(
            pvcs,
            vec![json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": "nb-home",
                    "namespace": "team",
                    "labels": { "kfdash.kubeflow.org/notebook": "nb" }
                },
                "spec": {
                    "accessModes": ["ReadWriteMany"],
                    "resources": { "requests": { "storage": "10Gi" } },
                    "storageClassName": "fast-ssd"
                }
            })]
        );
    }

    #[test]
    fn volume_fields_are_checked_with_their_form_paths() {
        let config = config();
        let bad = NotebookForm {
            workspace: Some(WorkspaceChoice::Volume(volume(
                VolumeSource::New {
                    name: "{notebook-name}_home".into(),
                    size: "0".into(),
                    storage_class: Some("Fast".into()),
                    access_mode: "ReadWriteSometimes".into(),
                },
                "/home/jovyan",
            ))),
            data_volumes: Some(vec![
                new_pvc("data", "1Gi", "/data"),
                new_pvc("scratch", "500m", "relative/path"),
                existing("a..b", "/data/../etc"),
            ]),
            ..form_named("nb")
        };
        let errors = errors(&bad, &config);
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "workspace.source.name",
                "workspace.source.size",
                "workspace.source.access_mode",
                "workspace.source.storage_class",
                "data_volumes[1].mount",
                "data_volumes[1].source.size",
                "data_volumes[2].mount",
                "data_volumes[2].source.claim",
            ]
        );
        assert!(message(&errors, "workspace.source.name").contains("nb_home"));
        assert!(message(&errors, "data_volumes[1].mount").contains("absolute"));
        assert!(message(&errors, "data_volumes[2].mount").contains(".."));
    }

    #[test]
    fn mount_paths_are_normalised_unique_and_clear_of_shared_memory() {
        let config = config();
        let tidy = NotebookForm {
            data_volumes: Some(vec![existing("data", "//home/jovyan2/./data/")]),
            ..form_named("nb")
        };
        assert_eq!(
            valid(&tidy, &config).data_volumes[0].mount,
            "/home/jovyan2/data"
        );

        let cases = [
            (
                "/home/jovyan",
                "is already the mount path of the workspace volume",
            ),
            ("/dev/shm", "shared memory"),
            ("/dev/shm/x", "is inside /dev/shm"),
            ("/dev", "contains /dev/shm"),
            ("/", "root"),
        ];
        for (mount, needle) in cases {
            let form = NotebookForm {
                data_volumes: Some(vec![existing("data", mount)]),
                ..form_named("nb")
            };
            let problem = message(&errors(&form, &config), "data_volumes[0].mount");
            assert!(problem.contains(needle), "{mount}: {problem}");
        }
        // The later of two clashing data volumes is the one in error.
        let twice = NotebookForm {
            data_volumes: Some(vec![existing("a", "/data"), existing("b", "/data/")]),
            ..form_named("nb")
        };
        let errors = errors(&twice, &config);
        assert_eq!(errors.len(), 1);
        assert!(message(&errors, "data_volumes[1].mount").contains("data volume 1"));
        // Without shared memory, /dev/shm is a path like any other.
        let no_shm = NotebookForm {
            shm: Some(false),
            data_volumes: Some(vec![existing("data", "/dev/shm")]),
            ..form_named("nb")
        };
        valid(&no_shm, &config);
        // Nesting is allowed: upstream mounts data volumes inside the workspace.
        let nested = NotebookForm {
            data_volumes: Some(vec![
                existing("a", "/home/jovyan/datavol-1"),
                existing("b", "/data"),
                existing("c", "/data/inner"),
                existing("d", "/data2"),
                existing("e", "/home"),
            ]),
            ..form_named("nb")
        };
        valid(&nested, &config);
    }

    #[test]
    fn data_volumes_create_mount_and_share_claims_sensibly() {
        let config = config();
        let form = NotebookForm {
            data_volumes: Some(vec![
                new_pvc("{notebook-name}-datavol-1", "20Gi", "/home/jovyan2/a"),
                existing("datasets", "/datasets"),
                existing("datasets", "/datasets-again"),
                existing("archive.2024", "/archive"),
            ]),
            ..form_named("nb")
        };
        let valid = valid(&form, &config);
        let notebook = notebook_object(&valid, &config, "team", "ada");
        let archive = volume_name("archive.2024");
        assert!(archive.starts_with("archive-2024-"), "{archive}");
        assert_eq!(
            volumes_of(&notebook),
            json!([
                { "name": "nb-workspace", "persistentVolumeClaim": { "claimName": "nb-workspace" } },
                { "name": "nb-datavol-1", "persistentVolumeClaim": { "claimName": "nb-datavol-1" } },
                { "name": "datasets", "persistentVolumeClaim": { "claimName": "datasets" } },
                { "name": archive, "persistentVolumeClaim": { "claimName": "archive.2024" } },
                { "name": "dshm", "emptyDir": { "medium": "Memory" } }
            ])
        );
        assert_eq!(
            mounts_of(&notebook),
            json!([
                { "mountPath": "/home/jovyan", "name": "nb-workspace" },
                { "mountPath": "/home/jovyan2/a", "name": "nb-datavol-1" },
                { "mountPath": "/datasets", "name": "datasets" },
                { "mountPath": "/datasets-again", "name": "datasets" },
                { "mountPath": "/archive", "name": archive },
                { "mountPath": "/dev/shm", "name": "dshm" }
            ])
        );
        let pvcs = pvc_objects(&valid, "team");
        let names: Vec<&Value> = pvcs.iter().map(|pvc| &pvc["metadata"]["name"]).collect();
        assert_eq!(names, [&json!("nb-workspace"), &json!("nb-datavol-1")]);
        assert_eq!(pvcs[1]["spec"]["resources"]["requests"]["storage"], "20Gi");
        assert_eq!(pvcs[1]["spec"].get("storageClassName"), None);
    }

    #[test]
    fn a_new_claims_name_is_used_once() {
        let config = config();
        let form = NotebookForm {
            data_volumes: Some(vec![
                new_pvc("{notebook-name}-workspace", "1Gi", "/a"),
                new_pvc("data", "1Gi", "/b"),
                existing("data", "/c"),
            ]),
            ..form_named("nb")
        };
        let errors = errors(&form, &config);
        assert!(message(&errors, "data_volumes[0].source.name").contains("the workspace volume"));
        assert!(message(&errors, "data_volumes[2].source.claim").contains("data volume 2"));
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn data_volumes_are_capped() {
        let config = config();
        let many = (0..=MAX_DATA_VOLUMES)
            .map(|index| existing(&format!("claim-{index}"), &format!("/data/{index}")))
            .collect();
        let form = NotebookForm {
            data_volumes: Some(many),
            ..form_named("nb")
        };
        assert!(message(&errors(&form, &config), "data_volumes").contains("at most 20"));
    }

    #[test]
    fn volume_names_fit_dns_labels_and_stay_stable() {
        assert_eq!(volume_name("nb-workspace"), "nb-workspace");
        for claim in [
            "a.b",
            "dshm",
            &"x".repeat(200),
            "1.2.3",
            &format!("{}.b", "a".repeat(70)),
        ] {
            let name = volume_name(claim);
            assert_eq!(label_problem(&name), None, "{claim} → {name}");
            assert_ne!(name, SHM_VOLUME);
            assert_eq!(volume_name(claim), name, "stable");
        }
        assert_ne!(volume_name("a.b"), volume_name("a-b"));
        assert_ne!(volume_name("a.b"), volume_name("a_b"));
    }

    #[test]
    fn environment_is_sorted_and_checked() {
        let config = config();
        let env: BTreeMap<String, String> =
            [("ZED", "1"), ("alpha.beta-gamma", "x"), ("_UNDER", "")]
                .into_iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect();
        let form = NotebookForm {
            environment: Some(env),
            ..form_named("nb")
        };
        assert_eq!(
            object(&form, &config)["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([
                { "name": "ZED", "value": "1" },
                { "name": "_UNDER", "value": "" },
                { "name": "alpha.beta-gamma", "value": "x" }
            ])
        );
        for (key, value, needle) in [
            ("1ABC", "x", "start with a letter"),
            ("A B", "x", "start with a letter"),
            ("A=B", "x", "start with a letter"),
            ("", "x", "start with a letter"),
            ("NB_PREFIX", "x", "controller"),
            ("BIG", &"x".repeat(MAX_ENV_VALUE_BYTES + 1), "32 KiB"),
        ] {
            let form = NotebookForm {
                environment: Some([(key.to_string(), value.to_string())].into()),
                ..form_named("nb")
            };
            let problem = message(&errors(&form, &config), &format!("environment.{key}"));
            assert!(problem.contains(needle), "{key}: {problem}");
        }
    }

    #[test]
    fn affinity_and_tolerations_come_from_presets() {
        let config = config();
        let form = NotebookForm {
            affinity: Some("dedicated".into()),
            tolerations: Some("group_1".into()),
            ..form_named("nb")
        };
        let pod = object(&form, &config)["spec"]["template"]["spec"].clone();
        assert_eq!(pod["affinity"], affinity_preset());
        assert_eq!(pod["tolerations"], json!([toleration_preset()]));
        for none in ["", "none"] {
            let form = NotebookForm {
                affinity: Some(none.into()),
                tolerations: Some(none.into()),
                ..form_named("nb")
            };
            let pod = object(&form, &config)["spec"]["template"]["spec"].clone();
            assert_eq!(pod.get("affinity"), None);
            assert_eq!(pod["tolerations"], json!([]));
        }
        let unknown = NotebookForm {
            affinity: Some("group_1".into()),
            tolerations: Some("dedicated".into()),
            ..form_named("nb")
        };
        let errors = errors(&unknown, &config);
        assert!(message(&errors, "affinity").contains("dedicated"));
        assert!(message(&errors, "tolerations").contains("group_1"));
        // The config's default preset applies when the form leaves it out.
        let mut json = config_json();
        json["tolerationGroup"]["value"] = "group_1".into();
        let pod = object(&form_named("nb"), &config_from(json))["spec"]["template"]["spec"].clone();
        assert_eq!(pod["tolerations"], json!([toleration_preset()]));
    }

    #[test]
    fn configurations_become_true_labels() {
        let config = config();
        let form = NotebookForm {
            configurations: Some(vec![
                "access-ml-pipeline".into(),
                "example.com/gpu-drivers".into(),
                "access-ml-pipeline".into(),
            ]),
            ..form_named("nb")
        };
        assert_eq!(
            object(&form, &config)["metadata"]["labels"],
            json!({ "app": "nb", "access-ml-pipeline": "true", "example.com/gpu-drivers": "true" })
        );
        for bad in [
            "app",
            "",
            "-x",
            "a/b/c",
            "UPPER.example.com/x",
            &"x".repeat(64),
        ] {
            let form = NotebookForm {
                configurations: Some(vec![bad.to_string()]),
                ..form_named("nb")
            };
            assert_eq!(
                errors(&form, &config)[0].field,
                "configurations[0]",
                "{bad}"
            );
        }
    }

    #[test]
    fn server_types_get_upstreams_annotations() {
        let config = config();
        let annotations = |server_type| {
            let form = NotebookForm {
                server_type,
                ..form_named("nb")
            };
            object(&form, &config)["metadata"]["annotations"].clone()
        };
        assert_eq!(
            annotations(ServerType::Jupyter),
            json!({
                "notebooks.kubeflow.org/server-type": "jupyter",
                "notebooks.kubeflow.org/creator": "ada@example.com"
            })
        );
        assert_eq!(
            annotations(ServerType::GroupOne),
            json!({
                "notebooks.kubeflow.org/server-type": "group-one",
                "notebooks.kubeflow.org/creator": "ada@example.com",
                "notebooks.kubeflow.org/http-rewrite-uri": "/"
            })
        );
        assert_eq!(
            annotations(ServerType::GroupTwo),
            json!({
                "notebooks.kubeflow.org/server-type": "group-two",
                "notebooks.kubeflow.org/creator": "ada@example.com",
                "notebooks.kubeflow.org/http-rewrite-uri": "/",
                "notebooks.kubeflow.org/http-headers-request-set":
                    r#"{"X-RStudio-Root-Path":"/notebook/team/nb/"}"#
            })
        );
    }

    /// Forms covering every section, for the round trip.
    fn assorted_forms() -> Vec<NotebookForm> {
        let env: BTreeMap<String, String> = [("TZ".to_string(), "UTC".to_string())].into();
        vec![
            form_named("plain"),
            NotebookForm {
                server_type: ServerType::GroupOne,
                cpu: Some("2".into()),
                cpu_limit: Some("3".into()),
                memory: Some("1.5Gi".into()),
                gpus: Some(GpuForm {
                    num: "1".into(),
                    vendor: "amd.com/gpu".into(),
                }),
                ..form_named("vscode")
            },
            NotebookForm {
                server_type: ServerType::GroupTwo,
                image: Some("example.com/custom/rstudio:4".into()),
                workspace: Some(WorkspaceChoice::None),
                shm: Some(false),
                ..form_named("rstudio")
            },
            NotebookForm {
                image_pull_policy: Some("Always".into()),
                workspace: Some(WorkspaceChoice::Volume(existing("home", "/home/jovyan"))),
                data_volumes: Some(vec![
                    new_pvc("{notebook-name}-data", "1Gi", "/data"),
                    existing("datasets.v2", "/datasets"),
                    existing("datasets.v2", "/datasets-again"),
                ]),
                configurations: Some(vec!["access-ml-pipeline".into()]),
                affinity: Some("dedicated".into()),
                tolerations: Some("group_1".into()),
                environment: Some(env),
                ..form_named("everything")
            },
        ]
    }

    #[test]
    fn validate_object_form_validate_is_a_round_trip() {
        let mut configs = vec![config()];
        let mut json = config_json();
        json["cpu"]["limitFactor"] = "none".into();
        json["shm"] = json!({ "readOnly": true, "value": true });
        json["configurations"] = json!({ "readOnly": true, "value": ["access-ml-pipeline"] });
        configs.push(config_from(json));
        for config in &configs {
            for form in assorted_forms() {
                let form = if config.configurations.read_only {
                    NotebookForm {
                        configurations: None,
                        shm: None,
                        ..form
                    }
                } else {
                    form
                };
                let first = object(&form, config);
                let again = form_from_notebook(&first, config);
                assert_eq!(object(&again, config), first, "{form:#?}\n{again:#?}");
                // The form read back is stable too.
                assert_eq!(form_from_notebook(&object(&again, config), config), again);
            }
        }
    }

    #[test]
    fn form_from_notebook_reads_what_the_form_describes() {
        let config = config();
        let form = &assorted_forms()[3];
        let read = form_from_notebook(&object(form, &config), &config);
        assert_eq!(read.name, "everything");
        assert_eq!(read.image.as_deref(), Some("jupyter:1"));
        assert_eq!(read.cpu.as_deref(), Some("500m"));
        assert_eq!(read.cpu_limit.as_deref(), Some("600m"));
        assert_eq!(read.memory_limit.as_deref(), Some("1229Mi"));
        assert_eq!(
            read.workspace,
            Some(WorkspaceChoice::Volume(existing("home", "/home/jovyan")))
        );
        assert_eq!(
            read.data_volumes,
            Some(vec![
                existing("everything-data", "/data"),
                existing("datasets.v2", "/datasets"),
                existing("datasets.v2", "/datasets-again"),
            ])
        );
        assert_eq!(read.shm, Some(true));
        assert_eq!(read.affinity.as_deref(), Some("dedicated"));
        assert_eq!(read.tolerations.as_deref(), Some("group_1"));
        assert_eq!(
            read.configurations,
            Some(vec!["access-ml-pipeline".to_string()])
        );

        // Under a config that locks sections, they are left out so the form validates.
        let locked = locked_config("environment", json!({}));
        let read = form_from_notebook(&object(form, &config), &locked);
        assert_eq!(read.environment, None);
        // An object from elsewhere: no annotation, numbers for quantities, NB_PREFIX set.
        let foreign = json!({
            "metadata": { "name": "old" },
            "spec": { "template": { "spec": { "containers": [{
                "name": "old",
                "image": "jupyter:1",
                "resources": { "requests": { "cpu": 1, "memory": "1Gi" } },
                "env": [
                    { "name": "NB_PREFIX", "value": "/notebook/team/old" },
                    { "name": "FROM_SECRET", "valueFrom": { "secretKeyRef": { "name": "s", "key": "k" } } }
                ]
            }] } } }
        });
        let read = form_from_notebook(&foreign, &config);
        assert_eq!(read.server_type, ServerType::Jupyter);
        assert_eq!(read.cpu.as_deref(), Some("1"));
        assert_eq!(read.environment, Some(BTreeMap::new()));
        assert_eq!(read.workspace, Some(WorkspaceChoice::None));
        valid(&read, &config);
        // Nothing at all still gives a form (that validation then explains).
        let empty = form_from_notebook(&Value::Null, &config);
        assert_eq!(empty.name, "");
    }

    #[test]
    fn config_accepts_unquoted_numbers_and_missing_sections() {
        let config = config_from(json!({
            "image": { "value": "jupyter:1" },
            "cpu": { "value": 0.5, "limitFactor": 1.5 },
            "memory": { "value": "1Gi" },
            "gpus": { "value": { "num": 1, "vendor": "nvidia.com/gpu", "vendors": [{ "limitsKey": "nvidia.com/gpu", "uiName": "NVIDIA" }] } },
            "environment": { "value": { "THREADS": 4, "DEBUG": true } }
        }));
        assert_eq!(config.cpu.value, "0.5");
        assert_eq!(config.cpu.limit_factor.as_deref(), Some("1.5"));
        assert_eq!(config.gpus.value.num, "1");
        assert_eq!(config.environment.value["THREADS"], "4");
        assert_eq!(config.environment.value["DEBUG"], "true");
        assert_eq!(config.image_pull_policy.value, "IfNotPresent");
        assert_eq!(config.workspace_volume.value, None);
        let valid = valid(&form_named("nb"), &config);
        assert_eq!(
            valid.cpu_limit.map(|limit| limit.format_cpu()),
            Some("750m".into())
        );
        assert_eq!(valid.gpus.map(|gpus| gpus.count), Some(1));
        assert!(!valid.shm);
        // The wire format round-trips.
        let wire = serde_json::to_string(&config).unwrap();
        assert_eq!(
            serde_json::from_str::<SpawnerConfig>(&wire).unwrap(),
            config
        );
    }

    #[test]
    fn config_volumes_the_form_cant_express_are_reported() {
        let mut json = config_json();
        json["workspaceVolume"]["value"] = json!({
            "mount": "/home/jovyan",
            "existingSource": { "nfs": { "server": "nfs.example.com", "path": "/" } }
        });
        json["dataVolumes"]["value"] = json!([
            { "mount": "/data", "existingSource": { "persistentVolumeClaim": { "claimName": "data" } } },
            { "mount": "/x" }
        ]);
        let errors = errors_of(json);
        assert!(message(&errors, "workspace").contains("nfs"));
        assert!(message(&errors, "data_volumes[1]").contains("neither"));
        assert!(message(&errors, "workspace").contains("administrator"));
    }

    #[test]
    fn the_field_paths_match_the_forms_serde_names() {
        // Every top-level field an error names is a field of the form on the wire.
        let wire = serde_json::to_value(NotebookForm::default()).unwrap();
        for field in [
            "name",
            "image",
            "image_pull_policy",
            "cpu",
            "cpu_limit",
            "memory",
            "memory_limit",
            "gpus",
            "workspace",
            "data_volumes",
            "configurations",
            "affinity",
            "tolerations",
            "shm",
            "environment",
        ] {
            assert!(wire.get(field).is_some(), "{field}");
        }
        let volume = serde_json::to_value(new_pvc("a", "1Gi", "/a")).unwrap();
        for pointer in [
            "/mount",
            "/source/name",
            "/source/size",
            "/source/access_mode",
            "/source/storage_class",
        ] {
            assert!(volume.pointer(pointer).is_some(), "{pointer}");
        }
    }
}
