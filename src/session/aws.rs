//! The CloudWatch and CloudWatch Logs sources of a session watching AWS.

use crate::clock::Clock;
use crate::config::AwsConfig;
use crate::event::{Event, EventKind, EventSink};
use crate::sources;
use crate::sources::cloudwatch::MetricsSource;
use crate::sources::function::FunctionSource;
use crate::sources::logs::LogsSource;

/// The CloudWatch and CloudWatch Logs tasks of a session watching AWS.
pub(super) struct AwsSources {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl AwsSources {
    /// Starts both sources; problems (no Region, no credentials) are shown in the
    /// status line and never stop the app.
    pub(super) fn spawn(aws: &AwsConfig, clock: Clock, sink: &EventSink) -> Self {
        let aws = aws.clone();
        let sink = sink.clone();
        let task = tokio::spawn(async move {
            let sdk = match sources::aws::sdk_config(&aws).await {
                Ok(c) => c,
                Err(message) => {
                    sink.send(Event::new(
                        clock.stamp(),
                        EventKind::SourceError {
                            source: "aws".into(),
                            message,
                        },
                    ));
                    return;
                }
            };
            let logs =
                LogsSource::new(&sdk, &aws, clock, sink.clone()).map(|s| tokio::spawn(s.run()));
            let metrics =
                MetricsSource::new(&sdk, &aws, clock, sink.clone()).map(|s| tokio::spawn(s.run()));
            let function =
                FunctionSource::new(&sdk, &aws, clock, sink.clone()).map(|s| tokio::spawn(s.run()));
            // Runs until aborted; aborting this task aborts both (their handles drop
            // with it, so abort them explicitly on the way out).
            let _guard = AbortOnDrop(logs.into_iter().chain(metrics).chain(function).collect());
            std::future::pending::<()>().await;
        });
        Self { tasks: vec![task] }
    }

    pub(super) fn shutdown(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}
