//! What every benchmark binary here shares: where criterion writes, and reading its medians
//! back for the one-line summary.

#![allow(dead_code, reason = "each bench uses part of it")]

use std::path::{Path, PathBuf};

/// Criterion's output directory under the (possibly relocated) target directory.
pub fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

/// Criterion's median estimate (ns) for `group/function`, if that benchmark ran.
pub fn median_ns(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let file = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}
