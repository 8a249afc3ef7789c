//! The page's Nix evaluator, run in a Web Worker: a separate wasm module (index.html:
//! `data-bin="drvlab-nix-worker" data-type="worker"`), fetched only when the code view is first
//! opened, so the main bundle never links rnix or the evaluator, and a runaway program never
//! freezes the tab (the page terminates and restarts the worker on a timeout).
//!
//! Messages are JSON strings both ways: `drvlab_nixlang::sweep::respond` does the whole job; this
//! file only receives, times and posts. Natively it does nothing but say so.

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let request = e.data().as_string().unwrap_or_default();
        let t0 = js_sys::Date::now();
        let answer = drvlab_nixlang::sweep::respond(&request, &js_sys::Date::now);
        let ms = js_sys::Date::now() - t0;
        // `answer` is a JSON object: the time goes in as its first member.
        let timed = match answer.strip_prefix('{') {
            Some(rest) => format!("{{\"ms\":{ms},{rest}"),
            None => answer,
        };
        let _ = reply.post_message(&JsValue::from_str(&timed));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("{\"op\":\"ready\"}"));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "drvlab-nix-worker is the page's Web Worker (wasm32 only); natively, use `drvlab eval` / `drvlab instantiate`"
    );
    std::process::exit(2);
}
