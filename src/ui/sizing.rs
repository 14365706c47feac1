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
        Some((text, compact)) => {
            // The whole table where it fits, else the recommendation and a narrow one.
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            let fits = widest + 4 <= usize::from(area.width)
                && text.lines().count() + 2 <= usize::from(area.height);
            let shown = if fits { text } else { compact };
            shown
                .lines()
                .map(|l| Line::styled(l.to_string(), t.text))
                .collect()
        }
        None => vec![Line::styled(
            "working it out: the session's traffic through the model under other settings…",
            t.dim,
        )],
    };
    let widest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = (widest + 4).min(usize::from(area.width));
    // Lines wider than the popup wrap: count the rows they take.
    let inner = width.saturating_sub(2).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let popup = super::layout::centered(
        area,
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(rows + 2).unwrap_or(u16::MAX),
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
