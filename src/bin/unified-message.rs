//! The `unified-message` command-line tool (being written).
fn main() {}
