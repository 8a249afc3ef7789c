//! Prints rnix's tree of an expression (for checking how the parser reads a form).
fn main() {
    let text = std::env::args().nth(1).unwrap_or_default();
    let p = rnix::Root::parse(&text);
    println!("{:#?}", p.syntax());
    println!("{:?}", p.errors());
}
