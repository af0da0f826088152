//! The progress bar on stderr (hidden with `--quiet` or when stderr is not a terminal), fed by
//! the library's study pipelines through their `Progress` trait.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar of `len` steps.
pub fn progress(quiet: bool, len: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg:24} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

/// The bar as the library's progress callback.
pub struct Bar<'a>(pub &'a ProgressBar);

impl meshsim_models::study::Progress for Bar<'_> {
    fn phase(&self, name: &str) {
        self.0.set_message(name.to_string());
    }
    fn step(&self) {
        self.0.inc(1);
    }
}
