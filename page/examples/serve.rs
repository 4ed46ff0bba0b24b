//! The playground alone: `cargo run -p unified-message-page --example serve [ADDRESS]`, then
//! open the address it prints (127.0.0.1:8080 unless another is given).

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let address: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{arg}: {e}"))
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!(
        "the policy playground is at http://{}/",
        listener.local_addr()?
    );
    axum::serve(listener, unified_message_page::router()).await
}
