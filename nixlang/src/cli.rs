//! `drvlab eval` and `drvlab instantiate`: what `nix-instantiate --eval` and `nix-instantiate`
//! print, over the real file system (`<name>` through `NIX_PATH` and `-I`).

use crate::{fs::RealFs, parse_search_path, value::Attrs, Budget, Evaluator, Options, Value};

/// What to evaluate: a file or an expression (`-E`), an attribute path, and the search path.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub file: Option<String>,
    pub expr: Option<String>,
    pub attr: Option<String>,
    /// `-I` entries, searched before `NIX_PATH`.
    pub include: Vec<String>,
    pub strict: bool,
    pub json: bool,
    /// `--arg` / `--argstr`: passed to a function at the top and along the attribute path.
    pub args: Vec<(String, crate::AutoArg)>,
}

/// Stack for evaluation threads: the evaluator recurses natively, bounded by its depth budget.
pub const STACK: usize = 1 << 30;

/// How much of it evaluation may take before failing with `stack overflow (possible infinite
/// recursion)`: about as deep as Nix 2.8 gets on its own stack (`f = n: … f (n + 1)` runs
/// past 120,000 calls and not to 140,000), leaving the rest for printing and built-ins.
pub const NIX_STACK: usize = 128 << 20;

fn evaluator(req: &Request) -> Evaluator {
    let mut search = Vec::new();
    for i in &req.include {
        search.extend(parse_search_path(i));
    }
    if let Ok(p) = std::env::var("NIX_PATH") {
        search.extend(parse_search_path(&p));
    }
    // Depth is bounded by the native stack (`guard_stack`), as Nix's is.
    let budget = Budget { max_depth: usize::MAX, max_steps: 2_000_000_000, max_cells: 2_000_000_000 };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).ok();
    let mut ev = Evaluator::new(
        Box::new(RealFs),
        Options { budget, search_path: search, current_time: now, ..Options::default() },
    );
    // Leave room below the guard for the deepest single step (a built-in's own recursion).
    ev.guard_stack(NIX_STACK);
    ev
}

fn cwd() -> String {
    std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| "/".into())
}

/// The value selected (`-A`), and the `--arg`s for calling it: `nix-instantiate` parses the
/// arguments first, evaluates the file or `-E`, then walks the attribute path calling functions
/// on the way (`findAlongAttrPath`).
fn top(ev: &mut Evaluator, req: &Request) -> Result<(Value, Attrs), crate::EvalError> {
    let args = ev.auto_args(&req.args, &cwd())?;
    let v = match (&req.expr, &req.file) {
        (Some(e), _) => ev.eval_str(e, &cwd())?,
        (None, Some(f)) => {
            let abs = if f.starts_with('/') { f.clone() } else { format!("{}/{f}", cwd()) };
            ev.eval_file(&abs)?
        }
        (None, None) => ev.eval_file("./default.nix")?,
    };
    let v = ev.select_attr_path_with(v, req.attr.as_deref().unwrap_or(""), &args)?;
    Ok((v, args))
}

/// Runs `f` on a thread with a large stack.
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn evaluator thread")
        .join()
        .expect("evaluator thread")
}

/// `nix-instantiate --eval`: the printed value, or Nix's error text.
pub fn eval(req: Request) -> Result<String, String> {
    on_big_stack(move || {
        let mut ev = evaluator(&req);
        let r = top(&mut ev, &req).and_then(|(v, args)| {
            // `nix-instantiate --eval` calls the value only when there are `--arg`s.
            let v = if args.is_empty() { v } else { ev.auto_call_with(v, &args)? };
            if req.json {
                if req.strict {
                    ev.deep_force(&v, crate::Span::default())?;
                }
                ev.print_json(&v)
            } else {
                ev.print(&v, req.strict)
            }
        });
        // Nix 2.8 ends the plain value with a newline and the JSON text without one.
        r.map(|s| if req.json { s } else { format!("{s}\n") }).map_err(|e| ev.render_error(&e))
    })
}

/// `nix-instantiate`: the `.drv` path of each derivation the value holds (`drv!out` form when
/// another output than `out` is selected).
pub fn instantiate(req: Request) -> Result<String, String> {
    on_big_stack(move || {
        let mut ev = evaluator(&req);
        let r = top(&mut ev, &req).and_then(|(v, args)| {
            let mut out = String::new();
            // `getDerivations` calls a function given at the top.
            let v = ev.auto_call_with(v, &args)?;
            collect_drvs(&mut ev, &v, &args, &mut out, true)?;
            Ok(out)
        });
        r.map_err(|e| ev.render_error(&e))
    })
}

/// `getDerivations`: a derivation, or the derivations in a list or set (one level, deeper where
/// `recurseForDerivations` is set).
fn collect_drvs(
    ev: &mut Evaluator,
    v: &Value,
    args: &Attrs,
    out: &mut String,
    top: bool,
) -> Result<(), crate::EvalError> {
    let span = crate::Span::default();
    match v {
        Value::Attrs(a) => {
            if crate::eval::is_derivation(ev, a, span)? {
                let drv = a
                    .get("drvPath")
                    .cloned()
                    .ok_or_else(|| crate::EvalError::bare(crate::ErrorKind::MissingAttr("drvPath".into())))?;
                let p = ev.force_string(&drv, span)?;
                let name = match a.get("outputName").cloned() {
                    Some(t) => ev.force_string(&t, span)?.s.to_string(),
                    None => "out".into(),
                };
                out.push_str(&p.s);
                if name != "out" {
                    out.push('!');
                    out.push_str(&name);
                }
                out.push('\n');
                return Ok(());
            }
            let recurse = match a.get("recurseForDerivations").cloned() {
                Some(t) => matches!(ev.force(&t, span)?, Value::Bool(true)),
                None => false,
            };
            if top || recurse {
                for t in a.clone().values() {
                    let x = ev.force(t, span)?;
                    let x = ev.auto_call_with(x, args)?;
                    collect_drvs(ev, &x, args, out, false)?;
                }
            }
            Ok(())
        }
        Value::List(l) if top => {
            for t in l.iter() {
                let x = ev.force(t, span)?;
                let x = ev.auto_call_with(x, args)?;
                collect_drvs(ev, &x, args, out, false)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
