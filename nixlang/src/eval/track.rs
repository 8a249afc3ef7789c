//! Which literals of one file an evaluation read, per forced thunk (for the per-literal sweep,
//! `sweep.rs`): off unless a [`Tracker`] is set on the evaluator.
//!
//! A literal is "read" when its expression is evaluated (or made into a constant thunk), and an
//! attribute name when the set or `let` it is bound in (by its binding's span), or the selection
//! it is written in, is evaluated. What a thunk
//! read while it was forced is kept with it, and whoever forces it (again, or for the first time)
//! reads all of that: a value can only reach a reader through the thunks it forced, so a literal
//! outside what a computation read cannot change its result.

use super::value::Thunk;
use crate::error::Span;
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

/// Literal indices, sorted, without repeats.
pub type Reads = Rc<Vec<u32>>;

#[derive(Default)]
struct Frame {
    direct: Vec<u32>,
    kids: Vec<Reads>,
}

impl Frame {
    fn finish(self) -> Option<Reads> {
        let Frame { mut direct, mut kids } = self;
        kids.sort_by_key(|k| Rc::as_ptr(k) as usize);
        kids.dedup_by(|a, b| Rc::ptr_eq(a, b));
        if direct.is_empty() {
            match kids.len() {
                0 => return None,
                1 => return kids.pop(),
                _ => {}
            }
        }
        for k in &kids {
            direct.extend_from_slice(k);
        }
        direct.sort_unstable();
        direct.dedup();
        Some(Rc::new(direct))
    }
}

pub struct Tracker {
    /// The name of the source whose literals are tracked (its file number found on first sight).
    file_name: String,
    file: Option<u32>,
    /// Expression spans (start, end) in that source → the literals evaluating it reads.
    spans: HashMap<(u32, u32), Vec<u32>>,
    frames: Vec<Frame>,
    by_thunk: HashMap<usize, (Thunk, Reads)>,
    /// A source position was made into a value (`__curPos`, `unsafeGetAttrPos`): moving any
    /// text may change a value, so nothing can be pruned.
    pub positions: Cell<bool>,
    /// The deepest evaluation nesting seen.
    pub max_depth: usize,
}

impl Tracker {
    pub fn new(file_name: &str, spans: HashMap<(u32, u32), Vec<u32>>) -> Tracker {
        Tracker {
            file_name: file_name.to_string(),
            file: None,
            spans,
            frames: vec![Frame::default()],
            by_thunk: HashMap::new(),
            positions: Cell::new(false),
            max_depth: 0,
        }
    }

    fn lits(&mut self, sources: &crate::error::Sources, span: Span) -> Option<&Vec<u32>> {
        let file = match self.file {
            Some(f) => f,
            None => {
                let f = sources.files.iter().position(|s| s.name == self.file_name)? as u32;
                self.file = Some(f);
                f
            }
        };
        if span.file != file {
            return None;
        }
        self.spans.get(&(span.start, span.end))
    }

    /// An expression was evaluated.
    pub(crate) fn expr(&mut self, sources: &crate::error::Sources, span: Span) {
        if let Some(l) = self.lits(sources, span) {
            let l = l.clone();
            if let Some(f) = self.frames.last_mut() {
                f.direct.extend(l);
            }
        }
    }

    /// A set or `let` was evaluated: its names are read (each binding by its span).
    pub(crate) fn bindings(&mut self, sources: &crate::error::Sources, lit: &crate::ast::AttrsLit) {
        for b in &lit.attrs {
            self.expr(sources, b.span);
        }
        for (_, _, span) in &lit.dynamic {
            self.expr(sources, *span);
        }
    }

    /// A constant was made into a thunk without being evaluated (`maybeThunk`).
    pub(crate) fn constant(&mut self, sources: &crate::error::Sources, span: Span, t: &Thunk) {
        if let Some(l) = self.lits(sources, span) {
            let mut l = l.clone();
            l.sort_unstable();
            l.dedup();
            self.by_thunk.insert(t.addr(), (t.clone(), Rc::new(l)));
        }
    }

    /// A thunk is being forced: what it read before is read again.
    pub(crate) fn touch(&mut self, t: &Thunk) {
        if let Some((_, r)) = self.by_thunk.get(&t.addr()) {
            let r = r.clone();
            if let Some(f) = self.frames.last_mut() {
                f.kids.push(r);
            }
        }
    }

    /// Starts recording what forcing a thunk (or a phase of the caller's) reads.
    pub fn begin(&mut self, depth: usize) {
        self.max_depth = self.max_depth.max(depth);
        self.frames.push(Frame::default());
    }

    /// Ends the innermost recording: what it read, also counted as read by the one around it.
    pub fn end(&mut self) -> Option<Reads> {
        let r = self.frames.pop().and_then(Frame::finish);
        if let (Some(r), Some(f)) = (&r, self.frames.last_mut()) {
            f.kids.push(r.clone());
        }
        r
    }

    /// Ends a thunk's recording and keeps what it read with it.
    pub(crate) fn end_thunk(&mut self, t: &Thunk) {
        if let Some(r) = self.end() {
            let merged = match self.by_thunk.remove(&t.addr()) {
                Some((_, old)) => {
                    let mut v: Vec<u32> = old.iter().chain(r.iter()).copied().collect();
                    v.sort_unstable();
                    v.dedup();
                    Rc::new(v)
                }
                None => r,
            };
            self.by_thunk.insert(t.addr(), (t.clone(), merged));
        }
    }
}
