//! Which Nix the page follows where releases differ: a person picks a release range, the engine
//! gets the exact rules (`Options::nix`, `Options::merge`).

use drvlab_engine::graph::{InputMerge, NixVersion};

/// A range of Nix releases that behave alike for everything drvlab computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NixChoice {
    /// Refuse what any release refuses (names `.`/`..`, SRI hashes with unused bits set); merge
    /// colliding inputs, as every release but 2.35.0–2.35.2 does.
    #[default]
    Strictest,
    /// 2.4–2.20: any store name may start with a dot; an SRI hash's unused bits are ignored.
    Nix2_8,
    /// 2.21–2.34 and ≥ 2.35.3: names `.`, `..`, `.-…`, `..-…` refused.
    Nix2_21,
    /// 2.35.0–2.35.2: colliding inputs overwrite each other's outputs.
    Nix2_35_0,
}

impl NixChoice {
    pub const ALL: [NixChoice; 4] = [NixChoice::Strictest, NixChoice::Nix2_8, NixChoice::Nix2_21, NixChoice::Nix2_35_0];

    /// The release whose rules the engine follows (`None`: the strictest of all).
    pub fn version(self) -> Option<NixVersion> {
        match self {
            NixChoice::Strictest => None,
            NixChoice::Nix2_8 => Some(NixVersion::new(2, 8, 0)),
            NixChoice::Nix2_21 => Some(NixVersion::new(2, 21, 0)),
            NixChoice::Nix2_35_0 => Some(NixVersion::new(2, 35, 0)),
        }
    }

    pub fn merge(self) -> InputMerge {
        self.version().map_or(InputMerge::Merge, NixVersion::merge)
    }

    /// The value the page's selector and `?nix=` use.
    pub fn id(self) -> &'static str {
        match self {
            NixChoice::Strictest => "strictest",
            NixChoice::Nix2_8 => "2.8",
            NixChoice::Nix2_21 => "2.21",
            NixChoice::Nix2_35_0 => "2.35.0",
        }
    }

    pub fn from_id(id: &str) -> Option<NixChoice> {
        NixChoice::ALL.into_iter().find(|c| c.id() == id)
    }

    /// What the choice means, in words.
    pub fn describe(self) -> &'static str {
        match self {
            NixChoice::Strictest => "any Nix (what every release accepts)",
            NixChoice::Nix2_8 => "2.8–2.20 (names may start with a dot; SRI padding bits ignored)",
            NixChoice::Nix2_21 => "2.21–2.34, ≥2.35.3",
            NixChoice::Nix2_35_0 => "2.35.0–2.35.2 (colliding inputs overwrite)",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn each_choice_round_trips_and_sets_the_engine_rules() {
        for c in NixChoice::ALL {
            assert_eq!(NixChoice::from_id(c.id()), Some(c));
        }
        assert_eq!(NixChoice::Nix2_35_0.merge(), InputMerge::Overwrite);
        assert_eq!(NixChoice::Nix2_8.merge(), InputMerge::Merge);
        assert_eq!(NixChoice::Strictest.version(), None);
    }
}
