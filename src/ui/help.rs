//! The `?` overlay: every key, from the key table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::keys::BINDINGS;
use super::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, t: &Theme) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:>5}  ", b.label), t.key),
                Span::styled(b.help, t.text),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " cells: ◌ init  ❄ cold  ● warm  ○ idle  ▣ provisioned  · reclaimed  ✕ destroyed",
        t.dim,
    ));
    lines.push(Line::styled(" mouse: click a cell to select it", t.dim));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 86.min(area.width);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(popup);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_style(t.key)
        .title(Span::styled(" Keys ", t.title))
        .title_bottom(Line::styled(" any key closes ", t.dim));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
