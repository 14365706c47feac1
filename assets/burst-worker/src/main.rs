//! thaw's burst worker: a Lambda function (custom runtime, `bootstrap`) that releases its
//! share of a fanned-out burst at an instant shared with the other workers, through
//! thaw's own release engine (`thaw::burst::fanout::work`), and answers one observation
//! per request. `thaw burst URL --fan-out W --worker lambda:NAME` invokes it.

use lambda_runtime::{Error, LambdaEvent, service_fn};

async fn handle(event: LambdaEvent<serde_json::Value>) -> Result<serde_json::Value, Error> {
    Ok(thaw::burst::fanout::work::call(event.payload).await?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
