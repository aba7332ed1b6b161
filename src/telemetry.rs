//! Structured logs to stderr. Log lines carry ids, counts and durations; never case
//! content, query text or credentials.

/// Installs the subscriber: `RUST_LOG` (default `info`), JSON when `SAFETABLE_LOG=json`.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("SAFETABLE_LOG").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
