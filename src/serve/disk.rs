//! Room on the data directory's disk: recordings may only take space
//! above a reserve kept for the call log, so a full disk costs recordings,
//! never call records.
//!
//! Owns: asking the filesystem how much space is free (`statvfs`) and
//! comparing it with the reserve. Does not own: what to do when there is
//! no room (the recorder stops, the call says why in the log).

use std::path::{Path, PathBuf};

/// The data directory's disk and the space kept free on it.
#[derive(Clone, Debug)]
pub struct DiskRoom {
    dir: PathBuf,
    reserve_bytes: u64,
}

impl DiskRoom {
    /// Keeps `reserve_bytes` free on the filesystem holding `dir`.
    pub fn new(dir: &Path, reserve_bytes: u64) -> DiskRoom {
        DiskRoom {
            dir: dir.to_path_buf(),
            reserve_bytes,
        }
    }

    /// Bytes an unprivileged writer can still use on the disk; `None` when
    /// the filesystem cannot be asked.
    pub fn available(&self) -> Option<u64> {
        let st = rustix::fs::statvfs(&self.dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }

    /// Whether there is more free space than the reserve. A filesystem that
    /// cannot be asked counts as having room (the writes themselves will
    /// then say what is wrong).
    pub fn has_room(&self) -> bool {
        self.available()
            .is_none_or(|free| free > self.reserve_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_free_space_above_the_reserve() {
        let dir = tempfile::tempdir().expect("temp dir");
        let free = DiskRoom::new(dir.path(), 0).available().expect("statvfs");
        assert!(free > 0);
        assert!(DiskRoom::new(dir.path(), 0).has_room());
        assert!(!DiskRoom::new(dir.path(), u64::MAX).has_room());
        assert!(!DiskRoom::new(dir.path(), free.saturating_add(1 << 30)).has_room());
    }

    #[test]
    fn an_unknown_filesystem_counts_as_room() {
        let room = DiskRoom::new(Path::new("/nonexistent/linewarden"), u64::MAX);
        assert_eq!(room.available(), None);
        assert!(room.has_room());
    }
}
