//! A function on moto for the AWS tests: an IAM role (moto's Lambda checks it exists) and
//! a function with the configuration the tests then expect to see.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;

/// Creates `role` on moto's IAM with one plain query-protocol request (moto takes it
/// unsigned), and returns its ARN.
pub fn role(port: u16, role: &str) -> String {
    let doc = "%7B%7D";
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName={role}&AssumeRolePolicyDocument={doc}"
    );
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: iam.amazonaws.com\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "CreateRole: {answer}");
    format!("arn:aws:iam::123456789012:role/{role}")
}

/// `name` on moto: nodejs22.x, 256 MB, arm64, JSON logs, `reserved` concurrency.
pub async fn create(sdk: &aws_config::SdkConfig, port: u16, name: &str, reserved: Option<i32>) {
    use aws_sdk_lambda::types::{Architecture, FunctionCode, LogFormat, LoggingConfig, Runtime};
    let client = aws_sdk_lambda::Client::new(sdk);
    let role = role(port, &format!("{name}-role"));
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Nodejs22x)
        .role(role)
        .handler("index.handler")
        .memory_size(256)
        .architectures(Architecture::Arm64)
        .logging_config(LoggingConfig::builder().log_format(LogFormat::Json).build())
        .code(
            FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(
                    b"exports.handler = async () => 1".to_vec(),
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    if let Some(r) = reserved {
        client
            .put_function_concurrency()
            .function_name(name)
            .reserved_concurrent_executions(r)
            .send()
            .await
            .unwrap();
    }
}
