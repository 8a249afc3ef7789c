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
