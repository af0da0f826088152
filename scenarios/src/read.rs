//! Reading a file a user names (scenario, sweep, trace, cluster dump): a regular file, never more
//! than a cap, whatever the file system says about its length.

use std::io::Read;
use std::path::Path;

/// Why a user's file was not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused.
    #[error("cannot read the file: {0}")]
    Io(String),
    /// A directory.
    #[error("is a directory, not a file")]
    Directory,
    /// A device, pipe or socket (which may never end).
    #[error("is not a regular file (a device, pipe or socket); give a file")]
    NotRegular,
    /// Larger than the cap.
    #[error("the file is {len} bytes; meshsim reads files up to {limit} bytes")]
    TooLarge {
        /// Its length as reported, or the cap plus one when it grew while read.
        len: u64,
        /// The cap.
        limit: u64,
    },
}

/// Reads at most `limit` bytes of a regular file: devices, pipes and directories are refused, and
/// a file that grows past the limit while read is refused too (the reported length is not
/// trusted).
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let io = |e: std::io::Error| ReadError::Io(e.to_string());
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            len: meta.len(),
            limit,
        });
    }
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::with_capacity(meta.len().min(limit) as usize);
    f.take(limit + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            len: limit + 1,
            limit,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_never_past_the_cap() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(read_capped(d.path(), 10), Err(ReadError::Directory));
        #[cfg(unix)]
        assert_eq!(
            read_capped(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular)
        );
        let p = d.path().join("big");
        std::fs::write(&p, vec![b'x'; 11]).unwrap();
        assert_eq!(
            read_capped(&p, 10),
            Err(ReadError::TooLarge { len: 11, limit: 10 })
        );
        assert_eq!(read_capped(&p, 11).unwrap().len(), 11);
        assert!(matches!(
            read_capped(&d.path().join("none"), 10),
            Err(ReadError::Io(_))
        ));
    }
}
