//! Writes the JSON Schema of the policy format to `schema/policy.schema.json`, from the
//! document types (`cargo run --example write_schema --features schema`). `tests/schema.rs`
//! fails while the committed file differs from what the types generate.

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/policy.schema.json");
    let mut text = serde_json::to_string_pretty(&unified_message::document::policy_schema())?;
    text.push('\n');
    std::fs::create_dir_all(path.parent().ok_or("no parent directory")?)?;
    std::fs::write(&path, text)?;
    println!("wrote {}", path.display());
    Ok(())
}
