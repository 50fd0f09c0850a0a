//! The data version of a local data dir, read at the cost of one `stat` while it is unchanged.
//!
//! Servers ask for the data version before every cached answer; reading the file each time
//! (open, read, close) was a tenth of a small statement's time. The file is read again only
//! when its identity or timestamps move. Every write sets the modification time explicitly
//! (full nanoseconds, where the kernel's own stamp can stay the same for milliseconds), and
//! each write replaces the file, so two versions written in one clock tick still differ.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// What identifies one written version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// `_version` of one local data dir, with the last text read and the stamp it was read at.
#[derive(Debug)]
pub(crate) struct LocalVersion {
    path: PathBuf,
    seen: Mutex<Option<(Stamp, String)>>,
}

impl LocalVersion {
    pub(crate) fn new(path: PathBuf) -> LocalVersion {
        LocalVersion {
            path,
            seen: Mutex::new(None),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The version's text; empty when there is no version file yet.
    pub(crate) fn read(&self) -> std::io::Result<String> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
            Err(e) => return Err(e),
        };
        let stamp = Stamp::of(&meta);
        if let Ok(seen) = self.seen.lock() {
            if let Some((seen_stamp, text)) = seen.as_ref() {
                if *seen_stamp == stamp {
                    return Ok(text.clone());
                }
            }
        }
        // Stamped before reading: a version written in between is read now and, its stamp
        // differing, read again next time.
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
            Err(e) => return Err(e),
        };
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((stamp, text.clone()));
        }
        Ok(text)
    }

    /// Gives the file just written a modification time to the nanosecond (see the module doc).
    pub(crate) fn stamp_written(&self) -> std::io::Result<()> {
        std::fs::File::options()
            .write(true)
            .open(&self.path)?
            .set_modified(SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_version(version: &LocalVersion, text: &str) {
        // As the object store writes it: a new file renamed over the old one.
        let staged = version.path().with_extension("staged");
        std::fs::write(&staged, text).unwrap();
        std::fs::rename(&staged, version.path()).unwrap();
        version.stamp_written().unwrap();
    }

    #[test]
    fn every_write_is_seen_even_within_one_clock_tick() {
        let dir = tempfile::tempdir().unwrap();
        let version = LocalVersion::new(dir.path().join("_version"));
        assert_eq!(version.read().unwrap(), "");
        for n in 0..200 {
            // Same length each time: only the stamp can tell them apart.
            let text = format!("v{n:05}");
            write_version(&version, &text);
            assert_eq!(version.read().unwrap(), text);
        }
    }

    #[test]
    fn a_write_by_another_writer_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let reader = LocalVersion::new(dir.path().join("_version"));
        let writer = LocalVersion::new(dir.path().join("_version"));
        write_version(&writer, "first");
        assert_eq!(reader.read().unwrap(), "first");
        write_version(&writer, "other");
        assert_eq!(reader.read().unwrap(), "other");
        std::fs::remove_file(reader.path()).unwrap();
        assert_eq!(reader.read().unwrap(), "");
    }
}
