//! Configuration: the model, its defaults and profiles. Layers are applied in
//! [`layers`] (defaults < profile < file < `THAW_*` environment < flags); every rule
//! a value must meet is one function in [`validate`].

pub mod aws;
pub mod cloudwatch;
pub mod layers;
pub mod pricing;
pub mod runtime;
pub mod tui;
mod validate;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

pub use aws::AwsConfig;
pub use cloudwatch::CloudWatchConfig;
pub use layers::{Layers, load, load_text};
pub use pricing::PricingConfig;
pub use tui::{PlanKind, ThemeName, TuiConfig};

use crate::config::runtime::Runtime;

/// Everything thaw can be told. `config/default.toml` shows every key with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Named set of defaults applied before the file: `default` or `demo`.
    pub profile: Profile,
    pub emulator: EmulatorConfig,
    pub tui: TuiConfig,
    pub aws: AwsConfig,
    /// What Lambda charges, for `thaw whatif`.
    pub pricing: PricingConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            profile: Profile::Default,
            emulator: EmulatorConfig::default(),
            tui: TuiConfig::default(),
            aws: AwsConfig::default(),
            pricing: PricingConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Realistic: idle environments live about ten minutes.
    Default,
    /// For a room: idle environments disappear within a minute.
    Demo,
}

impl Profile {
    /// The profile's overrides, as TOML, applied on top of the built-in defaults.
    pub fn overlay(self) -> &'static str {
        match self {
            Self::Default => "",
            Self::Demo => include_str!("../config/profiles/demo.toml"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Demo => "demo",
        }
    }
}

/// Which API Gateway front the emulator imitates; it decides the status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Front {
    RestApi,
    HttpApi,
    FunctionUrl,
}

impl Front {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RestApi => "rest-api",
            Self::HttpApi => "http-api",
            Self::FunctionUrl => "function-url",
        }
    }
}

/// Which free environment a request goes to when several could take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// The most recently used: serial traffic stays on one environment while the others
    /// age towards reclaim (what Lambda is observed to do).
    MostRecent,
    /// The least recently used: spreads traffic, keeping every environment warm.
    LeastRecent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    Text,
    Json,
}

/// The embedded Lambda emulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmulatorConfig {
    pub bind: IpAddr,
    pub port: u16,
    pub front: Front,
    pub function_name: String,
    pub region: String,
    pub runtime: Runtime,
    pub memory_mb: u32,
    pub timeout_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    pub jitter: f64,
    pub account_concurrency: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    pub provisioned_concurrency: u32,
    pub scaling_burst: u32,
    pub scaling_refill_per_s: f64,
    pub idle_reclaim_s: f64,
    pub idle_reclaim_jitter_s: f64,
    pub max_lifetime_s: f64,
    pub max_lifetime_jitter_s: f64,
    /// Provisioned environments are recycled about this often (± a quarter); 0 = never.
    pub provisioned_recycle_s: f64,
    pub placement: Placement,
    pub log_format: LogFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda_throttle_status: Option<u16>,
    pub stage_rate_per_s: f64,
    pub stage_burst: u32,
    /// The Lambda API answers SigV4-signed requests only, as Lambda does (any
    /// credentials; the signature is not checked).
    pub require_signature: bool,
    pub metrics_period_s: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `builtin` models timing; `process` runs your own function, one process per
    /// environment, over the Lambda Runtime API.
    pub handler: Handler,
    /// How environments share requests: `classic` (one each), `managed-instances`,
    /// `web-functions` (docs/execution-models.md).
    pub execution_model: ExecutionModel,
    /// Requests one environment serves at once (managed-instances: 16, web-functions:
    /// 64; classic is always 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency_per_env: Option<u32>,
    /// Environments at most (managed-instances and web-functions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_environments: Option<u32>,
    /// managed-instances: environments started ahead of traffic (AWS starts 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_environments: Option<u32>,
    /// web-functions: how long a request may wait for a free slot, ms.
    pub queue_timeout_ms: u64,
    /// web-functions: spare slots kept ready ahead of traffic (a new environment starts
    /// when fewer are free).
    pub headroom: u32,
    /// An on-demand Init must end within this many seconds (Lambda: 10 s). The builtin
    /// handler then retries it inside the first invocation; a `process` runtime that has
    /// not called `next` by then has failed its Init.
    pub init_timeout_s: f64,
    pub process: ProcessConfig,
    /// How the emulator plays CloudWatch Logs for its function.
    pub cloudwatch: CloudWatchConfig,
}

/// How environments share requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutionModel {
    /// One request per environment; new requests start new environments (cold).
    Classic,
    /// Several requests per environment; environments scale ahead of traffic, never on
    /// arrival (no cold starts); excess is throttled.
    ManagedInstances,
    /// Several requests per environment; requests queue for the next free slot, new
    /// environments start as traffic needs them and scale to zero.
    WebFunctions,
}

impl ExecutionModel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::ManagedInstances => "managed-instances",
            Self::WebFunctions => "web-functions",
        }
    }
}

impl EmulatorConfig {
    /// Requests one environment serves at once under the model.
    pub fn slots(&self) -> u32 {
        match self.execution_model {
            ExecutionModel::Classic => 1,
            ExecutionModel::ManagedInstances => self.max_concurrency_per_env.unwrap_or(16),
            ExecutionModel::WebFunctions => self.max_concurrency_per_env.unwrap_or(64),
        }
        .max(1)
    }
}

/// Which function the environments run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Handler {
    Builtin,
    Process,
}

/// `[emulator.process]`: the command each environment runs (a runtime interface client
/// or a custom runtime's `bootstrap`), where, and with what extra variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProcessConfig {
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `_HANDLER` (what the runtime interface client loads, e.g. `app.handler`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    pub env: std::collections::BTreeMap<String, String>,
}

impl ProcessConfig {
    /// `_HANDLER`, as Lambda sets it from the function's Handler: the configured one, else
    /// the command's last word when it names a handler the way the runtime interface
    /// clients take one (`index.handler`, `app.lambda_handler`, `src/app.handler`); some
    /// (Node.js's `aws-lambda-ric`) read only `_HANDLER`. Else `handler`.
    pub fn handler_name(&self) -> String {
        if let Some(h) = &self.handler {
            return h.clone();
        }
        self.command
            .last()
            .and_then(|c| c.split_whitespace().last())
            .filter(|w| is_handler_name(w))
            .map_or_else(|| "handler".into(), str::to_string)
    }
}

/// `module.function` (a path before the module is allowed), not a file or a flag.
fn is_handler_name(word: &str) -> bool {
    let Some((module, function)) = word.rsplit_once('.') else {
        return false;
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    !module.is_empty()
        && !module.starts_with(['.', '-', '/'])
        && module.chars().all(|c| name_char(c) || matches!(c, '/' | '-' | '.'))
        && !function.is_empty()
        && function.chars().all(name_char)
        // `bootstrap.sh`, `app.py`: files, not handlers.
        && !matches!(function, "sh" | "py" | "js" | "mjs" | "cjs" | "ts" | "rb" | "jar" | "exe")
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            front: Front::RestApi,
            function_name: "thaw-emulated".into(),
            region: "us-east-1".into(),
            runtime: Runtime::Nodejs,
            memory_mb: 128,
            timeout_s: 3.0,
            init_ms: None,
            duration_ms: None,
            jitter: 0.08,
            account_concurrency: 1000,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            scaling_burst: 1000,
            scaling_refill_per_s: 100.0,
            idle_reclaim_s: 600.0,
            idle_reclaim_jitter_s: 120.0,
            max_lifetime_s: 7200.0,
            max_lifetime_jitter_s: 600.0,
            provisioned_recycle_s: 14_400.0,
            placement: Placement::MostRecent,
            log_format: LogFormat::Text,
            integration_timeout_ms: None,
            lambda_throttle_status: None,
            stage_rate_per_s: 10_000.0,
            stage_burst: 5000,
            metrics_period_s: 1,
            seed: None,
            handler: Handler::Builtin,
            execution_model: ExecutionModel::Classic,
            max_concurrency_per_env: None,
            max_environments: None,
            min_environments: None,
            queue_timeout_ms: 10_000,
            require_signature: false,
            headroom: 0,
            init_timeout_s: 10.0,
            process: ProcessConfig::default(),
            cloudwatch: CloudWatchConfig::default(),
        }
    }
}

impl EmulatorConfig {
    /// The gateway's integration timeout: as configured, else the front's default
    /// (REST 29 s, HTTP API 30 s; a function URL has none).
    pub fn integration_timeout(&self) -> Option<std::time::Duration> {
        let default_ms = match self.front {
            Front::RestApi => Some(29_000),
            Front::HttpApi => Some(30_000),
            Front::FunctionUrl => None,
        };
        self.integration_timeout_ms
            .or(default_ms)
            .map(std::time::Duration::from_millis)
    }

    /// The one-line summary `thaw emulate` prints.
    pub fn summary(&self) -> String {
        let mut handler = match self.handler {
            Handler::Builtin => String::new(),
            Handler::Process => format!("process `{}`, ", self.process.command.join(" ")),
        };
        if self.execution_model != ExecutionModel::Classic {
            let _ = write!(
                handler,
                "{} ({} per environment), ",
                self.execution_model.as_str(),
                self.slots()
            );
        }
        let reserved = self
            .reserved_concurrency
            .map_or_else(|| "none".to_string(), |r| r.to_string());
        format!(
            "{handler}front {}, runtime {} {} MB, timeout {} s, account limit {}, reserved {}, provisioned {}, \
             scaling {}+{}/s, idle reclaim {}±{} s, placement {}, logs {}",
            self.front.as_str(),
            self.runtime.as_str(),
            self.memory_mb,
            self.timeout_s,
            self.account_concurrency,
            reserved,
            self.provisioned_concurrency,
            self.scaling_burst,
            self.scaling_refill_per_s,
            self.idle_reclaim_s,
            self.idle_reclaim_jitter_s,
            match self.placement {
                Placement::MostRecent => "most-recent",
                Placement::LeastRecent => "least-recent",
            },
            match self.log_format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            },
        )
    }
}

/// Where the configuration file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("thaw").join("config.toml"))
}

/// A configuration that could not be loaded: one line naming the input, the bad value
/// and what to do.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error(
        "cannot read config file '{path}': {reason}; pass an existing, readable file to --config"
    )]
    Read { path: String, reason: String },
    #[error("config file '{path}' is not valid TOML at line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{0}")]
    Rule(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_toml_parses_to_the_defaults() {
        let text = include_str!("../config/default.toml");
        let parsed: Config = toml::from_str(text).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn demo_profile_overlay_is_valid_and_shortens_reclaim() {
        let cfg = load(&Layers {
            flags: vec![layers::Flag::new("--profile", "profile", "demo")],
            ..Layers::default()
        })
        .unwrap();
        assert!(cfg.emulator.idle_reclaim_s + cfg.emulator.idle_reclaim_jitter_s <= 60.0);
        assert_eq!(cfg.profile, Profile::Demo);
    }

    #[test]
    fn integration_timeout_defaults_per_front() {
        let mut e = EmulatorConfig::default();
        assert_eq!(e.integration_timeout().unwrap().as_secs(), 29);
        e.front = Front::HttpApi;
        assert_eq!(e.integration_timeout().unwrap().as_secs(), 30);
        e.front = Front::FunctionUrl;
        assert_eq!(e.integration_timeout(), None);
    }

    #[test]
    fn the_handler_comes_from_the_config_else_from_the_commands_last_word() {
        let p = |cmd: &str, handler: Option<&str>| ProcessConfig {
            command: vec!["/bin/sh".into(), "-c".into(), format!("exec {cmd}")],
            handler: handler.map(str::to_string),
            ..ProcessConfig::default()
        };
        assert_eq!(
            p("npx aws-lambda-ric index.handler", None).handler_name(),
            "index.handler"
        );
        assert_eq!(
            p("python3 -m awslambdaric app.lambda_handler", None).handler_name(),
            "app.lambda_handler"
        );
        assert_eq!(
            p("node src/app.handler", None).handler_name(),
            "src/app.handler"
        );
        assert_eq!(
            p("npx aws-lambda-ric index.handler", Some("x.y")).handler_name(),
            "x.y"
        );
        for cmd in [
            "./target/release/bootstrap",
            "./bootstrap.sh",
            "python3 app.py",
            "node --x",
        ] {
            assert_eq!(p(cmd, None).handler_name(), "handler", "{cmd}");
        }
    }
}
