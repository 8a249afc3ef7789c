//! Evaluation errors, worded as Nix 2.8 words them (`libexpr/eval.cc`, `primops.cc`), each with
//! the span of the expression that raised it.

use std::rc::Rc;

/// A byte range of one source file (the file's index in [`Sources`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

/// What went wrong. The `Display` text is Nix's own message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("syntax error, {0}")]
    Syntax(String),
    #[error("undefined variable '{0}'")]
    UndefinedVar(String),
    #[error("attribute '{0}' missing")]
    MissingAttr(String),
    #[error("attribute '{name}' already defined at {at}")]
    DuplicateAttr { name: String, at: String },
    #[error("dynamic attribute '{name}' already defined at {at}")]
    DynamicDuplicate { name: String, at: String },
    #[error("infinite recursion encountered")]
    InfiniteRecursion,
    #[error("cannot coerce {0} to a string")]
    CannotCoerce(&'static str),
    #[error("assertion '{0}' failed")]
    Assertion(String),
    #[error("value is {got} while {expected} was expected")]
    Type { got: &'static str, expected: &'static str },
    #[error("{what} called without required argument '{name}'")]
    MissingArgument { what: String, name: String },
    #[error("{what} called with unexpected argument '{name}'")]
    UnexpectedArgument { what: String, name: String },
    #[error("attempt to call something which is not a function but {0}")]
    NotAFunction(&'static str),
    /// `throw`: caught by `tryEval`.
    #[error("{0}")]
    Throw(String),
    #[error("evaluation aborted with the following error message: '{0}'")]
    Abort(String),
    #[error("division by zero")]
    DivisionByZero,
    #[error("cannot compare {0} with {1}")]
    Incomparable(&'static str, &'static str),
    /// Any other message of Nix's, verbatim.
    #[error("{0}")]
    Other(String),
    /// drvlab's own limit (steps, depth or values), not a Nix error.
    #[error("evaluation stopped: {0}")]
    Budget(String),
    #[error("{0}")]
    Unsupported(String),
}

impl ErrorKind {
    /// Whether `builtins.tryEval` catches it (Nix 2.8: `AssertionError`, `ThrownError`).
    pub fn is_catchable(&self) -> bool {
        matches!(self, ErrorKind::Throw(_) | ErrorKind::Assertion(_))
    }

    /// A short name of the kind, to compare failures with Nix's.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ErrorKind::Syntax(_) => "syntax",
            ErrorKind::UndefinedVar(_) => "undefined-variable",
            ErrorKind::MissingAttr(_) => "missing-attribute",
            ErrorKind::DuplicateAttr { .. } => "duplicate-attribute",
            ErrorKind::InfiniteRecursion => "infinite-recursion",
            ErrorKind::DynamicDuplicate { .. } => "duplicate-attribute",
            ErrorKind::CannotCoerce(_) => "coerce",
            ErrorKind::Assertion(_) => "assertion",
            ErrorKind::Type { .. } => "type",
            ErrorKind::MissingArgument { .. } => "missing-argument",
            ErrorKind::UnexpectedArgument { .. } => "unexpected-argument",
            ErrorKind::NotAFunction(_) => "not-a-function",
            ErrorKind::Throw(_) => "throw",
            ErrorKind::Abort(_) => "abort",
            ErrorKind::DivisionByZero => "division-by-zero",
            ErrorKind::Incomparable(..) => "compare",
            ErrorKind::Other(_) => "other",
            ErrorKind::Budget(_) => "budget",
            ErrorKind::Unsupported(_) => "unsupported",
        }
    }
}

/// An error and where it was raised.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct EvalError {
    pub kind: ErrorKind,
    pub span: Option<Span>,
}

impl EvalError {
    pub fn new(kind: ErrorKind, span: Span) -> EvalError {
        EvalError { kind, span: Some(span) }
    }
    pub fn bare(kind: ErrorKind) -> EvalError {
        EvalError { kind, span: None }
    }
}

impl From<ErrorKind> for EvalError {
    fn from(kind: ErrorKind) -> EvalError {
        EvalError::bare(kind)
    }
}

pub type Result<T, E = EvalError> = std::result::Result<T, E>;

/// `Err(ErrorKind::…)` at a span.
pub fn fail<T>(kind: ErrorKind, span: Span) -> Result<T> {
    Err(EvalError::new(kind, span))
}

/// The sources parsed so far; a [`Span`] names one by index.
#[derive(Default)]
pub struct Sources {
    pub files: Vec<Source>,
}

impl Sources {
    /// `file:line:col` of a span.
    pub fn position(&self, span: Span) -> Option<(String, usize, usize)> {
        let src = self.files.get(span.file as usize)?;
        let (l, c) = line_col(&src.text, span.start as usize);
        Some((src.name.clone(), l, c))
    }
}

/// One source text: its name as Nix prints it in positions, and its text.
pub struct Source {
    pub name: String,
    pub text: Rc<str>,
    /// The parse, kept for mapping literals back to their text.
    pub tree: rnix::Root,
}

/// 1-based line and column of a byte offset; Nix counts columns in bytes (`é` is two).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rposition(|&b| b == b'\n').map_or(before.len(), |p| before.len() - p - 1) + 1;
    (line, col)
}
