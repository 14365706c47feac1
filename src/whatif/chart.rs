//! Cold starts against cost, for a terminal: each configuration a letter on a grid,
//! cheaper to the left, fewer cold starts lower down; the budget line dotted.

use std::fmt::Write as _;

use super::WhatIf;

const HEIGHT: usize = 10;

impl WhatIf {
    /// The chart, `width` columns wide; `None` when there is too little room or nothing
    /// to spread (one configuration).
    pub fn chart(&self, width: usize) -> Option<String> {
        if width < 60 || self.rows.len() < 2 {
            return None;
        }
        let plot_w = width.saturating_sub(12).min(80);
        let max_cost = self
            .rows
            .iter()
            .map(|r| r.cost.per_month)
            .fold(0.0, f64::max)
            .max(0.01);
        let max_cold = self
            .rows
            .iter()
            .map(|r| r.outcome.cold_share())
            .fold(self.max_cold, f64::max)
            .max(0.001);
        let mut grid = vec![vec![' '; plot_w]; HEIGHT];
        // The budget (cold starts allowed), where it falls.
        if self.max_p99_ms.is_none() {
            let y = row_of(self.max_cold, max_cold);
            for (x, c) in grid[y].iter_mut().enumerate() {
                if x % 2 == 0 {
                    *c = '┄';
                }
            }
        }
        for (i, r) in self.rows.iter().enumerate() {
            let x = ((r.cost.per_month / max_cost) * (plot_w - 1) as f64).round() as usize;
            let y = row_of(r.outcome.cold_share(), max_cold);
            let mark = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
            // Configurations that land together stand side by side.
            let mut x = x.min(plot_w - 1);
            while grid[y][x].is_ascii_alphabetic() && x + 1 < plot_w {
                x += 1;
            }
            grid[y][x] = mark;
        }
        let mut o = String::new();
        let _ = writeln!(o, "cold starts against cost (per month):");
        for (i, line) in grid.iter().enumerate() {
            let label = if i == 0 {
                format!("{:>6.1}% ", max_cold * 100.0)
            } else if i == HEIGHT - 1 {
                format!("{:>6.1}% ", 0.0)
            } else {
                " ".repeat(8)
            };
            let _ = writeln!(o, "{label}│{}", line.iter().collect::<String>().trim_end());
        }
        let _ = writeln!(o, "{}└{}", " ".repeat(8), "─".repeat(plot_w));
        let right = format!("${max_cost:.2}");
        let _ = writeln!(
            o,
            "{}$0{}{right}",
            " ".repeat(9),
            " ".repeat(plot_w.saturating_sub(2 + right.len()))
        );
        for (i, r) in self.rows.iter().enumerate() {
            let mark = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
            let _ = writeln!(o, "  {mark} {}", r.scenario.name);
        }
        Some(o)
    }
}

/// The grid row of a cold-start share: 0 at the bottom.
fn row_of(share: f64, max: f64) -> usize {
    let y = ((share / max) * (HEIGHT - 1) as f64).round() as usize;
    HEIGHT - 1 - y.min(HEIGHT - 1)
}
