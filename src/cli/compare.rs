//! `thaw compare`: the same plan against two emulated execution models, side by side.

use clap::Args;

use crate::config::ExecutionModel;
use crate::config::layers::Flag;

use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The two models: classic, managed-instances or web-functions
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "classic,web-functions",
        value_name = "A,B"
    )]
    pub models: Vec<String>,
    /// Requests one environment serves at once in the multi-concurrency models
    #[arg(long, value_name = "N", default_value = "10")]
    pub per_env: String,
    /// Burst size the panel starts with
    #[arg(short = 'n', long = "requests", value_name = "N")]
    pub requests: Option<String>,
}

fn model(name: &str) -> Result<ExecutionModel, String> {
    match name.trim() {
        "classic" => Ok(ExecutionModel::Classic),
        "managed-instances" => Ok(ExecutionModel::ManagedInstances),
        "web-functions" => Ok(ExecutionModel::WebFunctions),
        other => Err(format!(
            "--models: '{other}' is not a model; write two of classic, managed-instances, web-functions, e.g. --models classic,web-functions"
        )),
    }
}

pub async fn run(global: &GlobalArgs, args: CompareArgs) -> Result<(), Failure> {
    let [a, b] = args.models.as_slice() else {
        return Err(Failure::Config(
            "--models takes exactly two, e.g. --models classic,web-functions".into(),
        ));
    };
    let models = [
        model(a).map_err(Failure::Config)?,
        model(b).map_err(Failure::Config)?,
    ];
    let mut flags = vec![Flag::new(
        "--per-env",
        "emulator.max_concurrency_per_env",
        args.per_env.clone(),
    )];
    if let Some(n) = &args.requests {
        flags.push(Flag::new("--requests", "tui.requests", n.clone()));
    }
    let layers = global.layers(flags).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    super::screen::run(
        &config,
        None,
        "for a headless run use thaw burst with --set emulator.execution_model=...",
        async |clock| crate::session::Session::compare(&config, models, clock).await,
    )
    .await
}
