//! The `W` overlay: what `thaw whatif` says of the session's traffic so far (the table,
//! the recommendation, the assumptions), worked out by the session on request.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::state::State;

use super::app::App;

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App) {
    let t = &app.theme;
    let lines: Vec<Line> = match &state.sizing {
        Some(text) => text
            .lines()
            .map(|l| Line::styled(l.to_string(), t.text))
            .collect(),
        None => vec![Line::styled(
            "working it out: the session's traffic through the model under other settings…",
            t.dim,
        )],
    };
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let popup = super::layout::centered(
        area,
        u16::try_from(widest + 4).unwrap_or(u16::MAX),
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(t.key)
        .title(Span::styled(
            " What should I set? (thaw whatif, this session) ",
            t.title,
        ))
        .title_bottom(Line::styled(
            " W again works it out anew · any key closes ",
            t.dim,
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        popup,
    );
}
