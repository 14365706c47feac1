//! `thaw completions SHELL` and `thaw man`: shell completions and the man page, both made
//! from the same clap definitions as `--help`, so none of them can drift.

use std::io::Write as _;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use super::{Cli, Failure};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    #[arg(value_name = "SHELL", value_parser = shell)]
    pub shell: Shell,
}

fn shell(s: &str) -> Result<Shell, String> {
    Shell::from_str(s, true).map_err(|_| {
        format!("'{s}' is not a shell thaw completes; use bash, zsh, fish, elvish or powershell")
    })
}

/// Prints the completion script for `shell` to stdout.
pub fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "thaw", &mut out);
    write_out(&out)
}

/// Prints the man page (roff) to stdout: `thaw man > thaw.1; man ./thaw.1`.
pub fn man() -> Result<(), Failure> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Failure::Run(format!("cannot render the man page: {e}")))?;
    write_out(&out)
}

fn write_out(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("cannot write to stdout: {e}")))
}
