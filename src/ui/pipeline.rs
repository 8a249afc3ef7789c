//! A trace, rendered as the pipeline it records: each step's label and value, copyable.

use drvlab_engine::trace::Trace;
use yew::prelude::*;

/// A marked byte range of a step's value: start, end, mark class, tooltip.
pub type SpanMark = (usize, usize, &'static str, String);

#[derive(Properties, PartialEq)]
pub struct PipelineProps {
    pub trace: Trace,
    /// Substrings to mark in long values, each with a class and a tooltip (e.g. an input's hash
    /// modulo standing where its `.drv` path would be).
    #[prop_or_default]
    pub marks: Vec<(String, &'static str, String)>,
    #[prop_or_default]
    pub title: AttrValue,
    /// Per step index: marks as byte ranges of its value (the ATerm's parts), which take the
    /// place of `marks` for that step.
    #[prop_or_default]
    pub spans: Vec<(usize, Vec<SpanMark>)>,
    /// Per step index: the plain words for it, chosen by who shows the trace from the computed
    /// kinds ([`crate::lab::words::step_words_in`]); a step not listed gets the words for its label.
    #[prop_or_default]
    pub words: Vec<(usize, String)>,
}

/// Every marked stretch of an ATerm, with what it is, as visible text (the tooltips stay as
/// extras). Plain field strings are summarised by the legend, so only the marks that say
/// something beyond "a field" are listed.
fn mark_list(value: &str, spans: &[SpanMark]) -> Html {
    let items = spans.iter().filter(|(_, _, class, _)| *class != "fld").filter_map(|(start, end, class, title)| {
        value
            .get(*start..*end)
            .map(|text| html! { <li><mark class={*class}>{text.to_string()}</mark>{" — "}{title.clone()}</li> })
    });
    html! { <ul class="marklist">{ for items }</ul> }
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

/// Splits `value` at the given byte ranges (in order, not overlapping).
fn spanned(value: &str, spans: &[SpanMark]) -> Html {
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, class, title) in spans {
        let (Some(before), Some(inner)) = (value.get(at..*start), value.get(*start..*end)) else { continue };
        out.push(html! { {before.to_string()} });
        out.push(html! { <mark class={*class} title={title.clone()}>{inner.to_string()}</mark> });
        at = *end;
    }
    out.push(html! { {value.get(at..).unwrap_or_default().to_string()} });
    html! { <>{ for out }</> }
}

#[function_component(Pipeline)]
pub fn pipeline(p: &PipelineProps) -> Html {
    html! {
        <ol class="pipeline" aria-label={p.title.clone()}>
            { for p.trace.steps.iter().enumerate().map(|(i, s)| {
                let v = s.value.clone();
                let body = match p.spans.iter().find(|(j, _)| *j == i) {
                    Some((_, sp)) => spanned(&v, sp),
                    None => marked(&v, &p.marks),
                };
                let long = v.len() > 90 || v.contains('\n');
                let onclick = { let v = v.clone(); Callback::from(move |_| super::copy_to_clipboard(&v)) };
                let words = p.words.iter().find(|(j, _)| *j == i).map(|(_, w)| w.clone())
                    .or_else(|| crate::lab::words::step_words(&s.label).map(str::to_string));
                let sp = p.spans.iter().find(|(j, _)| *j == i).map(|(_, sp)| sp.clone());
                html! {
                    <li class="step">
                        <div class="steplabel"><span class="stepname">{s.label.clone()}</span>
                            <button class="copy" aria-label={format!("copy {}", s.label)} {onclick}>{"copy"}</button>
                        </div>
                        if let Some(w) = words { <p class="plain">{w}</p> }
                        if sp.is_some() {
                            <p class="marklegend">{"Marks: "}
                                <mark class="fld">{"a field"}</mark>{" "}<mark class="inp">{"an input"}</mark>{" "}
                                <mark class="repl">{"an input's hash, in place of its .drv path"}</mark>{" "}<mark class="src">{"a source"}</mark>{" "}
                                <mark class="own">{"own output"}</mark>{" "}<mark class="blank">{"blanked"}</mark>{" (each is listed below the value)"}</p>
                        }
                        if long { <pre class="val">{body}</pre> } else { <code class="val">{body}</code> }
                        if let Some(sp) = sp { { mark_list(&v, &sp) } }
                    </li>
                }
            }) }
        </ol>
    }
}
