//! `<name>` lookups: `EvalState::findFile` over the search path (`NIX_PATH`, `-I`), then the
//! corepkgs Nix ships (`<nix/fetchurl.nix>`).

use super::Evaluator;
use crate::error::{fail, ErrorKind, Result, Span};

impl Evaluator {
    /// `findFile` over the search path: `<nixpkgs/lib>` tries each `nixpkgs=…` entry, then plain
    /// directories; `<nix/…>` falls back to the embedded corepkgs.
    pub fn find_file(&mut self, p: &str, span: Span) -> Result<String> {
        for (prefix, dir) in self.search_path.clone() {
            let rest = if prefix.is_empty() {
                Some(p.to_string())
            } else if p == prefix {
                Some(String::new())
            } else {
                p.strip_prefix(&format!("{prefix}/")).map(|r| r.to_string())
            };
            if let Some(rest) = rest {
                let full = if rest.is_empty() { dir.clone() } else { format!("{}/{rest}", dir.trim_end_matches('/')) };
                let full = crate::lower::canon_path(&full);
                if self.fs.kind(&full).is_some() {
                    return Ok(full);
                }
            }
        }
        if let Some(rest) = p.strip_prefix("nix/") {
            return Ok(format!("/__corepkgs__/{rest}"));
        }
        if p == "nixpkgs" || p.starts_with("nixpkgs/") {
            return fail(ErrorKind::Unsupported(NO_NIXPKGS.replace("{p}", p)), span);
        }
        fail(
            ErrorKind::Other(format!("file '{p}' was not found in the Nix search path (add it using $NIX_PATH or -I)")),
            span,
        )
    }
}

/// What `<nixpkgs>` (`import <nixpkgs> {}`, `with import <nixpkgs> {};`, `pkgs ? import <nixpkgs> {}`)
/// says when no search path entry provides it: what is missing, and what to write instead.
pub const NO_NIXPKGS: &str = "<{p}> is not available here: drvlab has no nixpkgs, so `pkgs`, \
`stdenv.mkDerivation`, `fetchurl`, `lib` and the packages do not exist. Write the derivation with \
the built-in `derivation { name = …; builder = …; system = …; }` (what `mkDerivation` calls in \
the end), fetch with `import <nix/fetchurl.nix> { url = …; sha256 = …; }`, or, in the CLI, point \
`-I nixpkgs=…` or NIX_PATH at a nixpkgs checkout (real nixpkgs gives other paths than a stand-in)";
