//! Traces: the named steps a computation took, recorded by the code that computes.
//!
//! The page's "how" views and `drvlab explain` render these; nothing re-derives a value for
//! display. Recording can be switched off (the benchmark, the sensitivity sweep) without taking a
//! different code path: the same functions run and simply keep no notes.

/// Which part of a derivation wrote a stretch of its ATerm (the page marks each one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "part", content = "of", rename_all = "camelCase")]
pub enum Part {
    OutputName(String),
    /// An output's path; `blank` when masked for `hashDerivationModulo`.
    OutputPath {
        output: String,
        blank: bool,
    },
    /// `outputHashAlgo` (with its `r:` mode prefix) or `outputHash` of a fixed output.
    OutputHashAlgo(String),
    OutputHash(String),
    /// An input as printed: its `.drv` path, or the hash modulo standing in for it.
    Input(String),
    InputOutputs(String),
    InputSrc(String),
    System,
    Builder,
    Arg(usize),
    EnvName(String),
    /// An env value; `blank` for an output's own path masked while hashing.
    EnvValue {
        name: String,
        blank: bool,
    },
}

/// Bytes `start..end` of an ATerm (a quoted string, quotes included) and the part that wrote them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub part: Part,
}

/// One named intermediate value, e.g. `fingerprint` = `output:out:sha256:…:/nix/store:hello`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub label: String,
    pub value: String,
    /// For an ATerm: which part of the derivation wrote each stretch of `value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<Span>,
}

/// An ordered list of steps; sub-computations are recorded under a `section` heading step.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    pub steps: Vec<Step>,
    #[serde(skip)]
    pub off: bool,
}

impl Trace {
    /// A trace that records nothing (for sweeps and benchmarks).
    pub fn off() -> Trace {
        Trace { steps: Vec::new(), off: true }
    }

    pub fn is_on(&self) -> bool {
        !self.off
    }

    /// Records a value the computation already has in hand.
    pub fn step(&mut self, label: &str, value: impl AsRef<str>) {
        if !self.off {
            self.steps.push(Step { label: label.to_string(), value: value.as_ref().to_string(), spans: Vec::new() });
        }
    }

    /// Records a value that exists only for the reader (a hex rendering, say); not computed
    /// when recording is off.
    pub fn step_with(&mut self, label: &str, value: impl FnOnce() -> String) {
        if !self.off {
            self.steps.push(Step { label: label.to_string(), value: value(), spans: Vec::new() });
        }
    }

    /// Records an ATerm together with the parts of the derivation each stretch of it came from.
    pub fn step_aterm(&mut self, label: &str, aterm: &[u8], spans: Vec<Span>) {
        if !self.off {
            let value = String::from_utf8_lossy(aterm).into_owned();
            self.steps.push(Step { label: label.to_string(), value, spans });
        }
    }

    /// The value of the last step with this label.
    pub fn get(&self, label: &str) -> Option<&str> {
        self.steps.iter().rev().find(|s| s.label == label).map(|s| s.value.as_str())
    }

    /// Renders the steps as `label: value` lines.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for step in &self.steps {
            if step.value.contains('\n') || step.value.len() > 100 {
                s.push_str(&format!("{}:\n    {}\n", step.label, step.value.replace('\n', "\n    ")));
            } else {
                s.push_str(&format!("{}: {}\n", step.label, step.value));
            }
        }
        s
    }
}
