//! Values as Nix 2.8 holds them (`Value` in `libexpr/value.hh`): weak head normal forms whose
//! parts are thunks, forced on demand.

use crate::ast::{Expr, Lambda};
use crate::context::Context;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A string with its context: the store paths and derivation outputs it refers to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NixString {
    pub s: Rc<str>,
    pub ctx: Context,
}

impl NixString {
    pub fn plain(s: impl Into<Rc<str>>) -> NixString {
        NixString { s: s.into(), ctx: Context::default() }
    }
    pub fn with_ctx(s: impl Into<Rc<str>>, ctx: Context) -> NixString {
        NixString { s: s.into(), ctx }
    }
    pub fn as_str(&self) -> &str {
        &self.s
    }
}

/// The attributes of a set, sorted by name (`Bindings`; Nix sorts them for lookup too).
pub type Attrs = BTreeMap<Key, Thunk>;

/// Where an attribute was defined (`Attr::pos`): a byte offset in one source, or nowhere
/// (attributes made by most built-ins). `builtins.unsafeGetAttrPos` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrPos {
    pub file: u32,
    pub offset: u32,
}

impl AttrPos {
    pub const NONE: AttrPos = AttrPos { file: u32::MAX, offset: 0 };
    pub fn is_none(self) -> bool {
        self.file == u32::MAX
    }
}

/// An attribute's name and where it was defined. Compared, ordered and looked up by the name
/// alone (`Borrow<str>`), so `get("a")` works and `//` carries positions along.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: Rc<str>,
    pub pos: AttrPos,
}

impl Key {
    pub fn at(name: impl Into<Rc<str>>, pos: AttrPos) -> Key {
        Key { name: name.into(), pos }
    }
}

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.name == o.name
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Key) -> std::cmp::Ordering {
        self.name.cmp(&o.name)
    }
}
impl std::borrow::Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.name
    }
}
impl std::borrow::Borrow<Rc<str>> for Key {
    fn borrow(&self) -> &Rc<str> {
        &self.name
    }
}
impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}
impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}
impl PartialEq<str> for Key {
    fn eq(&self, o: &str) -> bool {
        &*self.name == o
    }
}
impl PartialEq<Rc<str>> for Key {
    fn eq(&self, o: &Rc<str>) -> bool {
        self.name == *o
    }
}
impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key { name: s.into(), pos: AttrPos::NONE }
    }
}
impl From<String> for Key {
    fn from(s: String) -> Key {
        Key { name: s.into(), pos: AttrPos::NONE }
    }
}
impl From<Rc<str>> for Key {
    fn from(s: Rc<str>) -> Key {
        Key { name: s, pos: AttrPos::NONE }
    }
}
impl From<&Rc<str>> for Key {
    fn from(s: &Rc<str>) -> Key {
        Key { name: s.clone(), pos: AttrPos::NONE }
    }
}

/// A value in weak head normal form.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(NixString),
    /// An absolute, canonical path.
    Path(Rc<str>),
    Attrs(Rc<Attrs>),
    List(Rc<Vec<Thunk>>),
    Lambda(Rc<Closure>),
    PrimOp(Rc<PrimOp>),
    /// A built-in applied to fewer arguments than it takes (`tPrimOpApp`).
    PrimOpApp(Rc<PrimOp>, Rc<Vec<Thunk>>),
}

/// A lambda and the environment it closes over.
pub struct Closure {
    pub lambda: Rc<Lambda>,
    pub env: Rc<Env>,
}

pub type PrimFn = fn(&mut crate::eval::Evaluator, &[Thunk], crate::error::Span) -> crate::error::Result<Value>;

/// A built-in function (`PrimOp`): its name as `builtins` lists it, its arity and its code.
pub struct PrimOp {
    pub name: &'static str,
    pub arity: usize,
    pub fun: PrimFn,
}

/// A lexical environment frame (`Env`): the values of one scope, and the scope around it.
pub struct Env {
    pub slots: RefCell<Vec<Thunk>>,
    pub up: Option<Rc<Env>>,
    /// For the frame of a `with`: the (unforced) set it brings into scope.
    pub with: Option<Thunk>,
}

impl Env {
    pub fn new(up: Option<Rc<Env>>, size: usize) -> Rc<Env> {
        Rc::new(Env { slots: RefCell::new(Vec::with_capacity(size)), up, with: None })
    }
    pub fn with_set(up: Rc<Env>, set: Thunk) -> Rc<Env> {
        Rc::new(Env { slots: RefCell::new(Vec::new()), up: Some(up), with: Some(set) })
    }
    pub fn push(&self, t: Thunk) {
        self.slots.borrow_mut().push(t);
    }
    pub fn get(&self, i: usize) -> Thunk {
        self.slots.borrow()[i].clone()
    }
}

/// A built-in's suspended computation.
pub type NativeFn = Box<dyn FnOnce(&mut crate::eval::Evaluator) -> crate::error::Result<Value>>;

/// What a thunk holds: code not yet run, a value, or the black hole of a thunk being forced.
pub enum ThunkState {
    Pending(Rc<Expr>, Rc<Env>),
    /// `f a`, not yet applied (the lazy results of `map`, `genList`, `mapAttrs`, …).
    Apply(Thunk, Thunk),
    /// A built-in's lazy part, run on demand.
    Native(NativeFn),
    Blackhole,
    Done(Value),
}

/// A suspended computation, shared: forcing it once updates every holder.
#[derive(Clone)]
pub struct Thunk(pub Rc<RefCell<ThunkState>>);

impl Thunk {
    pub fn value(v: Value) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Done(v))))
    }
    pub fn pending(e: Rc<Expr>, env: Rc<Env>) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Pending(e, env))))
    }
    pub fn apply(f: Thunk, a: Thunk) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Apply(f, a))))
    }
    pub fn native(f: impl FnOnce(&mut crate::eval::Evaluator) -> crate::error::Result<Value> + 'static) -> Thunk {
        Thunk(Rc::new(RefCell::new(ThunkState::Native(Box::new(f)))))
    }
    /// The value, if already forced.
    pub fn peek(&self) -> Option<Value> {
        match &*self.0.borrow() {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }
    pub fn ptr_eq(&self, other: &Thunk) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
    pub fn addr(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }
}

impl Value {
    pub fn string(s: impl Into<Rc<str>>) -> Value {
        Value::String(NixString::plain(s))
    }
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }
    pub fn list(items: Vec<Thunk>) -> Value {
        Value::List(Rc::new(items))
    }
    pub fn list_of(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items.into_iter().map(Thunk::value).collect()))
    }

    /// `showType`: how Nix names the type of a value in its messages.
    pub fn show_type(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(p) => primop_type_name(p.name, false),
            Value::PrimOpApp(p, _) => primop_type_name(p.name, true),
        }
    }

    /// `builtins.typeOf`.
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..) => "lambda",
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(..))
    }
}

/// `showType` of a built-in: `the built-in function 'map'`, `the partially applied built-in
/// function 'map'` (made once per name and kept: there are about a hundred).
fn primop_type_name(name: &'static str, partial: bool) -> &'static str {
    thread_local! {
        static NAMES: RefCell<std::collections::HashMap<(&'static str, bool), &'static str>> =
            RefCell::new(std::collections::HashMap::new());
    }
    NAMES.with(|m| {
        *m.borrow_mut().entry((name, partial)).or_insert_with(|| {
            let s = if partial {
                format!("the partially applied built-in function '{name}'")
            } else {
                format!("the built-in function '{name}'")
            };
            Box::leak(s.into_boxed_str())
        })
    })
}

thread_local! {
    /// Thunks waiting to be dropped, and whether a drop loop is running (see `Drop for Thunk`).
    static DROP_QUEUE: RefCell<Vec<Thunk>> = const { RefCell::new(Vec::new()) };
    static DROPPING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Dropping a deeply nested value (a list of lists 100,000 deep) would recurse once per level
/// and overflow the stack; a thunk's last owner instead queues the thunks inside it and one loop
/// drops them.
impl Drop for Thunk {
    fn drop(&mut self) {
        if Rc::strong_count(&self.0) != 1 {
            return;
        }
        let state = match self.0.try_borrow_mut() {
            Ok(mut b) => std::mem::replace(&mut *b, ThunkState::Blackhole),
            Err(_) => return,
        };
        let mut kids: Vec<Thunk> = Vec::new();
        match state {
            ThunkState::Done(Value::List(l)) => {
                if let Ok(v) = Rc::try_unwrap(l) {
                    kids.extend(v);
                }
            }
            ThunkState::Done(Value::Attrs(a)) => {
                if let Ok(m) = Rc::try_unwrap(a) {
                    kids.extend(m.into_values());
                }
            }
            ThunkState::Done(Value::PrimOpApp(_, args)) => {
                if let Ok(v) = Rc::try_unwrap(args) {
                    kids.extend(v);
                }
            }
            ThunkState::Apply(f, a) => {
                kids.push(f);
                kids.push(a);
            }
            other => drop(other),
        }
        if kids.is_empty() {
            return;
        }
        DROP_QUEUE.with(|q| q.borrow_mut().extend(kids));
        if DROPPING.with(|d| d.replace(true)) {
            return;
        }
        while let Some(t) = DROP_QUEUE.with(|q| q.borrow_mut().pop()) {
            drop(t);
        }
        DROPPING.with(|d| d.set(false));
    }
}
