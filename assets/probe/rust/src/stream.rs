//! A streaming function for Rust (`lambda_runtime`'s streaming response): it writes its
//! answer in parts, 400 ms apart, so a caller sees the first bytes long before the last
//! are written. `lambda_runtime` sends a streamed answer with an HTTP prelude (status,
//! headers): a function URL answers with it; `InvokeWithResponseStream` passes it on.

use std::time::Duration;

use lambda_runtime::streaming::{Body, Response, channel};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn handler(_event: LambdaEvent<Value>) -> Result<Response<Body>, Error> {
    let (mut tx, rx) = channel();
    tokio::spawn(async move {
        if tx.send_data("first part\n".into()).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let _ = tx.send_data("last part\n".into()).await;
        }
    });
    let mut response = Response::from(rx);
    if let Ok(v) = "text/plain".parse() {
        response.metadata_prelude.headers.insert("content-type", v);
    }
    if let Ok(v) = "rust".parse() {
        response.metadata_prelude.headers.insert("x-streamed-by", v);
    }
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
