//! The seeds' examples as Nix code, over a small prelude in plain Nix that stands in for the
//! part of nixpkgs they use (shown on the page and labelled so: real nixpkgs gives other paths).

/// `prelude.nix`, beside the program in the page's virtual files.
pub const PRELUDE: &str = include_str!("nix/prelude.nix");

/// One example program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeExample {
    pub id: &'static str,
    pub title: &'static str,
    /// The form scenario it is the code of, when there is one.
    pub scenario: &'static str,
    pub code: &'static str,
}

pub const EXAMPLES: &[CodeExample] = &[
    CodeExample {
        id: "rerun",
        title: "rerunOnChange (the blog's trick)",
        scenario: "rerun-on-change",
        code: include_str!("nix/rerun.nix"),
    },
    CodeExample {
        id: "pullimage",
        title: "pullImageBase called twice, one sha256",
        scenario: "pullimage-collapse",
        code: include_str!("nix/pullimage.nix"),
    },
    CodeExample {
        id: "fetchurl",
        title: "fetchurl from <nix/fetchurl.nix>",
        scenario: "url-changed",
        code: include_str!("nix/fetchurl.nix"),
    },
    CodeExample {
        id: "garbage",
        title: "runCommandLocal with a garbage script",
        scenario: "garbage-builder",
        code: include_str!("nix/garbage.nix"),
    },
];

pub fn example(id: &str) -> Option<&'static CodeExample> {
    EXAMPLES.iter().find(|e| e.id == id)
}

/// The code example of a form scenario, if it has one.
pub fn for_scenario(scenario: &str) -> Option<&'static CodeExample> {
    EXAMPLES.iter().find(|e| e.scenario == scenario)
}
