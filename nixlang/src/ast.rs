//! The evaluator's tree: rnix's lossless tree lowered to one node per Nix syntax form
//! (`Expr*` in Nix's `libexpr/nixexpr.hh`), with variables already bound to their scopes as
//! Nix's `bindVars` binds them, and each node's span in the source.

use crate::error::Span;
use std::rc::Rc;

pub type Name = Rc<str>;

/// An attribute name in a path: known when parsed, or `${…}`.
pub enum AttrName {
    Static(Name),
    Dynamic(Expr),
}

/// How a variable was bound (`ExprVar`: `level`, `displ`, `fromWith`).
pub enum Var {
    /// A lexical binding: `level` frames up, slot `index`.
    Local { level: usize, index: usize },
    /// No lexical binding: looked up in the `with` sets around it, innermost first; `level` is
    /// the frame of the innermost `with`.
    With { level: usize },
}

/// A binding in a `let` or a set: its value and whether it was `inherit`ed (evaluated in the
/// scope outside a `rec` / `let`).
pub struct Binding {
    pub name: Name,
    pub value: Rc<Expr>,
    pub inherited: bool,
    pub span: Span,
    /// Where Nix says the attribute is defined (`unsafeGetAttrPos`): the start of its attribute
    /// path, or for `inherit` the end of the keyword (or of its `(from)`).
    pub pos: u32,
}

/// A set literal after merging `a.b = …` paths (`ExprAttrs`).
pub struct AttrsLit {
    pub rec: bool,
    pub attrs: Vec<Binding>,
    pub dynamic: Vec<(Expr, Rc<Expr>, Span)>,
}

/// A formal argument of a set pattern.
pub struct Formal {
    pub name: Name,
    pub default: Option<Rc<Expr>>,
    /// Where the formal is written (`autoCallFunction`'s missing-argument error points here).
    pub span: Span,
}

/// `x: body` or `{ a, b ? d, ... } @ args: body` (`ExprLambda`).
pub struct Lambda {
    /// The name bound to the whole argument (`x`, or the `@` name).
    pub arg: Option<Name>,
    pub formals: Option<Formals>,
    pub body: Rc<Expr>,
    pub span: Span,
    /// Where the function starts, for messages (`anonymous function at file:line:col`).
    pub pos: String,
}

pub struct Formals {
    pub entries: Vec<Formal>,
    pub ellipsis: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Concat,
    Update,
    Eq,
    NotEq,
    Less,
    LessEq,
    More,
    MoreEq,
    And,
    Or,
    Impl,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Concat => "++",
            BinOp::Update => "//",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Less => "<",
            BinOp::LessEq => "<=",
            BinOp::More => ">",
            BinOp::MoreEq => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Impl => "->",
        }
    }
}

/// A part of an interpolated string or path.
pub enum Part {
    Lit(Rc<str>),
    /// An interpolated expression and where its `${` starts (the place Nix names when the
    /// value cannot be coerced).
    Expr(Expr, Span),
}

pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// `"a${b}c"` (and paths with `${}`): `ExprConcatStrings`; `path` when it starts a path.
    Interpolate {
        parts: Vec<Part>,
        path: bool,
    },
    /// A path literal, made absolute and canonical when parsed.
    Path(Rc<str>),
    /// `<nixpkgs/lib>`: `__findFile __nixPath "nixpkgs/lib"`.
    SearchPath(Rc<str>),
    /// A URI literal: a plain string.
    Uri(Rc<str>),
    Var(Name, Var),
    Select {
        set: Box<Expr>,
        path: Vec<AttrName>,
        default: Option<Box<Expr>>,
    },
    HasAttr {
        set: Box<Expr>,
        path: Vec<AttrName>,
    },
    Attrs(AttrsLit),
    List(Vec<Rc<Expr>>),
    Let {
        attrs: AttrsLit,
        body: Box<Expr>,
    },
    With {
        set: Rc<Expr>,
        body: Box<Expr>,
    },
    Lambda(Rc<Lambda>),
    Apply {
        fun: Box<Expr>,
        arg: Rc<Expr>,
    },
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Box<Expr>,
    },
    Assert {
        cond: Box<Expr>,
        body: Box<Expr>,
        text: String,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Bin {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `__curPos`.
    CurPos {
        file: String,
        line: usize,
        column: usize,
    },
}

pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}
