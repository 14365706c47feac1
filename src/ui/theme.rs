//! Colours and emphasis by meaning. Panels name a slot (`env_cold`, `warm`), never a
//! colour: blue shades are cold, orange shades are warm, in every theme that has colour.

use ratatui::style::{Color, Modifier, Style};

use crate::config::ThemeName;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: ThemeName,
    /// Cold and warm counters drawn in large digits.
    pub big_digits: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub key: Style,
    pub error: Style,
    pub highlight: Style,
    pub cold: Style,
    pub warm: Style,
    pub throttle: Style,
    /// Grid cells, by what the environment is doing.
    pub env_init: Style,
    pub env_cold: Style,
    pub env_warm: Style,
    pub env_idle: Style,
    pub env_provisioned: Style,
    pub env_reclaimed: Style,
    pub env_destroyed: Style,
    /// Added to a cell whose state just changed.
    pub flash: Modifier,
    pub selected: Modifier,
    /// Chart lines.
    pub series_client: Style,
    pub series_platform: Style,
}

impl Theme {
    pub fn named(name: ThemeName) -> Self {
        match name {
            ThemeName::Default => Self::default_theme(),
            ThemeName::Presentation => Self::presentation(),
            ThemeName::Mono => Self::mono(),
        }
    }

    fn default_theme() -> Self {
        let ice = Color::Rgb(86, 182, 255);
        let fire = Color::Rgb(255, 140, 40);
        Self {
            name: ThemeName::Default,
            big_digits: false,
            text: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            error: Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            highlight: Style::new().fg(Color::Black).bg(Color::Cyan),
            cold: Style::new().fg(ice).add_modifier(Modifier::BOLD),
            warm: Style::new().fg(fire).add_modifier(Modifier::BOLD),
            throttle: Style::new().fg(Color::LightMagenta),
            env_init: Style::new().fg(Color::White).bg(Color::Rgb(40, 80, 200)),
            env_cold: Style::new().fg(Color::Black).bg(ice),
            env_warm: Style::new().fg(Color::Black).bg(fire),
            env_idle: Style::new()
                .fg(Color::Rgb(255, 200, 150))
                .bg(Color::Rgb(110, 55, 10)),
            env_provisioned: Style::new().fg(Color::Black).bg(Color::Rgb(80, 190, 110)),
            env_reclaimed: Style::new().fg(Color::Gray).bg(Color::Rgb(50, 50, 50)),
            env_destroyed: Style::new().fg(Color::LightRed).bg(Color::Rgb(60, 20, 20)),
            flash: Modifier::BOLD,
            selected: Modifier::UNDERLINED | Modifier::REVERSED,
            series_client: Style::new().fg(Color::Cyan),
            series_platform: Style::new().fg(fire),
        }
    }

    /// For a projector: saturated colours on black, large digits, bold everywhere.
    fn presentation() -> Self {
        Self {
            name: ThemeName::Presentation,
            big_digits: true,
            text: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::Gray),
            title: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::White),
            key: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            error: Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            highlight: Style::new().fg(Color::Black).bg(Color::Yellow),
            cold: Style::new()
                .fg(Color::LightCyan)
                .add_modifier(Modifier::BOLD),
            warm: Style::new()
                .fg(Color::LightYellow)
                .add_modifier(Modifier::BOLD),
            throttle: Style::new()
                .fg(Color::LightMagenta)
                .add_modifier(Modifier::BOLD),
            env_init: Style::new().fg(Color::White).bg(Color::Blue),
            env_cold: Style::new().fg(Color::Black).bg(Color::LightCyan),
            env_warm: Style::new().fg(Color::Black).bg(Color::LightYellow),
            env_idle: Style::new().fg(Color::Black).bg(Color::Yellow),
            env_provisioned: Style::new().fg(Color::Black).bg(Color::LightGreen),
            env_reclaimed: Style::new().fg(Color::White).bg(Color::DarkGray),
            env_destroyed: Style::new().fg(Color::White).bg(Color::Red),
            flash: Modifier::BOLD,
            selected: Modifier::UNDERLINED | Modifier::REVERSED,
            series_client: Style::new().fg(Color::LightCyan),
            series_platform: Style::new().fg(Color::LightYellow),
        }
    }

    /// No colour (`NO_COLOR`): states differ by glyph and emphasis alone.
    fn mono() -> Self {
        let plain = Style::new();
        Self {
            name: ThemeName::Mono,
            big_digits: false,
            text: plain,
            dim: plain,
            title: plain.add_modifier(Modifier::BOLD),
            border: plain,
            key: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD),
            highlight: plain.add_modifier(Modifier::REVERSED),
            cold: plain.add_modifier(Modifier::BOLD),
            warm: plain.add_modifier(Modifier::BOLD),
            throttle: plain,
            env_init: plain,
            env_cold: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            env_warm: plain.add_modifier(Modifier::REVERSED),
            env_idle: plain,
            env_provisioned: plain.add_modifier(Modifier::BOLD),
            env_reclaimed: plain,
            env_destroyed: plain,
            flash: Modifier::BOLD,
            selected: Modifier::UNDERLINED,
            series_client: plain,
            series_platform: plain,
        }
    }
}

/// The theme to start with: `NO_COLOR` (any non-empty value, per no-color.org) wins over
/// the configured one.
pub fn initial(configured: ThemeName, no_color: Option<&str>) -> ThemeName {
    if no_color.is_some_and(|v| !v.is_empty()) {
        ThemeName::Mono
    } else {
        configured
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_selects_mono_whatever_the_config_says() {
        assert_eq!(initial(ThemeName::Presentation, Some("1")), ThemeName::Mono);
        assert_eq!(initial(ThemeName::Default, Some("")), ThemeName::Default);
        assert_eq!(initial(ThemeName::Default, None), ThemeName::Default);
    }

    #[test]
    fn mono_has_no_colour_anywhere() {
        let t = Theme::named(ThemeName::Mono);
        for s in [t.env_cold, t.env_warm, t.env_init, t.error, t.cold, t.warm] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
    }
}
