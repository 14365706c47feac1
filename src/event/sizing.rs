//! `thaw whatif`'s answer as data: each configuration's figures, the recommendation and
//! the assumptions. `thaw whatif` prints it as a table; the screen lays it out to fit.

use serde::{Deserialize, Serialize};

/// The answer to "what should I set?" for some traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sizing {
    /// What was sized: `N requests over S s in FILE (observed: ...)`.
    pub heading: String,
    /// One row per configuration tried, on-demand first.
    pub rows: Vec<SizingRow>,
    /// The recommendation in one sentence.
    pub recommendation: String,
    /// The assumptions the numbers rest on, one per line.
    pub assumptions: Vec<String>,
}

/// One configuration through the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizingRow {
    pub configuration: String,
    pub cold: u64,
    pub cold_share: f64,
    pub cold_wait_p50_ms: Option<f64>,
    pub added_p99_ms: f64,
    pub throttled: u64,
    pub peak_environments: u64,
    pub environment_hours_per_day: f64,
    pub cost_per_day: f64,
    pub cost_per_month: f64,
    /// The price is an estimate (AWS publishes no rate for it).
    pub estimate: bool,
    /// The row the recommendation names.
    pub recommended: bool,
}

/// What the session's sizing came to: the table, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingAnswer {
    Table(Box<Sizing>),
    /// Nothing to size, or the sizing failed: the sentence says which.
    Unavailable(String),
}

/// The columns of the full table, as `thaw whatif` heads them.
pub const COLUMNS: [&str; 10] = [
    "configuration",
    "cold",
    "cold %",
    "cold wait",
    "added p99",
    "throttled",
    "peak envs",
    "env-h/day",
    "$/day",
    "$/month",
];

/// The columns a narrow screen keeps (indices into [`COLUMNS`]).
pub const NARROW: [usize; 4] = [0, 2, 5, 9];

/// `$14.05`, `$120`.
pub fn dollars(v: f64) -> String {
    if v >= 100.0 {
        format!("${v:.0}")
    } else {
        format!("${v:.2}")
    }
}

/// `2.5%` of a share.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.0} ms"))
}

impl SizingRow {
    /// The row's cells, under [`COLUMNS`]; an estimated price carries `~`.
    pub fn cells(&self) -> [String; 10] {
        let mark = if self.estimate { "~" } else { "" };
        [
            self.configuration.clone(),
            self.cold.to_string(),
            percent(self.cold_share),
            ms(self.cold_wait_p50_ms),
            ms(Some(self.added_p99_ms)),
            self.throttled.to_string(),
            self.peak_environments.to_string(),
            format!("{:.1}", self.environment_hours_per_day),
            format!("{mark}{}", dollars(self.cost_per_day)),
            format!("{mark}{}", dollars(self.cost_per_month)),
        ]
    }
}

impl Sizing {
    /// The widest each column gets (in characters), header included.
    pub fn widths(&self) -> [usize; 10] {
        let mut widths = COLUMNS.map(str::len);
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r.cells()) {
                *w = (*w).max(c.chars().count());
            }
        }
        widths
    }
}
