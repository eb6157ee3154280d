//! Saving the sandbox to `state.json` by atomic replace, and loading it back. A write is on
//! disk within one save interval (default 0.5 s) and on shutdown.

use super::store::Store;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the sandbox state {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error(
        "the sandbox state {0} is damaged ({1}); it was left as it is. The previous save is {0}.bak: \
         copy it over state.json to keep your data, or start with --sandbox-reset to begin again"
    )]
    Corrupt(PathBuf, String),
}

/// The saved snapshot, None if there is none yet.
pub fn load(path: &Path) -> Result<Option<Value>, LoadError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(LoadError::Read(path.to_path_buf(), error)),
    };
    let snapshot: Value = serde_json::from_slice(&bytes)
        .map_err(|error| LoadError::Corrupt(path.to_path_buf(), error.to_string()))?;
    if snapshot.get("revision").and_then(Value::as_u64).is_none()
        || !snapshot.get("objects").is_some_and(Value::is_object)
    {
        return Err(LoadError::Corrupt(
            path.to_path_buf(),
            "it is not a sandbox snapshot".into(),
        ));
    }
    Ok(Some(snapshot))
}

/// Writes `bytes` to a temporary file, syncs it, keeps the current file as `.bak`, then
/// renames the new one in: a crash leaves either the old or the new file, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    if path.exists() {
        let mut backup = path.as_os_str().to_owned();
        backup.push(".bak");
        std::fs::copy(path, PathBuf::from(backup))?;
    }
    std::fs::rename(&temporary, path)?;
    if let Some(directory) = path.parent() {
        // The rename is durable only once the directory entry is.
        if let Ok(directory) = std::fs::File::open(directory) {
            let _ = directory.sync_all();
        }
    }
    Ok(())
}

/// Saves the store in the background whenever it changed, at most once per interval.
pub struct Saver {
    store: Arc<Store>,
    path: PathBuf,
}

impl Saver {
    pub fn spawn(
        store: Arc<Store>,
        path: PathBuf,
        interval: Duration,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let mut writes = store.writes();
        let (background_store, background_path) = (store.clone(), path.clone());
        tokio::spawn(async move {
            let mut saved = background_store.revision();
            // Save once at start so a fresh seed is on disk before anyone uses it.
            if let Err(error) = save(&background_store, &background_path) {
                tracing::error!(%error, path = %background_path.display(), "cannot save the sandbox state");
            }
            loop {
                tokio::select! {
                    changed = writes.changed() => if changed.is_err() { return },
                    _ = stopped.changed() => return,
                }
                tokio::time::sleep(interval).await;
                let revision = background_store.revision();
                if revision == saved {
                    continue;
                }
                match save(&background_store, &background_path) {
                    Ok(()) => saved = revision,
                    Err(error) => {
                        tracing::error!(%error, path = %background_path.display(), "cannot save the sandbox state")
                    }
                }
            }
        });
        Self { store, path }
    }

    pub fn save_now(&self) -> std::io::Result<()> {
        save(&self.store, &self.path)
    }
}

fn save(store: &Store, path: &Path) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(&store.snapshot()).map_err(std::io::Error::other)?;
    write_atomically(path, &bytes, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_a_fresh_start_and_a_damaged_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(load(&path).unwrap().is_none());
        std::fs::write(&path, br#"{"revision": 5, "objects": {"#).unwrap();
        let error = load(&path).unwrap_err();
        assert!(matches!(error, LoadError::Corrupt(..)));
        assert!(error.to_string().contains("--sandbox-reset"), "{error}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            br#"{"revision": 5, "objects": {"#,
            "the damaged file is left alone"
        );
        std::fs::write(&path, br#"{"something": "else"}"#).unwrap();
        assert!(matches!(load(&path), Err(LoadError::Corrupt(..))));
    }

    #[test]
    fn atomic_writes_keep_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomically(&path, b"one", false).unwrap();
        write_atomically(&path, b"two", false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.path().join("state.json.bak")).unwrap(),
            b"one"
        );
        assert!(!dir.path().join("state.tmp").exists());
    }
}
