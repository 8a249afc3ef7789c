//! What moves, per literal: each literal of the program (strings, numbers, paths, attribute
//! names) perturbed in turn, the program re-evaluated, and every path compared with the
//! unperturbed run's. Nothing is guessed: each row is an evaluation, pruned to what the literal
//! can reach. The unperturbed run records which literals each top-level value read (through
//! every thunk it forced, `eval::track`); a perturbed run forces only the values that read the
//! literal and takes the others' paths from the unperturbed run. The rows are those of
//! [`sweep_full`] (the tests compare them).

use crate::eval::track::Tracker;
use crate::fs::{FileKind, FileSystem, MemFs};
use crate::page::{evaluate, literals, parse_request, run_tops, Literal, Outcome, Request, Reuse, TopRun, DIR, MAIN};
use crate::Budget;
use rnix::SyntaxKind as K;
use serde_json::{json, Value as Json};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

/// What perturbing one literal did.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub literal: Literal,
    /// Path labels (`src .drv`, `app out`) that moved, or vanished.
    pub moved: Vec<String>,
    pub stayed: Vec<String>,
    /// The perturbed program failed (a renamed attribute someone selects, a path that does not
    /// exist): the message.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The program's own error, when it does not evaluate (then there are no rows).
    pub error: Option<String>,
    pub rows: Vec<Row>,
}

/// Every path of an outcome by label: a derivation is called by its top-level attribute name
/// when it has one, else by its name; `NAME .drv`, `NAME OUTPUT`.
pub fn labelled_paths(o: &Outcome) -> BTreeMap<String, String> {
    let mut by_path: BTreeMap<&str, String> = BTreeMap::new();
    for (name, p) in &o.names {
        by_path.entry(p.as_str()).or_insert_with(|| name.clone());
    }
    let mut out = BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    for (p, d) in &o.derivations {
        let base = by_path.get(p.as_str()).cloned().unwrap_or_else(|| d.name.clone());
        let id = std::iter::once(base.clone())
            .chain((2..).map(|i| format!("{base}#{i}")))
            .find(|k| !used.contains(k))
            .unwrap_or(base);
        used.insert(id.clone());
        out.insert(format!("{id} .drv"), p.clone());
        for (o, out_) in &d.outputs {
            if !out_.path.is_empty() {
                out.insert(format!("{id} {o}"), out_.path.clone());
            }
        }
    }
    out
}

/// Which rows a perturbed run's paths make: each path of the unperturbed run moved or stayed.
fn row(lit: Literal, before: &BTreeMap<String, String>, after: &Outcome) -> Row {
    let (mut moved, mut stayed) = (Vec::new(), Vec::new());
    let error = after.error.as_ref().map(|e| e.message.clone());
    if error.is_none() {
        let now = labelled_paths(after);
        let still: BTreeSet<&String> = now.values().collect();
        for (label, p) in before {
            // A path still made under another label (a renamed top-level attribute) did
            // not move: only its name in the program did.
            let kept = match now.get(label) {
                Some(q) => q == p,
                None => still.contains(p),
            };
            if kept {
                stayed.push(label.clone());
            } else {
                moved.push(label.clone());
            }
        }
    }
    Row { literal: lit, moved, stayed, error }
}

/// The reference sweep: each of the first `max` literals perturbed and the whole program
/// evaluated again (what [`sweep`] must answer exactly, faster).
pub fn sweep_full(code: &str, files: &[(String, String)], budget: Budget, max: usize) -> Sweep {
    let base = evaluate(code, files, budget.clone());
    if let Some(e) = base.error {
        return Sweep { error: Some(e.message), rows: vec![] };
    }
    let before = labelled_paths(&base);
    let rows = literals(code)
        .into_iter()
        .take(max)
        .map(|lit| {
            let after = evaluate(&lit.perturbed(code), files, budget.clone());
            row(lit, &before, &after)
        })
        .collect();
    Sweep { error: None, rows }
}

/// What evaluating reads each literal: the literal's own expression; for an attribute name,
/// its binding (read when the set or `let` holding it is evaluated) or the selection it is
/// written in. `None` where that is not known: a name whose binding merges with another of the
/// same set (`a.b = 1; a.c = 2;`), read through the first only. Those are evaluated in full.
fn read_spans(code: &str, lits: &[Literal]) -> Vec<Option<(u32, u32)>> {
    let parse = rnix::Root::parse(code);
    let range = |n: &rnix::SyntaxNode| (u32::from(n.text_range().start()), u32::from(n.text_range().end()));
    // The static name a binding starts with.
    let head = |av: &rnix::SyntaxNode| -> Option<String> {
        let path = av.children().find(|c| c.kind() == K::NODE_ATTRPATH)?;
        let first = path.children().next()?;
        Some(first.text().to_string().trim_matches('"').to_string())
    };
    let mut owner: HashMap<(usize, usize), (u32, u32)> = HashMap::new();
    for node in parse.syntax().descendants() {
        if !matches!(node.kind(), K::NODE_STRING | K::NODE_IDENT) {
            continue;
        }
        let Some(path) = node.parent().filter(|p| p.kind() == K::NODE_ATTRPATH) else { continue };
        let Some(o) = path.parent() else { continue };
        let span = match o.kind() {
            K::NODE_SELECT | K::NODE_HAS_ATTR => range(&o),
            K::NODE_ATTRPATH_VALUE => {
                let Some(set) = o.parent() else { continue };
                let Some(h) = head(&o) else { continue };
                let merged = set
                    .children()
                    .filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE && *c != o)
                    .any(|c| head(&c).as_deref() == Some(h.as_str()));
                if merged {
                    continue;
                }
                range(&o)
            }
            _ => continue,
        };
        let r = node.text_range();
        owner.insert((r.start().into(), r.end().into()), span);
    }
    lits.iter()
        .map(|l| match l.kind {
            "attr" => owner.get(&(l.start, l.end)).copied(),
            _ => Some((l.start as u32, l.end as u32)),
        })
        .collect()
}

/// A file system that counts reads of the program's own file (after the first, `import`'s, a
/// read means the program looks at its own text: then any byte of it may matter).
struct Counting {
    inner: MemFs,
    main_reads: Rc<Cell<usize>>,
}

impl FileSystem for Counting {
    fn kind(&self, path: &str) -> Option<FileKind> {
        self.inner.kind(path)
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        if path == MAIN {
            self.main_reads.set(self.main_reads.get() + 1);
        }
        self.inner.read(path)
    }
    fn read_dir(&self, path: &str) -> Option<Vec<String>> {
        self.inner.read_dir(path)
    }
    fn read_link(&self, path: &str) -> Option<String> {
        self.inner.read_link(path)
    }
}

/// What the unperturbed run read, for pruning.
struct Plan {
    /// Literals the skeleton read (a perturbed one is evaluated in full).
    skeleton: Vec<u32>,
    /// Literals that cannot be pruned (their reading expression is not known).
    unknown: BTreeSet<u32>,
    tops: Vec<TopRun>,
    derivations: BTreeMap<String, drvlab_engine::Derivation>,
    steps: u64,
    cells: u64,
}

/// A sweep under way, one literal at a time ([`Job::step`]), so the worker can answer a newer
/// request between slices.
pub struct Job {
    code: String,
    files: Vec<(String, String)>,
    budget: Budget,
    lits: Vec<Literal>,
    before: BTreeMap<String, String>,
    plan: Option<Plan>,
    error: Option<String>,
    rows: Vec<Row>,
    /// Literals evaluated in full, and pruned (for the figures).
    pub full_runs: usize,
    pub pruned_runs: usize,
}

impl Job {
    /// The unperturbed run, tracked: which literals each top-level value read.
    pub fn new(code: &str, files: &[(String, String)], budget: Budget) -> Job {
        let lits = literals(code);
        let spans = read_spans(code, &lits);
        let mut by_span: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut unknown = BTreeSet::new();
        for (i, s) in spans.iter().enumerate() {
            match s {
                Some(s) => by_span.entry(*s).or_default().push(i as u32),
                None => {
                    unknown.insert(i as u32);
                }
            }
        }
        let main_reads = Rc::new(Cell::new(0));
        let mut fs = MemFs::new();
        for (p, t) in files {
            let p = if p.starts_with('/') { p.clone() } else { format!("{DIR}/{p}") };
            fs.add(&p, t.as_bytes());
        }
        fs.add(MAIN, code.as_bytes());
        let mut ev = crate::Evaluator::new(
            Box::new(Counting { inner: fs, main_reads: main_reads.clone() }),
            crate::Options { budget: budget.clone(), experimental_ca: true, ..crate::Options::default() },
        );
        ev.track = Some(Box::new(Tracker::new(MAIN, by_span)));
        let run = run_tops(&mut ev, code, None).expect("a run without reuse always fits");
        let tracker = ev.track.take().expect("set above");
        let mut job = Job {
            code: code.to_string(),
            files: files.to_vec(),
            budget: budget.clone(),
            lits,
            before: BTreeMap::new(),
            plan: None,
            error: run.outcome.error.as_ref().map(|e| e.message.clone()),
            rows: vec![],
            full_runs: 0,
            pruned_runs: 0,
        };
        if job.error.is_some() {
            job.lits.clear();
            return job;
        }
        job.before = labelled_paths(&run.outcome);
        // Pruning is exact only where the run cannot see the program's text or positions, and
        // where skipping work cannot decide whether a budget is exceeded.
        let prunable = !tracker.positions.get()
            && main_reads.get() <= 1
            && tracker.max_depth * 2 <= budget.max_depth
            && ev.steps * 2 <= budget.max_steps
            && ev.cells * 2 <= budget.max_cells;
        if prunable {
            job.plan = Some(Plan {
                skeleton: run.skeleton_reads.map(|r| r.to_vec()).unwrap_or_default(),
                unknown,
                tops: run.tops,
                derivations: run.outcome.derivations,
                steps: ev.steps,
                cells: ev.cells,
            });
        }
        job
    }

    pub fn total(&self) -> usize {
        self.lits.len()
    }

    pub fn done(&self) -> usize {
        self.rows.len()
    }

    /// Sweeps up to `n` more literals; whether the sweep is complete.
    pub fn step(&mut self, n: usize) -> bool {
        for _ in 0..n {
            let i = self.rows.len();
            let Some(lit) = self.lits.get(i).cloned() else { return true };
            let perturbed = lit.perturbed(&self.code);
            let after = match self.pruned(i as u32, &perturbed) {
                Some(o) => {
                    self.pruned_runs += 1;
                    o
                }
                None => {
                    self.full_runs += 1;
                    evaluate(&perturbed, &self.files, self.budget.clone())
                }
            };
            self.rows.push(row(lit, &self.before, &after));
        }
        self.rows.len() >= self.lits.len()
    }

    /// The perturbed program run with only the top-level values that read literal `i` forced,
    /// the others taken from the unperturbed run; `None` where that would not be exact.
    fn pruned(&self, i: u32, perturbed: &str) -> Option<Outcome> {
        let p = self.plan.as_ref()?;
        if p.unknown.contains(&i) || p.skeleton.binary_search(&i).is_ok() {
            return None;
        }
        let mut ev = crate::page::evaluator(&self.files, perturbed, self.budget.clone());
        let recompute = |t: usize| p.tops[t].reads.as_ref().is_some_and(|r| r.binary_search(&i).is_ok());
        let reuse = Reuse { tops: &p.tops, derivations: &p.derivations, recompute: &recompute };
        let run = run_tops(&mut ev, perturbed, Some(&reuse))?;
        // The whole run does at most this run's work and the unperturbed run's: within the
        // budget when both together are.
        if run.budget_failed || ev.steps + p.steps > self.budget.max_steps || ev.cells + p.cells > self.budget.max_cells
        {
            return None;
        }
        Some(run.outcome)
    }

    pub fn finish(self) -> Sweep {
        Sweep { error: self.error, rows: self.rows }
    }
}

/// Perturbs each literal of `code` in turn and compares every path with the unperturbed run:
/// the rows of [`sweep_full`], with only what a literal's value reached evaluated again.
pub fn sweep(code: &str, files: &[(String, String)], budget: Budget) -> Sweep {
    let mut job = Job::new(code, files, budget);
    while !job.step(usize::MAX) {}
    job.finish()
}

/// How long the page's worker sweeps before it answers with the literals it has done: under
/// the page's watchdog (15 s), so a long program gets the marks of its first literals and
/// says how many are left, rather than none.
pub const PAGE_SWEEP_MS: f64 = 8_000.0;

/// The answer to a `sweep` request: `{"op": "sweep", "id", "sweep": {"error", "rows",
/// "total"}}`, sweeping until done or until `now()` (milliseconds) is `limit_ms` past the start;
/// `total` is the number of literals, more than the rows when time ran out.
pub fn answer(req: &Request, now: &dyn Fn() -> f64, limit_ms: f64) -> String {
    let t0 = now();
    let mut job = Job::new(&req.code, &req.files, Budget::default());
    while !job.step(1) && now() - t0 < limit_ms {}
    let total = job.total();
    let s = job.finish();
    let mut j = to_json(&s);
    j["total"] = json!(total);
    j["limit_ms"] = json!(limit_ms);
    json!({ "op": "sweep", "id": req.id, "sweep": j }).to_string()
}

/// The page worker's entry: a JSON request in, a JSON answer out (a sweep here, bounded by
/// [`PAGE_SWEEP_MS`] on the clock `now`; anything else an evaluation, [`crate::page::answer`]).
pub fn respond(request: &str, now: &dyn Fn() -> f64) -> String {
    match parse_request(request) {
        Err(e) => json!({ "error": { "message": e } }).to_string(),
        Ok(r) if r.op == "sweep" => answer(&r, now, PAGE_SWEEP_MS),
        Ok(r) => crate::page::answer(&r),
    }
}

pub fn to_json(s: &Sweep) -> Json {
    json!({
        "error": s.error,
        "rows": s.rows.iter().map(|r| json!({
            "start": r.literal.start,
            "end": r.literal.end,
            "kind": r.literal.kind,
            "moved": r.moved,
            "stayed": r.stayed,
            "error": r.error,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_name_moves_its_paths_and_its_users() {
        let code = r#"rec {
  a = derivation { name = "a"; builder = "b"; system = "c"; };
  u = derivation { name = "u"; builder = "b"; system = "c"; dep = a; };
}"#;
        let s = crate::cli::on_big_stack(move || sweep(code, &[], Budget::default()));
        assert!(s.error.is_none());
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "\"a\"").unwrap();
        assert_eq!(row.moved, ["a .drv", "a out", "u .drv", "u out"]);
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "\"u\"").unwrap();
        assert_eq!(row.moved, ["u .drv", "u out"]);
        assert_eq!(row.stayed, ["a .drv", "a out"]);
        // Renaming the attribute `dep` changes u's environment.
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "dep").unwrap();
        assert_eq!(row.moved, ["u .drv", "u out"]);
    }

    /// Out of time, the answer holds the literals done and says how many there are.
    #[test]
    fn a_sweep_out_of_time_answers_with_the_literals_it_did() {
        let code = r#"{ a = derivation { name = "a"; builder = "b"; system = "c"; x = "1"; y = "2"; }; }"#;
        let req = parse_request(&json!({ "op": "sweep", "id": 7, "code": code }).to_string()).unwrap();
        let clock = std::cell::Cell::new(0.0);
        let tick = || {
            clock.set(clock.get() + 1.0);
            clock.get()
        };
        let a: Json = serde_json::from_str(&answer(&req, &tick, 3.0)).unwrap();
        let done = a["sweep"]["rows"].as_array().unwrap().len();
        let total = a["sweep"]["total"].as_u64().unwrap() as usize;
        assert!(done >= 1 && done < total, "{done} of {total}");
        assert_eq!(a["sweep"]["limit_ms"], 3.0);
        let all: Json = serde_json::from_str(&answer(&req, &|| 0.0, 3.0)).unwrap();
        assert_eq!(all["sweep"]["rows"].as_array().unwrap().len(), total);
    }

    #[test]
    fn renaming_a_top_level_attribute_moves_no_path() {
        let code = r#"{
  a = derivation { name = "a"; builder = "b"; system = "c"; };
  u = derivation { name = "u"; builder = "b"; system = "c"; };
}"#;
        let s = crate::cli::on_big_stack(move || sweep(code, &[], Budget::default()));
        let row = s.rows.iter().find(|r| &code[r.literal.start..r.literal.end] == "a").unwrap();
        assert!(row.error.is_none());
        assert!(row.moved.is_empty(), "{:?}", row.moved);
        assert_eq!(row.stayed, ["a .drv", "a out", "u .drv", "u out"]);
    }
}
