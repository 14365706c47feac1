//! `thaw` with no command: the live screen.

use clap::Args;

use crate::config::ThemeName;
use crate::config::layers::Flag;
use crate::session::{Options, Session};

use super::report::ReportRecording;
use super::{Failure, GlobalArgs};

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Fire at this endpoint instead of the embedded emulator (http:// or https://), or
    /// invoke lambda:NAME[:QUALIFIER] through the Lambda API
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Screen theme: default, presentation (large digits, high contrast) or mono
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Frames per second at most (the screen redraws only when something changed)
    #[arg(long, value_name = "N")]
    pub fps: Option<String>,
    /// Burst size the panel starts with
    #[arg(short = 'n', long = "requests", value_name = "N")]
    pub requests: Option<String>,
    /// Record the session (every event, as JSON Lines) to FILE; play it with thaw replay
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// Write an HTML report of the session to FILE on exit (as thaw report makes)
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub fanout: super::fanout::FanOutArgs,
}

impl LiveArgs {
    fn flags(&self) -> Vec<Flag> {
        let pairs = [
            ("--theme", "tui.theme", &self.theme),
            ("--fps", "tui.fps", &self.fps),
            ("--requests", "tui.requests", &self.requests),
        ];
        let mut flags: Vec<Flag> = pairs
            .into_iter()
            .filter_map(|(name, key, v)| v.as_ref().map(|v| Flag::new(name, key, v.clone())))
            .collect();
        flags.extend(self.aws.flags());
        flags
    }
}

/// The flags that point thaw at a function on AWS: the same for the screen and
/// `thaw doctor`.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Watch this Lambda function on AWS (CloudWatch metrics and logs) instead of the
    /// emulator; add --url to fire at its endpoint too
    #[arg(long, value_name = "NAME", help_heading = "AWS")]
    pub function: Option<String>,
    /// A version or alias of the function (metrics for that qualifier)
    #[arg(long, visible_alias = "alias", value_name = "Q", help_heading = "AWS")]
    pub qualifier: Option<String>,
    /// A REST API in front of it: its Count, Latency and 5XXError
    #[arg(long, value_name = "API", help_heading = "AWS")]
    pub api_name: Option<String>,
    /// An HTTP API in front of it, by id
    #[arg(long, value_name = "ID", help_heading = "AWS")]
    pub api_id: Option<String>,
    /// The API's stage
    #[arg(long, value_name = "STAGE", help_heading = "AWS")]
    pub stage: Option<String>,
    /// AWS Region (default: the standard chain, e.g. AWS_REGION or the profile)
    #[arg(long, value_name = "R", help_heading = "AWS")]
    pub region: Option<String>,
    /// AWS profile (default: `AWS_PROFILE`, else the default profile); --profile is
    /// thaw's own (default or demo)
    #[arg(long, value_name = "P", help_heading = "AWS")]
    pub aws_profile: Option<String>,
    /// Another AWS endpoint (`CloudWatch`, the Lambda API), e.g. `LocalStack` or a running
    /// `thaw emulate` (`AWS_ENDPOINT_URL` works too)
    #[arg(long, value_name = "URL", help_heading = "AWS")]
    pub endpoint_url: Option<String>,
    /// The function's log group when it is not /aws/lambda/NAME
    #[arg(long, value_name = "GROUP", help_heading = "AWS")]
    pub log_group: Option<String>,
}

impl AwsArgs {
    pub fn flags(&self) -> Vec<Flag> {
        let pairs = [
            ("--function", "aws.function", &self.function),
            ("--qualifier", "aws.qualifier", &self.qualifier),
            ("--api-name", "aws.api_name", &self.api_name),
            ("--api-id", "aws.api_id", &self.api_id),
            ("--stage", "aws.stage", &self.stage),
            ("--region", "aws.region", &self.region),
            ("--aws-profile", "aws.profile", &self.aws_profile),
            ("--endpoint-url", "aws.endpoint_url", &self.endpoint_url),
            ("--log-group", "aws.log_group", &self.log_group),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, key, v)| v.as_ref().map(|v| Flag::new(name, key, v.clone())))
            .collect()
    }
}

pub async fn run(global: &GlobalArgs, args: LiveArgs) -> Result<(), Failure> {
    let layers = global.layers(args.flags()).map_err(Failure::Config)?;
    let config = crate::config::load(&layers)?;
    if let Some(url) = &args.url {
        let lambda = crate::burst::lambda::LambdaTarget::parse(url)
            .map_err(|e| Failure::Config(e.to_string()))?;
        if lambda.is_none() {
            crate::burst::Target::parse(url).map_err(|e| Failure::Config(e.to_string()))?;
        }
    }
    // An explicit --theme beats NO_COLOR; the configured one does not.
    let theme: Option<ThemeName> = args.theme.as_ref().map(|_| config.tui.theme);
    let fanout = args
        .fanout
        .resolve(config.aws.region.clone())
        .map_err(Failure::Config)?;
    let report = ReportRecording::new(args.record.as_ref(), args.report.as_ref());
    let opts = Options {
        config,
        url: args.url,
        record: ReportRecording::recording(report.as_ref(), args.record.as_ref()),
        replay: None,
        fanout,
    };
    super::screen::run(
        &opts.config,
        theme,
        super::screen::LIVE_HINT,
        async |clock| Session::start(&opts, clock).await,
    )
    .await?;
    match report {
        Some(r) => r.write(None),
        None => Ok(()),
    }
}
