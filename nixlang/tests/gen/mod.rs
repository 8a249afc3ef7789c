//! A seeded generator of random Nix programs over the whole language: typed, so most programs
//! evaluate, with a share of failing ones (each kind of error Nix reports).

/// A directory both Nix and drvlab read (`builtins.path`, `filterSource`, `scopedImport`):
/// made by [`make_tree`] before the programs run.
pub const TREE: &str = "/tmp/drvlab-diff-tree";

/// The files under [`TREE`]: text, an executable, a symlink, a subdirectory, Nix files.
pub fn make_tree() {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::remove_dir_all(TREE);
    std::fs::create_dir_all(format!("{TREE}/sub/deeper")).expect("tree");
    let w = |p: &str, c: &str| std::fs::write(format!("{TREE}/{p}"), c).expect("write");
    w("a.txt", "hello\n");
    w("sub/b.nix", "{ x = 1; }\n");
    w("sub/deeper/c.txt", "deep\n");
    w("exec.sh", "#!/bin/sh\necho hi\n");
    w("scoped.nix", "[ (x + y) (if builtins ? map then 1 else 0) ]\n");
    std::fs::set_permissions(format!("{TREE}/exec.sh"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink("a.txt", format!("{TREE}/link")).expect("symlink");
}

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    IntList,
    StrList,
    Attrs,
    Drv,
}

const TYS: &[Ty] = &[Ty::Int, Ty::Float, Ty::Bool, Ty::Str, Ty::IntList, Ty::StrList, Ty::Attrs, Ty::Drv];

pub struct Gen {
    pub rng: Rng,
    vars: Vec<(String, Ty)>,
    /// `with` sets in scope: their attribute names and types.
    withs: Vec<Vec<(String, Ty)>>,
    fresh: usize,
}

const WORDS: &[&str] = &["a", "b", "foo", "bar", "x1", "hello", "pre", "1.2", "2.0pre1", "nix", "-", "_", "out"];

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { rng: Rng::new(seed), vars: Vec::new(), withs: Vec::new(), fresh: 0 }
    }

    fn name(&mut self) -> String {
        self.fresh += 1;
        format!("v{}", self.fresh)
    }

    fn var_of(&mut self, t: Ty) -> Option<String> {
        let c: Vec<String> = self.vars.iter().filter(|(_, vt)| *vt == t).map(|(n, _)| n.clone()).collect();
        if c.is_empty() {
            None
        } else {
            Some(self.rng.pick(&c).clone())
        }
    }

    fn with_var_of(&mut self, t: Ty) -> Option<String> {
        let c: Vec<String> = self
            .withs
            .iter()
            .flatten()
            .filter(|(n, vt)| *vt == t && !self.vars.iter().any(|(v, _)| v == n))
            .map(|(n, _)| n.clone())
            .collect();
        if c.is_empty() {
            None
        } else {
            Some(self.rng.pick(&c).clone())
        }
    }

    pub fn program(&mut self) -> String {
        self.vars.clear();
        self.withs.clear();
        let t = *self.rng.pick(TYS);
        self.expr(t, 4)
    }

    pub fn expr(&mut self, t: Ty, d: u32) -> String {
        if d == 0 || self.rng.chance(15) {
            return self.leaf(t);
        }
        // Forms that work for every type.
        match self.rng.below(12) {
            0 => return self.let_in(t, d),
            1 => {
                return format!(
                    "(if {} then {} else {})",
                    self.expr(Ty::Bool, d - 1),
                    self.expr(t, d - 1),
                    self.expr(t, d - 1)
                )
            }
            2 => {
                let n = self.name();
                let arg_t = *self.rng.pick(&[Ty::Int, Ty::Str, Ty::IntList]);
                let arg = self.expr(arg_t, d - 1);
                self.vars.push((n.clone(), arg_t));
                let body = self.expr(t, d - 1);
                self.vars.pop();
                return format!("(({n}: {body}) {arg})");
            }
            3 => return self.formals_call(t, d),
            4 => {
                let k = self.name();
                let v = self.expr(t, d - 1);
                return format!("(rec {{ {k} = {v}; }}).{k}");
            }
            5 => return self.with_expr(t, d),
            6 if t != Ty::Drv => {
                let k = self.name();
                let v = self.expr(t, d - 1);
                return format!("({{ {k} = {v}; }}.missing or {v})");
            }
            7 => return format!("(assert {}; {})", self.leaf_true(), self.expr(t, d - 1)),
            _ => {}
        }
        match t {
            Ty::Int => self.int(d),
            Ty::Float => self.float(d),
            Ty::Bool => self.boolean(d),
            Ty::Str => self.string(d),
            Ty::IntList => self.int_list(d),
            Ty::StrList => self.str_list(d),
            Ty::Attrs => self.attrs(d),
            Ty::Drv => self.drv(d),
        }
    }

    fn leaf_true(&mut self) -> String {
        self.rng.pick(&["true", "(1 < 2)", "(\"a\" == \"a\")", "(builtins.isInt 3)"]).to_string()
    }

    fn leaf(&mut self, t: Ty) -> String {
        if self.rng.chance(40) {
            if let Some(v) = self.var_of(t) {
                return v;
            }
            if let Some(v) = self.with_var_of(t) {
                return v;
            }
        }
        match t {
            Ty::Int => {
                let n = self.rng.below(40) as i64 - 10;
                if n < 0 {
                    format!("({n})")
                } else {
                    n.to_string()
                }
            }
            Ty::Float => self
                .rng
                .pick(&[
                    "1.5",
                    "0.25",
                    "3.0",
                    "2.75",
                    "100000.0",
                    "1.0e-5",
                    "123456789.0",
                    ".5",
                    "1.0e21",
                    "0.1",
                    "1234567.0",
                    "123456.7",
                    "2.5e+3",
                    "1.0e-7",
                    "0.000123",
                    "999999.5",
                    "1.0E6",
                ])
                .to_string(),
            Ty::Bool => self.rng.pick(&["true", "false"]).to_string(),
            Ty::Str => self.str_lit(),
            Ty::IntList => {
                format!("[ {} ]", (0..self.rng.below(4)).map(|i| (i * 3 % 7).to_string()).collect::<Vec<_>>().join(" "))
            }
            Ty::StrList => {
                format!("[ {} ]", (0..self.rng.below(4)).map(|_| self.str_lit()).collect::<Vec<_>>().join(" "))
            }
            Ty::Attrs => "{ }".to_string(),
            Ty::Drv => self.drv(0),
        }
    }

    fn str_lit(&mut self) -> String {
        match self.rng.below(24) {
            8 => "\"a$${b} $$x \\$ \\q \\r \"".into(),
            9 => "''\n\tx\n  y\n''".into(),
            10 => "''\n  ${\"i\"}\n    j\n  ''".into(),
            11 => "''   \n    a\n   b\n  ''".into(),
            12 => "''a\n  b\n   c''".into(),
            13 => "''''".into(),
            14 => "''\n\n  \n    p\n\n   q\n''".into(),
            15 => "''\n  ''\\n x ''\\t y ''\\$ z\n''".into(),
            16 => "''\n    ''${x} ''' $ ' $a ${\"b\"}c\n  d\n''".into(),
            17 => "\"\\u00e9 é ${\"${\"nest\"}ed\"}\"".into(),
            18 => "''\n  a ${toString 12}\n ${\"b\"} c\n''".into(),
            19 => "''\r\n  cr\r\n  lf\r\n''".into(),
            0 => "\"\"".into(),
            1 => "\"a\\nb\\t\\\"q\\\" \\\\ \\${x} $$ $\"".into(),
            2 => "''\n    indented\n      more ''$ ''' ''\\n\n    end\n  ''".into(),
            3 => "''  one line ''".into(),
            4 => "''\n  a\n\n   b\n''".into(),
            _ => format!("\"{}\"", self.rng.pick(WORDS)),
        }
    }

    fn let_in(&mut self, t: Ty, d: u32) -> String {
        let n = self.rng.below(3) + 1;
        let mut binds = Vec::new();
        let mut names = Vec::new();
        for _ in 0..n {
            let bt = *self.rng.pick(TYS);
            let name = self.name();
            let v = self.expr(bt, d - 1);
            binds.push(format!("{name} = {v};"));
            names.push((name, bt));
        }
        // Later bindings can see earlier ones (and `inherit` from outside).
        self.vars.extend(names.iter().cloned());
        let inh = match self.vars.iter().rev().nth(names.len()).cloned() {
            Some((o, _)) if self.rng.chance(30) => format!(" inherit {o};"),
            _ => String::new(),
        };
        let body = self.expr(t, d - 1);
        for _ in 0..names.len() {
            self.vars.pop();
        }
        format!("(let {}{inh} in {body})", binds.join(" "))
    }

    fn formals_call(&mut self, t: Ty, d: u32) -> String {
        let a = self.name();
        let b = self.name();
        let at = *self.rng.pick(&[Ty::Int, Ty::Str]);
        let av = self.expr(at, d - 1);
        let bdef = self.expr(Ty::Int, d - 1);
        self.vars.push((a.clone(), at));
        self.vars.push((b.clone(), Ty::Int));
        let body = self.expr(t, d - 1);
        self.vars.pop();
        self.vars.pop();
        let give_b = self.rng.chance(50);
        let extra = if self.rng.chance(30) { " zz = 1;" } else { "" };
        let ell = if !extra.is_empty() || self.rng.chance(30) { ", ..." } else { "" };
        let at_pat = if self.rng.chance(30) { " @ args" } else { "" };
        let arg =
            if give_b { format!("{{ {a} = {av}; {b} = 7;{extra} }}") } else { format!("{{ {a} = {av};{extra} }}") };
        format!("(({{ {a}, {b} ? {bdef}{ell} }}{at_pat}: {body}) {arg})")
    }

    fn with_expr(&mut self, t: Ty, d: u32) -> String {
        let k = self.name();
        let kt = *self.rng.pick(&[Ty::Int, Ty::Str, Ty::Bool]);
        let v = self.expr(kt, d - 1);
        self.withs.push(vec![(k.clone(), kt)]);
        let body = self.expr(t, d - 1);
        self.withs.pop();
        format!("(with {{ {k} = {v}; }}; {body})")
    }

    fn int(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(24) {
            17 => format!("(let s = {{ p = {}; q = 2; }}; inherit (s) p q; in p * q)", e(self, Ty::Int)),
            18 => format!("(rec {{ inherit ({{ a = {}; }}) a; b = a + 1; }}).b", e(self, Ty::Int)),
            19 => format!("({{ }}.a or {{ b = {{ }}; }}.b.c or {{ d = {}; }}.d)", e(self, Ty::Int)),
            20 => {
                format!("((args@{{ a, ... }}: a + args.b) {{ a = {}; b = {}; }})", e(self, Ty::Int), e(self, Ty::Int))
            }
            21 => format!(
                "(builtins.length (builtins.attrNames (({{ a, b ? 1, ... }}@args: args) {{ a = {}; c = 2; }})))",
                e(self, Ty::Int)
            ),
            22 => format!("(builtins.ceil ({} / 3.0) + builtins.floor {})", e(self, Ty::Int), e(self, Ty::Float)),
            23 => format!("(builtins.head (scopedImport {{ x = {}; y = 2; }} {TREE}/scoped.nix))", e(self, Ty::Int)),
            16 => format!("({{ a = {{ }}; }}.a.b.c or {})", e(self, Ty::Int)),
            0 => format!("({} + {})", e(self, Ty::Int), e(self, Ty::Int)),
            1 => format!("({} - {})", e(self, Ty::Int), e(self, Ty::Int)),
            2 => format!("({} * {})", e(self, Ty::Int), e(self, Ty::Int)),
            3 => format!("({} / {})", e(self, Ty::Int), self.rng.below(5) + 1),
            4 => format!("(builtins.length {})", e(self, Ty::IntList)),
            5 => format!("(builtins.stringLength {})", e(self, Ty::Str)),
            6 => format!("(builtins.foldl' (x: y: x + y) 0 {})", e(self, Ty::IntList)),
            7 => format!("(builtins.compareVersions {} {})", e(self, Ty::Str), e(self, Ty::Str)),
            8 => format!("(builtins.head ({} ++ [ 1 ]))", e(self, Ty::IntList)),
            9 => format!("(builtins.length (builtins.attrNames {}))", e(self, Ty::Attrs)),
            10 => format!("(builtins.div {} {})", e(self, Ty::Int), self.rng.pick(&["2", "(-3)", "7"])),
            11 => format!("(builtins.bitXor {} {})", e(self, Ty::Int), e(self, Ty::Int)),
            12 => format!("(-{})", e(self, Ty::Int)),
            13 => format!("(builtins.elemAt [ {} 5 ] 0)", e(self, Ty::Int)),
            14 => format!("(builtins.length (builtins.genList (i: i * 2) {}))", self.rng.below(5)),
            15 if self.rng.chance(50) => {
                format!("(({{ __functor = self: x: x + self.n; n = {}; }}) {})", e(self, Ty::Int), e(self, Ty::Int))
            }
            15 => format!("({{ a.b.c = {}; }}.a.b.c or 0)", e(self, Ty::Int)),
            _ => self.leaf(Ty::Int),
        }
    }

    fn float(&mut self, d: u32) -> String {
        match self.rng.below(5) {
            0 => format!("({} * 1.5)", self.expr(Ty::Int, d - 1)),
            1 => format!("({} / 4.0)", self.expr(Ty::Float, d - 1)),
            2 => format!("({} + {})", self.expr(Ty::Float, d - 1), self.expr(Ty::Int, d - 1)),
            3 => format!("({} - 0.5)", self.expr(Ty::Float, d - 1)),
            _ => self.leaf(Ty::Float),
        }
    }

    fn boolean(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(18) {
            14 => format!("({} < {})", e(self, Ty::StrList), e(self, Ty::StrList)),
            15 => format!("([ {} 2 ] > [ 1 {} ])", e(self, Ty::Int), e(self, Ty::Int)),
            16 => format!("([ 1 2 ] == [ 1 {} ])", e(self, Ty::Float)),
            17 => format!("({} >= [ ])", e(self, Ty::IntList)),
            0 => format!("({} < {})", e(self, Ty::Int), e(self, Ty::Int)),
            1 => format!("({} == {})", e(self, Ty::Str), e(self, Ty::Str)),
            2 => format!("({} != {})", e(self, Ty::IntList), e(self, Ty::IntList)),
            3 => format!("({} && {})", e(self, Ty::Bool), e(self, Ty::Bool)),
            4 => format!("({} || {})", e(self, Ty::Bool), e(self, Ty::Bool)),
            5 => format!("({} -> {})", e(self, Ty::Bool), e(self, Ty::Bool)),
            6 => format!("(!{})", e(self, Ty::Bool)),
            7 => format!("({} ? a)", e(self, Ty::Attrs)),
            8 => format!("(builtins.elem {} {})", e(self, Ty::Int), e(self, Ty::IntList)),
            9 => format!("({} <= {})", e(self, Ty::IntList), e(self, Ty::IntList)),
            10 => format!("({} >= {})", e(self, Ty::Str), e(self, Ty::Str)),
            11 => format!("({} == {})", e(self, Ty::Attrs), e(self, Ty::Attrs)),
            12 => format!("({} > {})", e(self, Ty::Float), e(self, Ty::Int)),
            _ => format!(
                "(builtins.{} {})",
                self.rng.pick(&["isInt", "isString", "isList", "isAttrs", "isFunction", "isBool", "isNull", "isFloat"]),
                {
                    let t = *self.rng.pick(TYS);
                    e(self, t)
                }
            ),
        }
    }

    fn string(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(31) {
            23 => format!("(builtins.toXML {})", {
                let t = *self.rng.pick(TYS);
                e(self, t)
            }),
            24 => "(builtins.toXML { f = x: x; g = { a, b ? 1, ... }@z: a; h = { }: 1; i = builtins.map; })".into(),
            25 => format!(
                "(builtins.path {{ path = {TREE}; name = \"src\"; filter = p: t: t != \"symlink\" && baseNameOf p != \"{}\"; }})",
                self.rng.pick(&["b.nix", "sub", "a.txt", "none"])
            ),
            26 => format!(
                "(builtins.filterSource (p: t: t == \"directory\" || builtins.match \"{}\" p != null) {TREE})",
                self.rng.pick(&[".*\\\\.txt", ".*/sub/.*", ".*"])
            ),
            27 => format!("(builtins.path {{ path = {TREE}/a.txt; recursive = {}; }})", self.rng.pick(&["false", "true"])),
            28 => format!("\"${{{TREE}/{}}}\"", self.rng.pick(&["a.txt", "sub", "exec.sh"])),
            29 => format!(
                "(builtins.path {{ path = {TREE}/a.txt; recursive = false; name = \"hello\"; sha256 = \"{}\"; }})",
                self.rng.pick(&[
                    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
                    "sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoaiDkb2vgM="
                ])
            ),
            30 => format!("(builtins.toXML (builtins.fromTOML {}))", self.toml()),
            0 => format!("\"x${{{}}}y\"", e(self, Ty::Str)),
            1 => format!("({} + {})", e(self, Ty::Str), e(self, Ty::Str)),
            2 => format!("(toString {})", {
                let t = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::Bool, Ty::IntList, Ty::StrList]);
                e(self, t)
            }),
            3 => format!(
                "(builtins.substring {} {} {})",
                self.rng.below(4),
                self.rng.below(6) as i64 - 1,
                e(self, Ty::Str)
            ),
            4 => format!("(builtins.replaceStrings [ \"a\" \"\" ] [ \"A\" \"-\" ] {})", e(self, Ty::Str)),
            5 => format!("(builtins.concatStringsSep \", \" {})", e(self, Ty::StrList)),
            6 => format!("(builtins.toJSON {})", {
                let t = *self.rng.pick(&[Ty::Attrs, Ty::IntList, Ty::Str, Ty::Float, Ty::StrList]);
                e(self, t)
            }),
            7 => format!(
                "(builtins.hashString \"{}\" {})",
                self.rng.pick(&["sha256", "md5", "sha1", "sha512"]),
                e(self, Ty::Str)
            ),
            8 => format!("(builtins.typeOf {})", {
                let t = *self.rng.pick(TYS);
                e(self, t)
            }),
            9 => format!("(builtins.baseNameOf {})", e(self, Ty::Str)),
            10 => format!("(builtins.unsafeDiscardStringContext {}.outPath)", e(self, Ty::Drv)),
            11 => format!("{}.drvPath", e(self, Ty::Drv)),
            12 => format!("\"${{{}}}/bin\"", e(self, Ty::Drv)),
            13 => format!("(builtins.toFile \"{}\" {})", self.rng.pick(&["f", ".f", "a-1.0"]), e(self, Ty::Str)),
            14 => format!("''\n  line ${{{}}}\n    next\n''", e(self, Ty::Str)),
            15 => format!("(builtins.dirOf {})", e(self, Ty::Str)),
            16 => format!("(builtins.substring 11 32 {}.outPath)", e(self, Ty::Drv)),
            17 => format!("(builtins.head ({} ++ [ \"z\" ]))", e(self, Ty::StrList)),
            18 => format!("(builtins.parseDrvName {}).name", e(self, Ty::Str)),
            19 => format!("(builtins.placeholder \"{}\")", self.rng.pick(&["out", "dev"])),
            20 => format!("(toString {})", e(self, Ty::Attrs)).replace("toString {", "builtins.toJSON {"),
            21 if self.rng.chance(50) => {
                format!("(toString ./p/${{{}}})", self.rng.pick(&["\"x\"", "\"a/../b\"", "toString 1", "\"c/./d/\""]))
            }
            21 => format!("(builtins.typeOf (./p + {}))", self.rng.pick(&["\"/q\"", "\"q\"", "\"/../r\""])),
            _ => self.leaf(Ty::Str),
        }
    }

    fn int_list(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(10) {
            0 => format!("[ {} {} ]", e(self, Ty::Int), e(self, Ty::Int)),
            1 => format!("({} ++ {})", e(self, Ty::IntList), e(self, Ty::IntList)),
            2 => format!("(map (x: x * 2) {})", e(self, Ty::IntList)),
            3 => format!("(builtins.filter (x: x > 2) {})", e(self, Ty::IntList)),
            4 => format!("(builtins.genList (x: x + {}) {})", e(self, Ty::Int), self.rng.below(5)),
            5 => format!("(builtins.sort builtins.lessThan {})", e(self, Ty::IntList)),
            6 => format!("(builtins.tail ([ 0 ] ++ {}))", e(self, Ty::IntList)),
            7 => format!("(builtins.concatLists [ {} {} ])", e(self, Ty::IntList), e(self, Ty::IntList)),
            8 => format!("(builtins.attrValues {{ a = {}; b = 2; }})", e(self, Ty::Int)),
            _ => format!("(builtins.concatMap (x: [ x x ]) {})", e(self, Ty::IntList)),
        }
    }

    fn str_list(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(9) {
            // Empty matches: after a match at its end, and after an empty one a character on.
            7 => format!(
                "(builtins.filter builtins.isString (builtins.split \"{}\" {}))",
                self.rng.pick(&["a*", "o*|x", "(b)*", "[[:space:]]*", "[]a]*", "[^a-c]*"]),
                e(self, Ty::Str)
            ),
            8 => format!("(builtins.attrNames {{ \"if\" = 1; then = 2; \"{}\" = 3; }})", self.rng.pick(WORDS)),
            0 => format!("[ {} {} ]", e(self, Ty::Str), e(self, Ty::Str)),
            1 => format!("(builtins.attrNames {})", e(self, Ty::Attrs)),
            2 => format!("(builtins.splitVersion {})", e(self, Ty::Str)),
            3 => format!("(map toString {})", e(self, Ty::IntList)),
            4 => format!("(builtins.filter builtins.isString (builtins.split \"(a|o)\" {}))", e(self, Ty::Str)),
            5 => format!("(let m = builtins.match \"([a-z]*)(.*)\" {}; in if m == null then [ ] else builtins.filter (x: x != null) m)", e(self, Ty::Str)),
            _ => format!("(builtins.catAttrs \"a\" [ {{ a = {}; }} {{ b = 1; }} ])", e(self, Ty::Str)),
        }
    }

    fn attrs(&mut self, d: u32) -> String {
        let e = |g: &mut Gen, t| g.expr(t, d - 1);
        match self.rng.below(27) {
            // `rec { __overrides }`: overriding a named attribute (in the scope too) or adding one.
            24 => format!(
                "(rec {{ a = {}; b = a; __overrides = {{ a = {}; {} = b; }}; }})",
                e(self, Ty::Int),
                e(self, Ty::Int),
                self.rng.pick(&["c", "b", "z"])
            ),
            25 => format!("{{ \"if\" = {}; \"or\" = 1; \"in\" = 2; \"a b\" = 3; }}", e(self, Ty::Str)),
            26 => format!(
                "(builtins.fromJSON \"{{\\\"a\\\": [ {}, -1.5e3, 18446744073709551615 ]}}\")",
                self.rng.below(100)
            ),
            19 => format!(
                "(let p = builtins.unsafeGetAttrPos \"{}\" {}; in if p == null then {{ }} else p)",
                self.rng.pick(&["a", "b", "c", "x", "name", "value"]),
                e(self, Ty::Attrs)
            ),
            20 => format!("(builtins.fromTOML {})", self.toml()),
            21 => format!(
                "({} // {{ a = {}; }} // {} // {{ b.c = 1; }} // {})",
                e(self, Ty::Attrs),
                e(self, Ty::Int),
                e(self, Ty::Attrs),
                e(self, Ty::Attrs)
            ),
            22 => format!(
                "(let x = {{ a = {}; }}; y = 2; in {{ inherit (x) a; inherit y; z = rec {{ inherit y; w = y; }}; }})",
                e(self, Ty::Str)
            ),
            23 => format!(
                "(let p = builtins.unsafeGetAttrPos \"a\" ({}); in if p == null then {{ }} else p)",
                self.rng.pick(&[
                    "builtins.mapAttrs (n: v: v) { a = 1; }",
                    "builtins.listToAttrs [ { name = \"a\"; value = 1; } ]",
                    "builtins.intersectAttrs { a = 1; } { a = 2; }",
                    "builtins.removeAttrs { a = 2; b = 1; } [ \"b\" ]",
                    "{ b = 1; } // { a = 2; }",
                    "{ a = 1; } // { b = 2; }",
                    "builtins.zipAttrsWith (n: v: v) [ { a = 1; } ]",
                    "builtins.fromJSON \"{\\\"a\\\": 1}\"",
                    "builtins.parseDrvName \"a-1\" // { a = 1; }",
                    "rec { a = 1; b = a; }",
                    "let a = 1; in { inherit a; }",
                    "{ a.b = 1; a.c = 2; }.a // { a = 3; }",
                    "builtins.groupBy (x: \"a\") [ 1 ]",
                    "builtins.partition (x: true) [ 1 ] // { a = 0; }",
                    "builtins.functionArgs ({ a }: a)",
                    "derivation { name = \"a\"; builder = \"b\"; system = \"c\"; a = 1; }",
                    "builtins.fromTOML \"a = 1\"",
                    "builtins.tryEval 1 // { a = 1; }",
                ])
            ),
            14 => {
                let o = self.name();
                format!(
                    "(let {o} = {{ a = {}; b = {}; }}; in {{ inherit ({o}) a; c = {o}.b; }})",
                    e(self, Ty::Int),
                    e(self, Ty::Str)
                )
            }
            15 => format!("(builtins.fromJSON (builtins.toJSON {}))", e(self, Ty::Attrs)),
            16 => format!("{{ f = x: x; g = builtins.map; h = builtins.map (x: x); i = {}; }}", e(self, Ty::Int)),
            17 => format!("(builtins.seq {} {{ s = {}; }})", e(self, Ty::Int), e(self, Ty::Str)),
            18 => format!(
                "{{ n = {}; m = {}; }}",
                self.rng.pick(&[
                    "(9223372036854775807 + 1)",
                    "(4611686018427387904 * 2)",
                    "(-9223372036854775807 - 1)",
                    "(1.0e300 * 1.0e10)",
                    "(0.1 + 0.2)",
                    "(2.0 / 3)",
                    "1.0e-10",
                    "(1 / 3.0)"
                ]),
                e(self, Ty::Float)
            ),
            0 | 1 => {
                let n = self.rng.below(4);
                let mut parts = Vec::new();
                let keys = ["a", "b", "c", "\"q x\"", "${\"dyn\"}", "d.e", "d.f"];
                let mut used = Vec::new();
                for _ in 0..n {
                    let k = *self.rng.pick(&keys);
                    if used.contains(&k) || (k == "d.e" || k == "d.f") && used.contains(&"d") {
                        continue;
                    }
                    used.push(k);
                    let t = *self.rng.pick(TYS);
                    parts.push(format!("{k} = {};", e(self, t)));
                }
                if let Some(v) = self.var_of(Ty::Int) {
                    if !used.iter().any(|u| *u == v) && self.rng.chance(40) {
                        parts.push(format!("inherit {v};"));
                    }
                }
                format!("{{ {} }}", parts.join(" "))
            }
            2 => format!("({} // {})", e(self, Ty::Attrs), e(self, Ty::Attrs)),
            3 => format!("(builtins.mapAttrs (n: v: n) {})", e(self, Ty::Attrs)),
            4 => format!(
                "(builtins.listToAttrs [ {{ name = {}; value = {}; }} {{ name = \"k\"; value = 2; }} ])",
                e(self, Ty::Str),
                e(self, Ty::Int)
            ),
            5 => format!("(builtins.removeAttrs {} [ \"a\" ])", e(self, Ty::Attrs)),
            6 => format!("(builtins.intersectAttrs {{ a = 1; c = 2; }} {})", e(self, Ty::Attrs)),
            7 => format!("(builtins.parseDrvName {})", e(self, Ty::Str)),
            8 => format!("(builtins.partition (x: x > 3) {})", e(self, Ty::IntList)),
            9 => format!("(builtins.groupBy (x: if x > 3 then \"big\" else \"small\") {})", e(self, Ty::IntList)),
            10 => "(builtins.functionArgs ({ a, b ? 1, ... }: a))".to_string(),
            11 => {
                format!("(builtins.tryEval {})", self.rng.pick(&["(throw \"no\")", "(assert false; 1)", "1", "\"s\""]))
            }
            12 => format!("(rec {{ a = {}; b = [ a ]; }})", e(self, Ty::Int)),
            13 if self.rng.chance(50) => {
                format!("{{ x.y.z = {}; x.y.w = {}; x.q = 1; }}", e(self, Ty::Int), e(self, Ty::Str))
            }
            13 => {
                let k = e(self, Ty::Str);
                format!("{{ \"${{{k}}}-k\" = 1; ${{\"p\" + \"q\"}} = {}; }}", e(self, Ty::Bool))
            }
            _ => format!("(builtins.zipAttrsWith (n: vs: vs) [ {} {{ a = 1; }} ])", e(self, Ty::Attrs)),
        }
    }

    /// A TOML document as a Nix string (no dates: Nix 2.8 refuses them).
    fn toml(&mut self) -> String {
        let lines = [
            "a = 1",
            "b = \\\"x y\\\"",
            "c = [ 1, 2, 3 ]",
            "d = true",
            "e = 1.5",
            "f = { g = 1, h = \\\"i\\\" }",
            "\\\"q k\\\" = 'lit\\\\n'",
            "j.k = 0x1F",
            "l = 1_000",
            "m = [ [ 1 ], [ \\\"a\\\" ] ]",
            "n = 0o17",
            "o = 6.25e-2",
        ];
        let mut text = String::new();
        let mut keys = Vec::new();
        for _ in 0..self.rng.below(4) + 1 {
            let l = *self.rng.pick(&lines);
            let key = l.split(' ').next().unwrap_or("");
            if !keys.contains(&key) {
                keys.push(key);
                text.push_str(l);
                text.push_str("\\n");
            }
        }
        if self.rng.chance(40) {
            text.push_str("[t]\\nx = 1\\n[[arr]]\\ny = 2\\n[[arr]]\\nz = 'w'\\n");
        }
        format!("\"{text}\"")
    }

    /// A derivation, possibly depending on others (its own outputs, `drvPath`, files).
    fn drv(&mut self, d: u32) -> String {
        if self.rng.chance(12) {
            let url = format!("\"https://example.org/{}.tar.gz\"", self.rng.pick(&["a", "b-1.0", "src"]));
            let hash = self.rng.pick(&[
                "sha256 = \"0000000000000000000000000000000000000000000000000000\";",
                "hash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";",
                "sha1 = \"da39a3ee5e6b4b0d3255bfef95601890afd80709\";",
                "hash = \"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==\";",
            ]);
            let extra = self.rng.pick(&["", " unpack = true;", " executable = true;", " name = \"renamed\";"]);
            return format!("(import <nix/fetchurl.nix> {{ url = {url}; {hash}{extra} }})");
        }
        let name = self.rng.pick(&["hello", "lib-1.0", "src", "app", ".dot"]).to_string();
        let mut attrs = vec![
            format!("name = \"{name}\";"),
            format!("builder = \"{}\";", self.rng.pick(&["/bin/sh", "builtin:fetchurl"])),
            "system = \"x86_64-linux\";".to_string(),
        ];
        if d > 0 {
            for _ in 0..self.rng.below(3) {
                let k = self.rng.pick(&["dep", "src", "flag", "args", "outputs", "n"]).to_string();
                if attrs.iter().any(|a| a.starts_with(&format!("{k} ="))) {
                    continue;
                }
                let v = match k.as_str() {
                    "dep" => self.expr(Ty::Drv, d - 1),
                    "src" => format!("\"${{{}}}/src\"", self.expr(Ty::Drv, d - 1)),
                    "flag" => self.expr(Ty::Bool, d - 1),
                    "args" => format!("[ \"-c\" {} ]", self.expr(Ty::Str, d - 1)),
                    "outputs" => "[ \"out\" \"dev\" ]".to_string(),
                    _ => {
                        let t = *self.rng.pick(&[Ty::Int, Ty::Float, Ty::IntList, Ty::Str]);
                        self.expr(t, d - 1)
                    }
                };
                attrs.push(format!("{k} = {v};"));
            }
            if self.rng.chance(15) {
                attrs.push("outputHash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\";".into());
                attrs.retain(|a| !a.starts_with("outputs ="));
                if self.rng.chance(50) {
                    attrs.push("outputHashMode = \"recursive\";".into());
                }
            } else if self.rng.chance(10) {
                attrs.push("__structuredAttrs = true;".into());
            }
        }
        let base = format!("(derivation {{ {} }})", attrs.join(" "));
        if attrs.iter().any(|a| a.starts_with("outputs =")) && self.rng.chance(50) {
            format!("{base}.dev")
        } else {
            base
        }
    }

    /// A program that fails, and how.
    pub fn failing(&mut self) -> String {
        let ok = self.expr(Ty::Int, 2);
        match self.rng.below(42) {
            36 => format!("rec {{ a = {ok}; __overrides = {ok}; }}"),
            37 => format!("{{ x.y = {ok}; x.y = 2; }}"),
            38 => format!("{{ x = {{ y = {ok}; }}; x = {{ y = 2; }}; }}"),
            39 => format!("let a = {{ x = {ok}; }}; in {{ inherit (a) x; x = 2; }}"),
            40 => format!("builtins.match \"{}\" \"a\"", self.rng.pick(&["\\\\d", "a\\\\}", "(", "[a"])),
            41 => format!("let f = n: if n == 0 then {ok} else 1 + f (n - 1); in f 90000"),
            26..=28 => {
                // A program cut short: mostly `unexpected end of file`, at Nix's position.
                let p = self.program();
                let mut cut = self.rng.below(p.len() as u64 + 1) as usize;
                while !p.is_char_boundary(cut) {
                    cut -= 1;
                }
                p[..cut].to_string()
            }
            29 | 30 => {
                // A stray token somewhere.
                let p = self.program();
                let tok = *self.rng.pick(&[
                    ";", "}", ")", "]", "=", "in", "then", "else", ":", ",", "...", "?", "==", "@", "let", "inherit",
                    "\"", "''", "${", "or", "//", "->", "<", "!", ".",
                ]);
                let mut at = self.rng.below(p.len() as u64 + 1) as usize;
                while !p.is_char_boundary(at) {
                    at -= 1;
                }
                // Not inside a "…" string: a stray token there is only a different string (and a
                // derivation name with a space fails with the output path in Nix's message,
                // which drvlab's engine does not print).
                let (mut open, mut esc) = (None, false);
                for (i, c) in p[..at].char_indices() {
                    match (c, open, esc) {
                        (_, Some(_), true) => esc = false,
                        ('\\', Some(_), false) => esc = true,
                        ('"', None, _) => open = Some(i),
                        ('"', Some(_), _) => open = None,
                        _ => {}
                    }
                }
                if let Some(o) = open {
                    at = o;
                }
                format!("{} {tok} {}", &p[..at], &p[at..])
            }
            31 => format!("{} == {} == {}", ok, ok, ok),
            32 => format!("scopedImport {ok} {TREE}/scoped.nix"),
            33 => format!("builtins.path {{ path = {TREE}; bogus = {ok}; }}"),
            34 => format!("builtins.filterSource {ok} {TREE}"),
            35 => {
                format!("builtins.path {{ path = {TREE}/a.txt; recursive = false; sha256 = \"{}\"; }}", "0".repeat(64))
            }
            14 => "rec { a = b; b = a; }.a".into(),
            15 => format!("with {{ a = {ok}; }}; a + b"),
            16 => format!("builtins.elemAt [ {ok} ] 3"),
            17 => "builtins.head [ ]".into(),
            18 => format!("derivation {{ builder = \"b\"; system = \"s\"; x = {ok}; }}"),
            19 => format!("derivation {{ name = \"n\"; system = \"s\"; x = {ok}; }}"),
            20 => "derivation { name = \"n\"; builder = \"b\"; system = \"s\"; outputs = [ \"out\" \"out\" ]; }".into(),
            21 => "builtins.toJSON (x: x)".into(),
            22 => format!("abort \"stop {ok}\""),
            23 => format!("{{ a = {ok}; }} 1"),
            24 => {
                "builtins.parseDrvName (derivation { name = \"n\"; builder = \"b\"; system = \"s\"; }).outPath".into()
            }
            25 => format!("builtins.tail [ ] ++ [ {ok} ]"),
            0 => format!("({ok}) + undefinedVar"),
            1 => format!("{{ a = {ok}; }}.b"),
            2 => "let x = x; in x".into(),
            3 => format!("\"${{{{ a = {ok}; }}}}\""),
            4 => format!("assert {ok} == 1000; 1"),
            5 => format!("({ok}) + \"s\""),
            6 => format!("builtins.length ({ok})"),
            7 => format!("({{ a }}: a) {{ b = {ok}; }}"),
            8 => "({ a }: a) { }".to_string(),
            9 => format!("throw \"boom {ok}\""),
            10 => format!("({ok}) / 0"),
            11 => format!("if {ok} then 1 else 2"),
            12 => format!("({ok}) {ok}"),
            _ => format!("\"a\" < ({ok})"),
        }
    }
}
