//! A trace, rendered as the pipeline it records: each step's label and value, copyable.

use crate::trace::Trace;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PipelineProps {
    pub trace: Trace,
    /// Substrings to mark in long values, each with a class and a tooltip (e.g. an input's hash
    /// modulo standing where its `.drv` path would be).
    #[prop_or_default]
    pub marks: Vec<(String, &'static str, String)>,
    #[prop_or_default]
    pub title: AttrValue,
}

fn copy(text: String) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(&text);
    }
}

/// Splits `value` around the marked substrings.
fn marked(value: &str, marks: &[(String, &'static str, String)]) -> Html {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        let next = marks
            .iter()
            .filter(|(needle, _, _)| !needle.is_empty())
            .filter_map(|m| rest.find(m.0.as_str()).map(|i| (i, m)))
            .min_by_key(|(i, _)| *i);
        match next {
            Some((i, (needle, class, title))) => {
                out.push(html! { {rest[..i].to_string()} });
                out.push(html! { <mark class={*class} title={title.clone()}>{needle.clone()}</mark> });
                rest = &rest[i + needle.len()..];
            }
            None => {
                out.push(html! { {rest.to_string()} });
                break;
            }
        }
    }
    html! { <>{ for out }</> }
}

#[function_component(Pipeline)]
pub fn pipeline(p: &PipelineProps) -> Html {
    html! {
        <ol class="pipeline" aria-label={p.title.clone()}>
            { for p.trace.steps.iter().map(|s| {
                let v = s.value.clone();
                let long = v.len() > 90 || v.contains('\n');
                let onclick = { let v = v.clone(); Callback::from(move |_| copy(v.clone())) };
                html! {
                    <li class="step">
                        <div class="steplabel">{s.label.clone()}
                            <button class="copy" aria-label={format!("copy {}", s.label)} {onclick}>{"copy"}</button>
                        </div>
                        if long { <pre class="val">{marked(&v, &p.marks)}</pre> } else { <code class="val">{marked(&v, &p.marks)}</code> }
                    </li>
                }
            }) }
        </ol>
    }
}
