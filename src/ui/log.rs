//! The log pane: the newest platform log lines (`START`, `END`, `REPORT`, `INIT_START`), with
//! the birth number of the environment that wrote each, cold starts (a REPORT with Init
//! Duration) marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::state::{LogKind, State};

use super::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, t: &Theme) {
    let block = Block::bordered()
        .border_style(t.border)
        .title(Span::styled(" Log ", t.title))
        .title(Span::styled(format!("{} lines ", state.logs.len()), t.dim));
    let rows = usize::from(block.inner(area).height);
    let lines: Vec<Line> = state
        .logs
        .iter()
        .rev()
        .take(rows)
        .rev()
        .map(|entry| {
            let env = entry
                .line
                .env
                .as_ref()
                .and_then(|id| state.envs.get(id))
                .map_or_else(
                    || "    ".to_string(),
                    |r| format!("{:>4}", format!("#{}", r.seq + 1)),
                );
            // Lambda separates REPORT fields with tabs, which a terminal cell cannot hold.
            let text = entry.line.text.replace('\t', "  ");
            let text = text.trim_end();
            let style = match entry.kind() {
                LogKind::Cold => t.cold,
                LogKind::Failed => t.error,
                LogKind::Report => t.text,
                LogKind::Other => t.dim,
            };
            Line::from(vec![
                Span::styled(env, t.dim),
                Span::raw(" "),
                Span::styled(text.to_string(), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
