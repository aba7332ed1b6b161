fn main() -> std::process::ExitCode {
    safetable::cli::main()
}
