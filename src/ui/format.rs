//! Numbers as the screen writes them: short, with units, stable width where it matters.

use ratatui::text::{Line, Span};

use crate::ids::Stamp;

/// A title of parts for a border `width` wide: the parts that fit, in order, skipping
/// any that would be cut (the first is always kept).
pub fn fit(parts: Vec<Span<'static>>, width: u16) -> Line<'static> {
    let mut room = usize::from(width.saturating_sub(2));
    let mut kept = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        let w = p.content.chars().count();
        if i == 0 || w <= room {
            room = room.saturating_sub(w);
            kept.push(p);
        }
    }
    Line::from(kept)
}

/// `text` in at most `max` characters, cut at a word with `…` when longer.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let at_word = cut.rfind(' ').filter(|i| *i > 0).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// Milliseconds: `0.62 ms`, `212 ms`, `1.24 s`.
pub fn ms(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.0} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}

/// Microseconds, written as [`ms`].
pub fn us(v: u64) -> String {
    ms(v as f64 / 1000.0)
}

/// Time since the session started: `03:12.4` (minutes, seconds).
pub fn clock(at: Stamp) -> String {
    let tenths = at.mono_us / 100_000;
    format!(
        "{:02}:{:02}.{}",
        tenths / 600,
        tenths / 10 % 60,
        tenths % 10
    )
}

/// How long ago: `0.4 s`, `12 s`, `3 min`.
pub fn ago(now: Stamp, then: Stamp) -> String {
    let s = now.mono_us.saturating_sub(then.mono_us) as f64 / 1e6;
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.0} min", s / 60.0)
    }
}

/// A ratio as a percentage, or a dash when there is nothing to divide.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{:.0}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_well() {
        assert_eq!(ms(0.623), "0.62 ms");
        assert_eq!(ms(212.4), "212 ms");
        assert_eq!(ms(1240.0), "1.24 s");
        assert_eq!(ms(f64::NAN), "–");
        let at = |us| Stamp {
            mono_us: us,
            wall_us: 0,
        };
        assert_eq!(clock(at(192_400_000)), "03:12.4");
        assert_eq!(ago(at(5_000_000), at(4_600_000)), "0.4 s");
        assert_eq!(ago(at(400_000_000), at(0)), "7 min");
        assert_eq!(percent(Some(0.5)), "50%");
        assert_eq!(percent(None), "–");
    }
}
