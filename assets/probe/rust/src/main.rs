//! The probe as a Lambda custom runtime (provided.al2023): `bootstrap`.

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use thaw_probe::Probe;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Init starts when the process does: this is its first line.
    let started = Instant::now();
    let random = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        ^ u128::from(std::process::id()) << 64;
    let stream = std::env::var("AWS_LAMBDA_LOG_STREAM_NAME").ok();
    let init_type = std::env::var("AWS_LAMBDA_INITIALIZATION_TYPE").ok();
    // Init ends when the runtime first asks for work, right after this.
    let init_ms = started.elapsed().as_secs_f64() * 1000.0;
    let probe = Arc::new(Mutex::new(Probe::new(
        stream.as_deref(),
        init_type.as_deref(),
        init_ms,
        random,
    )));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let probe = probe.clone();
        async move {
            let wait = Probe::sleep(&event.payload);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let answer = probe.lock().map_or_else(
                |_| serde_json::json!({"statusCode": 500, "body": "probe state poisoned"}),
                |mut p| p.respond(),
            );
            Ok::<Value, Error>(answer)
        }
    }))
    .await
}
