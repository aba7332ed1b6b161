fn main() -> std::process::ExitCode {
    // Before anything can panic: a panic's message may quote case text.
    safetable::telemetry::install_panic_hook();
    safetable::cli::main()
}
