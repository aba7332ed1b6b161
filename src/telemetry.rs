//! Structured logs to stderr. Log lines carry ids, counts and durations; never case
//! content, query text or credentials. Nor do panics: [`install_panic_hook`] replaces
//! std's hook, which prints the panic's message (a bad string slice quotes up to 256
//! bytes of the string: case text).

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

/// The one line the panic hook writes: where the panic happened and a fixed message.
/// Takes no payload, so it cannot print one.
pub fn panic_report(location: Option<&std::panic::Location<'_>>) -> String {
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("unnamed");
    match location {
        Some(l) => format!(
            "panic in thread '{thread}' at {}:{}:{}; its message is withheld (it may quote case text)",
            l.file(),
            l.line(),
            l.column()
        ),
        None => format!(
            "panic in thread '{thread}' at an unknown location; its message is withheld (it may quote case text)"
        ),
    }
}

/// Replaces the panic hook with one that logs only [`panic_report`] (location and a
/// fixed message, never the payload): through the log subscriber when one is installed,
/// else to stderr. `main` installs it before running any command (`serve`, `demo`,
/// `import`, `redact`); a program embedding the library calls it likewise.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let report = panic_report(info.location());
        if tracing::dispatcher::has_been_set() {
            tracing::error!("{report}");
        } else {
            eprintln!("{report}");
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_report_names_the_location_and_never_the_payload() {
        static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
        let canary = "Zorbatcanary Quillane 7712331";
        let previous = std::panic::take_hook();
        // The hook as installed, but writing to SEEN (only this test's panic).
        std::panic::set_hook(Box::new(|info| {
            if std::thread::current().name() == Some("panicking-with-case-text") {
                let report = panic_report(info.location());
                SEEN.lock().unwrap_or_else(|e| e.into_inner()).push(report);
            }
        }));
        let result = std::thread::Builder::new()
            .name("panicking-with-case-text".into())
            .spawn(move || {
                let text = std::hint::black_box(format!("{canary} é"));
                let end = std::hint::black_box(text.len() - 1);
                // A slicing panic: std's message quotes the string.
                text[..end].len()
            })
            .map(|h| h.join());
        std::panic::set_hook(previous);
        let Ok(Err(payload)) = result else {
            panic!("the thread did not panic");
        };
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("Zorbatcanary"), "std's message: {message}");
        let seen = SEEN.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].contains("src/telemetry.rs:"), "{}", seen[0]);
        assert!(seen[0].contains("withheld"), "{}", seen[0]);
        assert!(!seen[0].contains("Zorbatcanary"), "{}", seen[0]);
        assert!(!seen[0].contains("7712331"), "{}", seen[0]);
    }
}
