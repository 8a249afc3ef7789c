//! What the tests against real Nix share.

use std::process::Command;

pub fn nix_available() -> bool {
    Command::new("nix-instantiate").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Whether real Nix is here; in CI its absence fails the test (setup installs nix-bin), by hand it
/// skips with a note.
pub fn require_nix() -> bool {
    if nix_available() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("nix-bin missing: run scripts/setup.sh (the tests against real Nix need it)");
    }
    eprintln!("SKIPPED: nix-instantiate not found; run scripts/setup.sh to install nix-bin");
    false
}
