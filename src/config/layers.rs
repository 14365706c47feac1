//! Layering: built-in defaults < profile < file < `THAW_*` environment < flags.
//!
//! Each layer is a TOML table; they are merged key by key and deserialized once, so an
//! error can name the key, its value and which layer set it.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{Config, ConfigError, Profile, validate};

/// Environment variables that configure thaw itself rather than a key of the file.
const ENV_NOT_KEYS: [&str; 2] = ["THAW_CONFIG", "THAW_LOG"];

/// The inputs to [`load`]. The caller collects them (from the process, or a test), so
/// loading itself reads nothing but the file.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// `--config FILE`: must exist.
    pub file: Option<PathBuf>,
    /// Look for `$XDG_CONFIG_HOME/thaw/config.toml` when no `--config` is given.
    pub search_default_file: bool,
    /// `THAW_*` variables (name, value), e.g. `THAW_EMULATOR_FRONT=http-api`.
    pub env: Vec<(String, String)>,
    /// Flags, in the order given.
    pub flags: Vec<Flag>,
}

/// One flag that sets a key: `--front http-api`, or `--set emulator.front=http-api`.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// How the user spelt it, for messages (`--front`, `--set`).
    pub name: String,
    /// Dotted key, e.g. `emulator.front`.
    pub key: String,
    pub raw: String,
}

impl Flag {
    pub fn new(name: &str, key: &str, raw: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: key.into(),
            raw: raw.into(),
        }
    }

    /// Parses `--set key=value`.
    pub fn parse_set(arg: &str) -> Result<Self, String> {
        let (key, raw) = arg.split_once('=').ok_or_else(|| {
            format!("--set '{arg}' is not KEY=VALUE; write e.g. --set emulator.front=http-api")
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!(
                "--set '{arg}' has no key before '='; write e.g. --set emulator.memory_mb=512"
            ));
        }
        Ok(Self::new("--set", key, raw.trim()))
    }
}

impl Layers {
    /// The `THAW_*` variables of this process.
    pub fn env_from_process() -> Vec<(String, String)> {
        std::env::vars()
            .filter(|(k, _)| k.starts_with("THAW_") && !ENV_NOT_KEYS.contains(&k.as_str()))
            .collect()
    }
}

/// One layer's table and, per dotted key, the name of what set it.
struct Layer {
    table: Table,
    origins: Vec<(String, String)>,
    /// The whole layer's name when keys have no finer origin (a file).
    name: Option<String>,
}

impl Layer {
    fn origin_of(&self, key: &str) -> Option<String> {
        if let Some((_, o)) = self.origins.iter().rev().find(|(k, _)| key_covers(k, key)) {
            return Some(o.clone());
        }
        self.name
            .clone()
            .filter(|_| lookup(&self.table, key).is_some())
    }
}

/// `a` sets `b` when they are the same key or one is inside the other.
fn key_covers(a: &str, b: &str) -> bool {
    a == b || b.starts_with(&format!("{a}.")) || a.starts_with(&format!("{b}."))
}

/// Loads the configuration from its layers, validated.
pub fn load(layers: &Layers) -> Result<Config, ConfigError> {
    let file = match (&layers.file, layers.search_default_file) {
        (Some(path), _) => Some(read_file(path)?),
        (None, true) => match super::default_path() {
            Some(p) if p.is_file() => Some(read_file(&p)?),
            _ => None,
        },
        (None, false) => None,
    };
    load_with(file, layers)
}

/// Loads a config file's text as if it were the file `name`, with no other layer: what
/// `--config` does after reading the file.
pub fn load_text(name: &str, text: &str) -> Result<Config, ConfigError> {
    load_with(Some(file_layer(name, text)?), &Layers::default())
}

fn load_with(file: Option<Layer>, layers: &Layers) -> Result<Config, ConfigError> {
    let sections = default_sections();
    let env = env_layer(&layers.env, &sections);
    let flags = flag_layer(&layers.flags);

    let mut stack: Vec<Layer> = Vec::new();
    stack.extend(file);
    stack.push(env);
    stack.push(flags);

    let profile = pick_profile(&stack)?;
    let mut merged = match Value::try_from(Config::default()) {
        Ok(Value::Table(t)) => t,
        _ => Table::new(),
    };
    let overlay: Table = toml::from_str(profile.overlay()).map_err(|e| {
        ConfigError::Rule(format!(
            "built-in profile '{}' is broken: {e}",
            profile.as_str()
        ))
    })?;
    let runtime_set = lookup(&overlay, "emulator.runtime").is_some()
        || stack
            .iter()
            .any(|l| l.origin_of("emulator.runtime").is_some());
    merge(&mut merged, overlay);
    for layer in &stack {
        merge(&mut merged, layer.table.clone());
    }
    let origin_of = |keys: &[&str]| -> String {
        keys.iter()
            .find_map(|key| stack.iter().rev().find_map(|l| l.origin_of(key)))
            .unwrap_or_else(|| format!("profile '{}'", profile.as_str()))
    };

    let mut config: Config = serde_path_to_error::deserialize(Value::Table(merged.clone()))
        .map_err(|e| deserialize_error(&e, &merged, &origin_of))?;
    // Your own function: its runtime is what its command runs, unless a layer says.
    if config.emulator.handler == super::Handler::Process && !runtime_set {
        config.emulator.runtime =
            crate::config::runtime::Runtime::of_command(&config.emulator.process.command);
    }
    validate::all(&config, &origin_of)?;
    Ok(config)
}

fn deserialize_error(
    err: &serde_path_to_error::Error<toml::de::Error>,
    merged: &Table,
    origin_of: &dyn Fn(&[&str]) -> String,
) -> ConfigError {
    let path = err.path().to_string();
    let inner = plain_types(&err.inner().message().replace('`', "'"));
    // An unknown key is reported at its parent; name the key itself.
    let unknown = inner
        .strip_prefix("unknown field '")
        .and_then(|rest| rest.split_once('\''))
        .map(|(field, _)| field.to_string());
    let key = match (&unknown, path.as_str()) {
        (Some(field), "." | "") => field.clone(),
        (Some(field), parent) if !parent.ends_with(field.as_str()) => format!("{parent}.{field}"),
        _ => path.clone(),
    };
    let message = match (&unknown, lookup(merged, &key)) {
        (Some(_), _) => format!(
            "'{key}' is not a setting ({}); see config/default.toml for every key",
            inner.trim_end_matches('.')
        ),
        (None, Some(value)) => format!("{key} = {}: {}", show(value), inner.trim_end_matches('.')),
        (None, None) => format!("{key}: {}", inner.trim_end_matches('.')),
    };
    ConfigError::Invalid {
        origin: origin_of(&[key.as_str()]),
        message,
    }
}

/// serde names Rust types ("expected u16"); say what a user can type instead.
fn plain_types(message: &str) -> String {
    [
        ("expected u16", "expected a whole number from 0 to 65535"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a whole number, zero or more"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ]
    .iter()
    .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

/// A value as the user would have written it, quoted for messages.
pub(super) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => format!("'{other}'"),
    }
}

fn read_file(path: &Path) -> Result<Layer, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    file_layer(&shown, &text)
}

fn file_layer(shown: &str, text: &str) -> Result<Layer, ConfigError> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
        ConfigError::Syntax {
            path: shown.to_string(),
            line,
            column,
            message: e.message().trim().replace('\n', " "),
        }
    })?;
    Ok(Layer {
        table,
        origins: Vec::new(),
        name: Some(format!("config file '{shown}'")),
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // A span off a character boundary counts from the character it falls in.
    let end = (0..=offset.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The names of the default configuration's sections (`emulator`, ...), so
/// `THAW_EMULATOR_IDLE_RECLAIM_S` can be split into `emulator.idle_reclaim_s`.
fn default_sections() -> Vec<String> {
    match Value::try_from(Config::default()) {
        Ok(Value::Table(t)) => t
            .iter()
            .filter(|(_, v)| v.is_table())
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    }
}

fn env_key(var: &str, sections: &[String]) -> String {
    let rest = var.trim_start_matches("THAW_").to_ascii_lowercase();
    for section in sections {
        if let Some(key) = rest.strip_prefix(&format!("{section}_")) {
            return format!("{section}.{key}");
        }
    }
    rest
}

fn env_layer(vars: &[(String, String)], sections: &[String]) -> Layer {
    let mut table = Table::new();
    let mut origins = Vec::new();
    for (var, raw) in vars {
        let key = env_key(var, sections);
        insert(&mut table, &key, parse_scalar(raw));
        origins.push((key, format!("environment variable {var}")));
    }
    Layer {
        table,
        origins,
        name: None,
    }
}

fn flag_layer(flags: &[Flag]) -> Layer {
    let mut table = Table::new();
    let mut origins = Vec::new();
    for flag in flags {
        insert(&mut table, &flag.key, parse_scalar(&flag.raw));
        let origin = if flag.name == "--set" {
            format!("flag --set {}", flag.key)
        } else {
            format!("flag {}", flag.name)
        };
        origins.push((flag.key.clone(), origin));
    }
    Layer {
        table,
        origins,
        name: None,
    }
}

/// A value typed on a command line or in the environment: a TOML literal when it is one
/// (`512`, `1.5`, `true`), else a plain string (`http-api`, `0.0.0.0`).
fn parse_scalar(raw: &str) -> Value {
    let raw = raw.trim();
    match format!("v = {raw}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(raw.into())),
        Err(_) => Value::String(raw.into()),
    }
}

fn insert(table: &mut Table, key: &str, value: Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut cur = table;
    for part in parts {
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        cur = next;
    }
    cur.insert(last.to_string(), value);
}

pub(super) fn lookup<'a>(table: &'a Table, key: &str) -> Option<&'a Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// Merges `over` into `base`, key by key; tables merge, anything else replaces.
fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// The profile named by the highest layer that names one.
fn pick_profile(stack: &[Layer]) -> Result<Profile, ConfigError> {
    let Some((layer, value)) = stack
        .iter()
        .rev()
        .find_map(|l| l.table.get("profile").map(|v| (l, v)))
    else {
        return Ok(Profile::Default);
    };
    Profile::deserialize(value.clone()).map_err(|_| ConfigError::Invalid {
        origin: layer
            .origin_of("profile")
            .unwrap_or_else(|| "profile".into()),
        message: format!(
            "profile = {}: not a profile; use 'default' or 'demo'",
            show(value)
        ),
    })
}

use serde::Deserialize as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(env: &[(&str, &str)], flags: &[Flag]) -> Result<Config, ConfigError> {
        load(&Layers {
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            flags: flags.to_vec(),
            ..Layers::default()
        })
    }

    #[test]
    fn a_process_handlers_runtime_follows_its_command_unless_set() {
        use crate::config::runtime::Runtime;
        let process = |cmd: &str| {
            vec![
                Flag::new("--handler-cmd", "emulator.handler", "process"),
                Flag::new(
                    "--handler-cmd",
                    "emulator.process.command",
                    format!("[\"/bin/sh\", \"-c\", \"exec {cmd}\"]"),
                ),
            ]
        };
        let runtime =
            |env: &[(&str, &str)], flags: &[Flag]| load_with(env, flags).unwrap().emulator.runtime;
        assert_eq!(runtime(&[], &[]), Runtime::Nodejs, "the default");
        let python = process("python3 -m awslambdaric app.handler");
        assert_eq!(runtime(&[], &python), Runtime::Python);
        assert_eq!(runtime(&[], &process("./bootstrap")), Runtime::Rust);
        let mut java = python.clone();
        java.push(Flag::parse_set("emulator.runtime=java").unwrap());
        assert_eq!(runtime(&[], &java), Runtime::Java, "a flag says");
        assert_eq!(
            runtime(&[("THAW_EMULATOR_RUNTIME", "go")], &python),
            Runtime::Go,
            "the environment says"
        );
    }

    #[test]
    fn flags_beat_environment_beat_defaults() {
        let cfg = load_with(
            &[
                ("THAW_EMULATOR_MEMORY_MB", "512"),
                ("THAW_EMULATOR_FRONT", "http-api"),
            ],
            &[Flag::new("--front", "emulator.front", "function-url")],
        )
        .unwrap();
        assert_eq!(cfg.emulator.memory_mb, 512);
        assert_eq!(cfg.emulator.front, super::super::Front::FunctionUrl);
    }

    #[test]
    fn positions_count_characters_and_survive_any_offset() {
        let text = "a = 1\nname = \"ñé\"x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // Inside the two-byte 'ñ': counted from the character it falls in.
        assert_eq!(line_col(text, 15), (2, 9));
        assert_eq!(line_col(text, 14), (2, 9));
        assert_eq!(line_col(text, 1000), (3, 1));
    }

    #[test]
    fn file_layer_sits_between_profile_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layers.toml");
        std::fs::write(
            &path,
            "profile = \"demo\"\n[emulator]\nidle_reclaim_s = 45\nmemory_mb = 256\n",
        )
        .unwrap();
        let cfg = load(&Layers {
            file: Some(path),
            env: vec![("THAW_EMULATOR_MEMORY_MB".into(), "1024".into())],
            ..Layers::default()
        })
        .unwrap();
        assert_eq!(cfg.profile, Profile::Demo);
        assert!((cfg.emulator.idle_reclaim_s - 45.0).abs() < f64::EPSILON);
        assert_eq!(cfg.emulator.memory_mb, 1024);
        // The demo profile's other values still apply.
        assert!(cfg.emulator.idle_reclaim_jitter_s < 30.0);
    }

    #[test]
    fn errors_name_the_layer_key_and_value() {
        let err = load_with(&[("THAW_EMULATOR_FRONT", "lambda")], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable THAW_EMULATOR_FRONT: emulator.front = 'lambda': unknown variant \
             'lambda', expected one of 'rest-api', 'http-api', 'function-url'"
        );
        let err = load_with(&[], &[Flag::parse_set("emulator.memroy_mb=3").unwrap()]).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "flag --set emulator.memroy_mb: 'emulator.memroy_mb' is not a setting"
            ),
            "{err}"
        );
        let err = load_with(&[("THAW_PROFILE", "stage")], &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable THAW_PROFILE: profile = 'stage': not a profile; use 'default' or 'demo'"
        );
    }

    #[test]
    fn scalars_parse_as_toml_or_text() {
        assert_eq!(parse_scalar("512"), Value::Integer(512));
        assert_eq!(parse_scalar("true"), Value::Boolean(true));
        assert_eq!(parse_scalar("0.0.0.0"), Value::String("0.0.0.0".into()));
        assert_eq!(parse_scalar("\"quoted\""), Value::String("quoted".into()));
    }

    #[test]
    fn set_needs_key_and_equals() {
        assert!(Flag::parse_set("emulator.port").is_err());
        assert!(Flag::parse_set("=3").is_err());
        assert_eq!(Flag::parse_set("emulator.port = 8080").unwrap().raw, "8080");
    }
}
