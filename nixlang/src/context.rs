//! String context (`NixStringContext`; `PathSet context` in Nix 2.8): what a string refers to.
//!
//! Nix 2.8 encodes each element as a string: a plain store path `/nix/store/…`, a derivation
//! with all its outputs `=/nix/store/….drv` (from `drvPath`), or one output `!out!/nix/store/….drv`
//! (from an output path). `derivationStrict` turns them into `inputSrcs` and `inputDrvs`.

use std::collections::BTreeSet;
use std::rc::Rc;

/// One element of a string's context.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CtxElem {
    /// A store path (a source, a `toFile` result, a `storePath`).
    Path(Rc<str>),
    /// A `.drv` and all its outputs (`=` in Nix's encoding; `drvPath` carries it).
    AllOutputs(Rc<str>),
    /// One output of a `.drv` (`!out!` in Nix's encoding).
    Output { drv: Rc<str>, output: Rc<str> },
}

impl CtxElem {
    /// Nix 2.8's string encoding of the element.
    pub fn encode(&self) -> String {
        match self {
            CtxElem::Path(p) => p.to_string(),
            CtxElem::AllOutputs(d) => format!("={d}"),
            CtxElem::Output { drv, output } => format!("!{output}!{drv}"),
        }
    }
}

/// A set of context elements; empty for most strings, so kept as an optional shared set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context(Option<Rc<BTreeSet<CtxElem>>>);

impl Context {
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|s| s.is_empty())
    }
    pub fn single(e: CtxElem) -> Context {
        Context(Some(Rc::new(BTreeSet::from([e]))))
    }
    pub fn from_set(s: BTreeSet<CtxElem>) -> Context {
        if s.is_empty() {
            Context(None)
        } else {
            Context(Some(Rc::new(s)))
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = &CtxElem> {
        self.0.iter().flat_map(|s| s.iter())
    }
    /// Adds every element of `other`.
    pub fn extend(&mut self, other: &Context) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        let set = Rc::make_mut(self.0.as_mut().expect("non-empty"));
        set.extend(other.iter().cloned());
    }
    pub fn insert(&mut self, e: CtxElem) {
        match &mut self.0 {
            Some(s) => {
                Rc::make_mut(s).insert(e);
            }
            None => *self = Context::single(e),
        }
    }
}
