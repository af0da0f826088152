//! Writing results: a whole output set at once.
//!
//! A run's files (tables, charts, `run.json`) are written into a staging directory beside the
//! output directory, then the staging directory takes the output directory's place in one step:
//! on Linux an atomic `renameat2(RENAME_EXCHANGE)` swap, elsewhere two renames. What the output
//! directory held before is removed whole, so a set never mixes files of two runs (a run with
//! `--no-plots` leaves no old charts behind). A failure leaves the output directory as it was.
//!
//! The output directory belongs to meshsim: it carries a marker file, and meshsim refuses to
//! replace a non-empty directory without one (it would delete what the user keeps there).
//! Staging directories of processes that no longer run (after Ctrl-C, `kill -9` or a crash) are
//! removed when the next run starts.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{CsvWriter, DataFrame, ParquetCompression, ParquetWriter, SerWriter};

/// Marks a directory meshsim writes (and may replace whole).
pub const MARKER: &str = ".meshsim-output";
const STAGING: &str = ".meshsim-staging-";

/// Files to write, staged, then committed together.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// Why the output directory cannot be used (a user error: exit code 2).
#[derive(Debug)]
pub struct OutputDirError(pub String);

impl std::error::Error for OutputDirError {}

impl std::fmt::Display for OutputDirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether process `pid` still runs (only known on Linux; elsewhere staging older than a day
/// counts as abandoned).
fn alive(pid: u32, path: &Path) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age.as_secs() < 86_400)
    }
}

/// Removes staging directories for `name` in `parent` left by processes that no longer run.
fn clean_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING}");
    let Ok(rd) = fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let file = e.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        if let Ok(pid) = rest.parse::<u32>()
            && pid != std::process::id()
            && !alive(pid, &e.path())
        {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

impl Staged {
    /// Prepares to replace `dir` (which must not exist, be empty, or be a meshsim output
    /// directory) and creates a fresh staging directory beside it.
    pub fn new(dir: &Path) -> Result<Staged, OutputDirError> {
        let bad = |why: String| {
            OutputDirError(format!("error: output directory {}: {why}", dir.display()))
        };
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| bad("give a directory name, not `.`, `..` or a root".into()))?
            .to_string();
        if dir.exists() {
            if !dir.is_dir() {
                return Err(bad("exists and is not a directory".into()));
            }
            let empty = fs::read_dir(dir)
                .map_err(|e| bad(format!("cannot read it: {e}")))?
                .next()
                .is_none();
            if !empty && !dir.join(MARKER).is_file() {
                return Err(bad(format!(
                    "holds files meshsim did not write (no {MARKER}); meshsim replaces its output directory whole, so choose a new or empty one"
                )));
            }
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| bad(format!("cannot create its parent: {e}")))?;
        clean_stale(&parent, &name);
        let staging = parent.join(format!(".{name}{STAGING}{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|e| bad(format!("not writable: {e}")))?;
        fs::write(
            staging.join(MARKER),
            "meshsim output directory: each run replaces it whole\n",
        )
        .map_err(|e| bad(format!("not writable: {e}")))?;
        Ok(Staged {
            dir: dir.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The final directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The staging directory, for writers that need a path (chart backends).
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Writes bytes.
    pub fn bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let p = self.staging.join(name);
        fs::write(&p, data).with_context(|| format!("writing {}", p.display()))
    }

    /// Writes a table as CSV and as Parquet (`name.csv`, `name.parquet`).
    pub fn table(&mut self, name: &str, df: &mut DataFrame) -> Result<()> {
        let p = self.staging.join(format!("{name}.csv"));
        let mut f = BufWriter::new(
            fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?,
        );
        CsvWriter::new(&mut f)
            .include_header(true)
            .finish(df)
            .with_context(|| format!("writing {}", p.display()))?;
        f.flush()?;
        let p = self.staging.join(format!("{name}.parquet"));
        let f = fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?;
        ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .with_context(|| format!("writing {}", p.display()))?;
        Ok(())
    }

    /// Puts the staged set in the output directory's place and removes what was there.
    pub fn commit(mut self) -> Result<()> {
        if !self.dir.exists() {
            fs::rename(&self.staging, &self.dir)
                .with_context(|| format!("moving {} into place", self.dir.display()))?;
            self.committed = true;
            return Ok(());
        }
        if !exchange(&self.staging, &self.dir) {
            // No atomic exchange here: move the old set aside, the new one in.
            let aside = self.staging.with_extension("old");
            let _ = fs::remove_dir_all(&aside);
            fs::rename(&self.dir, &aside)
                .with_context(|| format!("moving {} aside", self.dir.display()))?;
            if let Err(e) = fs::rename(&self.staging, &self.dir) {
                let _ = fs::rename(&aside, &self.dir);
                return Err(e).with_context(|| format!("moving {} into place", self.dir.display()));
            }
            let _ = fs::remove_dir_all(&aside);
            self.committed = true;
            return Ok(());
        }
        // The staging path now holds the previous set.
        let _ = fs::remove_dir_all(&self.staging);
        self.committed = true;
        Ok(())
    }
}

/// Atomically exchanges two directories (Linux `renameat2`); `false` if not supported here.
fn exchange(a: &Path, b: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        false
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a failure this removes whatever was staged.
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}
