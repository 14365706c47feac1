//! The `?` overlay: every key, from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::app::App;
use super::grid::Look;
use super::keys;

/// The keys of the screen's mode, the cells' legend and the mouse.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines: Vec<Line> = keys::of_mode(app.key_mode())
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:>5}  ", b.label), t.key),
                Span::styled(b.help, t.text),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let mut legend = vec![Span::styled(" cells:", t.dim)];
    for look in Look::LEGEND {
        legend.push(Span::styled(
            format!(" {} {} ", look.glyph(), look.name()),
            t.dim,
        ));
    }
    lines.push(Line::from(legend));
    lines.push(Line::styled(" mouse: click a cell to select it", t.dim));
    let popup = super::layout::centered(area, 86, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(t.key)
        .title(Span::styled(" Keys ", t.title))
        .title_bottom(Line::styled(" any key closes ", t.dim));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
