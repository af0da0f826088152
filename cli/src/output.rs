//! Writing results: every file is first written into a staging directory next to its final
//! place, and moved into place only when every file of the run was written. A failure leaves the
//! output directory as it was: no partial file, no half-updated set.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{CsvWriter, DataFrame, ParquetCompression, ParquetWriter, SerWriter};

/// Files to write, built in memory or streamed into staging, then committed together.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    staging: PathBuf,
    files: Vec<String>,
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

impl Staged {
    /// Prepares `dir` (created if missing) and a fresh staging directory inside it.
    pub fn new(dir: &Path) -> Result<Staged, OutputDirError> {
        if dir.exists() && !dir.is_dir() {
            return Err(OutputDirError(format!(
                "error: output directory {}: exists and is not a directory",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| {
            OutputDirError(format!(
                "error: output directory {}: cannot create it: {e}",
                dir.display()
            ))
        })?;
        let staging = dir.join(format!(".meshsim-staging-{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|e| {
            OutputDirError(format!(
                "error: output directory {}: not writable: {e}",
                dir.display()
            ))
        })?;
        Ok(Staged {
            dir: dir.to_path_buf(),
            staging,
            files: Vec::new(),
        })
    }

    /// The final directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&mut self, name: &str) -> PathBuf {
        self.files.push(name.to_string());
        self.staging.join(name)
    }

    /// The staging directory, for writers that need a path (chart backends); register what they
    /// write with [`Staged::register`].
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Adds a file written directly into the staging directory.
    pub fn register(&mut self, name: &str) {
        self.files.push(name.to_string());
    }

    /// Writes bytes.
    pub fn bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let p = self.path(name);
        fs::write(&p, data).with_context(|| format!("writing {}", p.display()))
    }

    /// Writes a table as CSV and as Parquet (`name.csv`, `name.parquet`).
    pub fn table(&mut self, name: &str, df: &mut DataFrame) -> Result<()> {
        let p = self.path(&format!("{name}.csv"));
        let mut f = BufWriter::new(
            fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?,
        );
        CsvWriter::new(&mut f)
            .include_header(true)
            .finish(df)
            .with_context(|| format!("writing {}", p.display()))?;
        f.flush()?;
        let p = self.path(&format!("{name}.parquet"));
        let f = fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?;
        ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(df)
            .with_context(|| format!("writing {}", p.display()))?;
        Ok(())
    }

    /// Moves every staged file into the output directory.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for f in &self.files {
            let from = self.staging.join(f);
            let to = self.dir.join(f);
            fs::rename(&from, &to)
                .with_context(|| format!("moving {} into place", to.display()))?;
            out.push(to);
        }
        fs::remove_dir(&self.staging).ok();
        Ok(out)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a commit the directory is empty and already gone; after a failure this removes
        // whatever was staged.
        let _ = fs::remove_dir_all(&self.staging);
    }
}
