//! An async host: a plain tokio task per incoming message, every node sharing the pins in
//! PostgreSQL. Run with `cargo run -p unified-message-postgres --example tokio_host` (reads
//! `UM_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`); without a
//! server it says so and exits successfully.

use std::sync::Arc;

use unified_message::pins::Timestamp;
use unified_message::{Channel, Contact, Engine, Responder};
use unified_message_postgres::{PostgresPinStore, StoreOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("UM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    // Connecting applies the migrations (idempotent; safe when every node does it at start).
    let schema = format!("um_example_{}", std::process::id());
    let store = match PostgresPinStore::connect(&url, StoreOptions::new(schema)).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("SKIPPED: no PostgreSQL at {url}: {e}");
            return Ok(());
        }
    };
    let engine = Arc::new(Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?);

    // Three messages from one customer arrive on three channels at once: one task each.
    let tasks: Vec<_> = [Channel::Chat, Channel::Email, Channel::Web]
        .into_iter()
        .map(|channel| {
            let (engine, store) = (Arc::clone(&engine), store.clone());
            tokio::spawn(async move {
                let contact = Contact::new("customer-42", channel.clone())
                    .with_topic("email.setup")
                    .with_locale("en");
                let now = Timestamp::from(std::time::SystemTime::now());
                let pinned = engine
                    .decide_pinned_async(
                        &contact,
                        &Responder::system("self-diagnosis"),
                        &store,
                        now,
                    )
                    .await?;
                Ok::<_, unified_message::PinError>(format!(
                    "{channel}: [{}] {} v{}",
                    pinned.status(),
                    pinned.decision().message_id(),
                    pinned.decision().version()
                ))
            })
        })
        .collect();
    for task in tasks {
        match task.await? {
            Ok(line) => println!("{line}"),
            // A store failure: nothing was delivered; the host retries or answers unpinned.
            Err(e) => eprintln!("not delivered: {e}"),
        }
    }
    store.drop_schema().await?;
    Ok(())
}
