//! Records the git commit the binary is built from, for `rider-bot --version` (and the start-up
//! log): "unknown" when built outside a git checkout (from a source archive, say). Rebuilds when
//! a migration is added to `migrations/sqlite` or `migrations/postgres`.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=RIDER_BOT_COMMIT={commit}");
    // A new commit moves HEAD or the branch it points at.
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    // `sqlx::migrate!` embeds each folder's files; a file added to one needs a rebuild.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=build.rs");
}
