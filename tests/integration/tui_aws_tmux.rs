//! End to end on "AWS": `thaw --function` inside tmux, reading a function's logs from
//! moto as a user would point it at a real account; and the same without a Region,
//! where the screen says what to do and keeps running.

use crate::common::tmux;

use crate::common::aws_servers;
use crate::common::lambda_fn;
use crate::common::lambda_logs;
use crate::common::scratch;

use crate::common::tools::{Tool, need};
use tmux::{Session, tmux, wait_for};

/// Starts `thaw ARGS` in a fresh tmux session with `env` (and no AWS settings from the
/// outside: a scratch HOME, no AWS_* variables).
/// The scratch HOME lives as long as the session.
fn start(tag: &str, args: &str, env: &str) -> (Session, scratch::Scratch) {
    let home = scratch::scratch("home");
    std::fs::create_dir_all(&home).unwrap();
    let prefix = format!(
        "env -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN AWS_EC2_METADATA_DISABLED=true HOME={} {env}",
        home.display()
    );
    (
        tmux::start(&format!("aws-{tag}"), 140, 40, &prefix, args),
        home,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs tmux, moto, LocalStack and the AWS clients: ./scripts/test runs it"]
async fn a_function_on_aws_shows_its_environments_from_its_logs() {
    need(&[Tool::Tmux, Tool::AwsServers]);
    let server = aws_servers::moto();
    let sdk = aws_servers::sdk(&server.url).await;
    lambda_fn::create(&sdk, server.port, "hello", Some(10)).await;
    let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    lambda_logs::put(&client, "/aws/lambda/hello", &lambda_logs::streams(false)).await;
    // The endpoint through AWS_ENDPOINT_URL, as the AWS CLI takes it.
    let (s, _home) = start(
        "logs",
        "--function hello --region us-east-1",
        &format!(
            "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_ENDPOINT_URL={}",
            server.url
        ),
    );
    let screen = wait_for(&s.0, "warm      3");
    assert!(
        screen.contains("hello (watching; --url to fire)"),
        "{screen}"
    );
    assert!(screen.contains("envs      3"), "{screen}");
    assert!(screen.contains("cold      2"), "{screen}");
    assert!(screen.contains("warm      3"), "{screen}");
    assert!(screen.contains("REPORT RequestId"), "{screen}");
    assert!(screen.contains("Duration (REPORT)"), "{screen}");
    // The function's configuration, from lambda:GetFunction: in the title and the panel.
    let screen = wait_for(&s.0, "reserved 10");
    assert!(screen.contains("· nodejs22.x 256 MB arm64"), "{screen}");
    // The status follows the first poll's events, so it may be a frame behind them.
    wait_for(&s.0, "logs: polling /aws/lambda/hello");
    // Firing without an endpoint says how to get one; the app keeps running.
    tmux(&["send-keys", "-t", &s.0, "Enter"]);
    wait_for(&s.0, "pass --url ENDPOINT to fire");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn no_region_is_a_status_line_and_the_app_keeps_running() {
    need(&[Tool::Tmux]);
    let (s, _home) = start("noregion", "--function hello", "");
    wait_for(&s.0, "no AWS Region: pass --region");
    tmux(&["send-keys", "-t", &s.0, "?"]);
    wait_for(&s.0, "Keys");
    tmux(&["send-keys", "-t", &s.0, "q"]);
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}

#[test]
#[ignore = "needs tmux: ./scripts/test runs it"]
fn no_credentials_is_a_status_line_naming_the_fix() {
    need(&[Tool::Tmux]);
    let (s, _home) = start("nocreds", "--function hello --region eu-west-1", "");
    wait_for(
        &s.0,
        "no AWS credentials; run `aws configure` or `aws sso login`",
    );
    tmux(&["send-keys", "-t", &s.0, "q"]);
    wait_for(&s.0, "thaw-exited-0");
}
