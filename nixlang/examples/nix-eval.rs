//! `nix-eval [-E expr | FILE] [-A attr] [--strict] [--json] [--drv]`: the CLI's evaluation
//! without the rest of drvlab (quick to build while working on the evaluator).

fn main() {
    let mut req = drvlab_nixlang::cli::Request::default();
    let mut drv = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-E" => req.expr = args.next(),
            "-A" => req.attr = args.next(),
            "-I" => req.include.extend(args.next()),
            "--strict" => req.strict = true,
            "--json" => req.json = true,
            "--drv" => drv = true,
            "--small-stack" => {
                // The library's default budget on a 1 MiB stack, as in a browser.
                let e = args.next().unwrap_or_default();
                let r = std::thread::Builder::new()
                    .stack_size(1 << 20)
                    .spawn(move || {
                        let mut opts = drvlab_nixlang::Options::default();
                        if let Some(d) = std::env::var("DEPTH").ok().and_then(|d| d.parse().ok()) {
                            opts.budget.max_depth = d;
                        }
                        let mut ev = drvlab_nixlang::Evaluator::new(Box::new(drvlab_nixlang::fs::MemFs::new()), opts);
                        let r = ev.eval_str(&e, "/").and_then(|v| ev.print(&v, true));
                        r.map_err(|e| ev.render_error(&e))
                    })
                    .expect("spawn")
                    .join()
                    .expect("evaluator thread");
                println!("{r:?}");
                return;
            }
            f => req.file = Some(f.to_string()),
        }
    }
    let r = if drv { drvlab_nixlang::cli::instantiate(req) } else { drvlab_nixlang::cli::eval(req) };
    match r {
        Ok(s) => print!("{s}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
