//! The `thaw` binary: everything lives in the library; this only runs the CLI.

fn main() -> std::process::ExitCode {
    thaw::cli::main()
}
