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
        fail(
            ErrorKind::Other(format!("file '{p}' was not found in the Nix search path (add it using $NIX_PATH or -I)")),
            span,
        )
    }
}
