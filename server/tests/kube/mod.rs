//! A policy file published as a Kubernetes ConfigMap volume is: the kubelet writes each
//! revision into a timestamped directory, points the `..data` symlink at it by renaming a new
//! symlink over the old one (one atomic step), and the file the service is given is a symlink
//! to `..data/policy.toml`. No event ever names `policy.toml` itself.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A ConfigMap volume holding `policy.toml`.
pub struct ConfigMap {
    dir: PathBuf,
    published: u32,
    current: Option<PathBuf>,
}

impl ConfigMap {
    /// A volume in `dir` (which exists), with nothing published yet.
    pub fn new(dir: &Path) -> ConfigMap {
        ConfigMap {
            dir: dir.to_path_buf(),
            published: 0,
            current: None,
        }
    }

    /// The path the service is given: `policy.toml`, a symlink to `..data/policy.toml`.
    pub fn policy(&self) -> PathBuf {
        self.dir.join("policy.toml")
    }

    /// The real file in force (inside the timestamped directory).
    pub fn target(&self) -> PathBuf {
        self.current
            .as_ref()
            .map(|d| d.join("policy.toml"))
            .unwrap_or_default()
    }

    /// Publishes `text` as the kubelet does: a new timestamped directory, `..data_tmp` pointing
    /// at it renamed over `..data`, the old directory removed.
    pub fn publish(&mut self, text: &str) {
        self.published += 1;
        let name = format!("..2026_12_07_17_00_00.{:09}", self.published);
        let fresh = self.dir.join(&name);
        std::fs::create_dir(&fresh).unwrap();
        std::fs::write(fresh.join("policy.toml"), text).unwrap();
        let tmp = self.dir.join("..data_tmp");
        std::os::unix::fs::symlink(&name, &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.join("..data")).unwrap();
        if self.current.is_none() {
            std::os::unix::fs::symlink("..data/policy.toml", self.policy()).unwrap();
        }
        if let Some(old) = self.current.replace(fresh) {
            std::fs::remove_dir_all(old).unwrap();
        }
    }
}
