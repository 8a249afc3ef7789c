//! The compact panel for documentation `<iframe>`s: the scenario, the edit to try (one button),
//! the selected derivation's paths, and what moved. No site chrome.
//!
//! Drawn with plain DOM calls (web-sys), not Yew: the embed is one panel redrawn whole after each
//! of its few actions, and Yew's runtime was a third of the embed's bundle. The markup is the one
//! the page's components use for the same things (classes, roles, test ids), so `www/app.css`
//! styles both. Clicks are handled once, on `#app`, by each button's `data-action`.

use super::dag::{fate_class, fate_mark};
use super::share;
use crate::lab::playground::{account, drv_fates, Action, DrvFate, Playground};
use std::cell::RefCell;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Document, Element};

thread_local! {
    /// The embed's state (the page keeps its own in Yew's reducer).
    static STATE: RefCell<Option<Playground>> = const { RefCell::new(None) };
}

/// Mounts the embed on `<body>`: the state from the link, its notices and the panel. The entry
/// point of the `drvlab-embed` bundle (index.html's loader starts it for `?embed` pages).
pub fn start() {
    share::install_plain_panic_hook();
    let p = share::initial(Playground::lean_from_scenario, Playground::reduce_embed);
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Ok(root), Some(body)) = (doc.create_element("div"), doc.body()) else { return };
    root.set_id("app");
    root.set_class_name("embedded");
    let _ = root.set_attribute("data-ready", "false");
    let _ = body.append_child(&root);
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(|e: web_sys::Event| {
        let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
        let Some(button) = target.and_then(|t| t.closest("[data-action]").ok().flatten()) else { return };
        match button.get_attribute("data-action").as_deref() {
            Some("try") => dispatch(Action::TrySuggested),
            Some("undo") => dispatch(Action::Undo),
            Some("dismiss") => dispatch(Action::Notice(None)),
            Some("copy") => {
                if let Some(text) = button.get_attribute("data-copy") {
                    super::copy_to_clipboard(&text);
                }
            }
            _ => {}
        }
    });
    let _ = root.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget(); // lives as long as the page
    render(&doc, &root, &p);
    let _ = root.set_attribute("data-ready", "true");
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"drvlabFirstPathsMs".into(), &super::now_ms().into());
    }
    // The fragment follows the state, as on the full page (the embed keeps no session).
    share::sync_fragment(&p);
    STATE.with(|s| *s.borrow_mut() = Some(p));
}

/// Performs an action; a state that changed is drawn again and written to the fragment.
fn dispatch(a: Action) {
    let Some(next) = STATE.with(|s| s.borrow().as_ref().and_then(|p| p.reduce_embed(a))) else { return };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some((doc, root)) = doc.and_then(|d| d.get_element_by_id("app").map(|r| (d, r))) {
        render(&doc, &root, &next);
    }
    share::sync_fragment(&next);
    STATE.with(|s| *s.borrow_mut() = Some(next));
}

/// Builds elements under one document.
struct Dom<'a>(&'a Document);

impl Dom<'_> {
    /// `<tag class=…>` appended to `parent`.
    fn el(&self, parent: &Element, tag: &str, class: &str) -> Element {
        let e = self.0.create_element(tag).expect("create_element");
        if !class.is_empty() {
            e.set_class_name(class);
        }
        let _ = parent.append_child(&e);
        e
    }

    fn text(&self, parent: &Element, text: &str) {
        let _ = parent.append_child(&self.0.create_text_node(text));
    }

    /// `<tag class=…>text</tag>` appended to `parent`.
    fn el_text(&self, parent: &Element, tag: &str, class: &str, text: &str) -> Element {
        let e = self.el(parent, tag, class);
        self.text(&e, text);
        e
    }

    fn button(&self, parent: &Element, class: &str, action: &str, label: &str, disabled: bool) -> Element {
        let b = self.el_text(parent, "button", class, label);
        let _ = b.set_attribute("data-action", action);
        if disabled {
            let _ = b.set_attribute("disabled", "");
        }
        b
    }
}

fn set(e: &Element, name: &str, value: &str) {
    let _ = e.set_attribute(name, value);
}

/// Draws the whole embed into `#app`.
fn render(doc: &Document, root: &Element, p: &Playground) {
    root.set_text_content(None);
    let d = Dom(doc);
    // The page's notices: its message (dismissable) and a link it refused to open.
    if let Some(n) = &p.notice {
        let div = d.el(root, "div", "notice");
        set(&div, "role", "alert");
        d.text(&div, n);
        let close = d.button(&div, "small", "dismiss", "×", false);
        set(&close, "aria-label", "dismiss");
    }
    if let Some(link) = share::refused_link() {
        let div = d.el(root, "div", "notice refused");
        set(&div, "role", "status");
        let label = d.el_text(&div, "label", "", "The link that was not opened:");
        set(&label, "for", "refused-link");
        let row = d.el(&div, "div", "row");
        let input = d.el(&row, "input", "grow");
        set(&input, "id", "refused-link");
        set(&input, "type", "text");
        set(&input, "readonly", "");
        set(&input, "value", &link);
        let copy = d.button(&row, "", "copy", "Copy it", false);
        set(&copy, "data-copy", &link);
    }
    panel(&d, &d.el(root, "div", "embed"), p);
}

fn panel(d: &Dom, embed: &Element, p: &Playground) {
    let computed = p.computed.clone();
    if let Some(s) = &p.scenario {
        d.el_text(embed, "h2", "", s.title);
        let try_this = d.el(embed, "p", "try");
        d.el_text(&try_this, "strong", "", "Try this: ");
        d.text(&try_this, s.try_this);
        if let Some(sg) = &p.suggested {
            let c = d.el(embed, "p", "computed");
            d.el_text(&c, "strong", "", "The suggested edit, computed: ");
            d.el_text(&c, "span", "verdict", &sg.verdict);
            d.text(&c, ". ");
            d.text(&c, &sg.moves);
            d.text(&c, ".");
        }
        let row = d.el(embed, "div", "row");
        d.button(&row, "", "try", &format!("Try it: set {}'s {}", s.edit.0, s.edit.1), p.last_change.is_some());
        d.button(&row, "", "undo", "Undo", !p.can_undo());
    }
    // Every derivation, inputs first, so the embed shows what collapses and what moves.
    let (mut order, _) = crate::lab::eval::spec_order(&p.specs);
    order.extend(p.specs.keys().filter(|k| !order.contains(k)).cloned().collect::<Vec<_>>());
    let fates: Vec<(String, DrvFate)> = p.last_change.as_ref().map(|c| drv_fates(c, &p.specs)).unwrap_or_default();
    let paths = d.el(embed, "div", "paths-compact");
    set(&paths, "aria-label", "paths");
    for k in &order {
        let Some(r) = computed.eval.resolution.entries.get(k).or_else(|| p.last_good.eval.resolution.entries.get(k))
        else {
            continue;
        };
        let moved = |o: Option<&str>| {
            p.last_change
                .as_ref()
                .is_some_and(|c| c.changes.iter().any(|x| x.moved() && x.id.key == *k && x.id.output.as_deref() == o))
        };
        let fate = fates.iter().find(|(key, _)| key == k).map(|(_, f)| f);
        if let Some(mark) = fate_mark(fate) {
            let class = match fate_class(fate) {
                Some(c) => format!("fateline {c}"),
                None => "fateline".into(),
            };
            d.el_text(&paths, "div", &class, &format!("{k}: {mark}"));
        }
        let line = |label: String, testid: String, path: &str, moved: bool| {
            let l = d.el(&paths, "div", if moved { "pathline moved" } else { "pathline" });
            d.el_text(&l, "span", "lbl", &label);
            let code = d.el_text(&l, "code", "", path);
            set(&code, "data-testid", &testid);
        };
        line(format!("{k} .drv"), format!("drv-path-{k}"), &r.drv_path, moved(None));
        for (o, path) in &r.outputs {
            let path = path.as_deref().unwrap_or("unknown until built");
            line(format!("{k} {o}"), format!("out-path-{k}-{o}"), path, moved(Some(o)));
        }
    }
    if let Some(c) = &p.last_change {
        let change = d.el(embed, "div", "change");
        set(&change, "aria-live", "polite");
        for (i, l) in account(c, &computed, &p.specs).into_iter().enumerate() {
            if i == 0 {
                let v = d.el(&change, "p", "verdict");
                d.el_text(&v, "strong", "", &l);
            } else {
                d.el_text(&change, "p", "", &l);
            }
        }
        d.el_text(
            &change,
            "p",
            "legend",
            "● output moved: rebuilds · ○ only the .drv moved: old output reused · ◌ builds to learn its output",
        );
    }
    if !computed.eval.errors.is_empty() {
        let errors = d.el(embed, "div", "errors");
        set(&errors, "role", "alert");
        set(&errors, "data-testid", "embed-errors");
        for e in &computed.eval.errors {
            d.el_text(&errors, "p", "", &e.describe());
        }
    }
    let open = d.el(embed, "p", "open");
    let a = d.el_text(&open, "a", "", "Open in the full playground ↗");
    set(&a, "href", &share::link_for(p).unwrap_or_default());
    set(&a, "target", "_blank");
    set(&a, "rel", "noopener");
}
