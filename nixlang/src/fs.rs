//! Where path literals, `import` and `readFile` read: the page's virtual files or, in the CLI,
//! the real file system.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular { executable: bool },
    Directory,
    Symlink,
}

pub trait FileSystem {
    /// The kind of the file at an absolute path (not following a final symlink), if it exists.
    fn kind(&self, path: &str) -> Option<FileKind>;
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// Entry names of a directory.
    fn read_dir(&self, path: &str) -> Option<Vec<String>>;
    fn read_link(&self, path: &str) -> Option<String>;
}

/// Files held in memory, by absolute path; directories are implied by the paths.
#[derive(Clone, Debug, Default)]
pub struct MemFs {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl MemFs {
    pub fn new() -> MemFs {
        MemFs::default()
    }
    pub fn add(&mut self, path: &str, contents: impl Into<Vec<u8>>) {
        self.files.insert(crate::lower::canon_path(path), contents.into());
    }
}

impl FileSystem for MemFs {
    fn kind(&self, path: &str) -> Option<FileKind> {
        if self.files.contains_key(path) {
            return Some(FileKind::Regular { executable: false });
        }
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        self.files.range(prefix.clone()..).next().filter(|(k, _)| k.starts_with(&prefix)).map(|_| FileKind::Directory)
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.files.get(path).cloned()
    }
    fn read_dir(&self, path: &str) -> Option<Vec<String>> {
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or("").to_string())
            .collect();
        names.dedup();
        (!names.is_empty()).then_some(names)
    }
    fn read_link(&self, _path: &str) -> Option<String> {
        None
    }
}

/// The real file system (the CLI).
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn kind(&self, path: &str) -> Option<FileKind> {
        let m = std::fs::symlink_metadata(path).ok()?;
        let t = m.file_type();
        Some(if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_dir() {
            FileKind::Directory
        } else {
            FileKind::Regular { executable: is_executable(&m) }
        })
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }
    fn read_dir(&self, path: &str) -> Option<Vec<String>> {
        let mut v: Vec<String> = std::fs::read_dir(path)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        Some(v)
    }
    fn read_link(&self, path: &str) -> Option<String> {
        std::fs::read_link(path).ok().map(|p| p.to_string_lossy().into_owned())
    }
}

#[cfg(unix)]
fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_m: &std::fs::Metadata) -> bool {
    false
}
