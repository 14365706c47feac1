//! The `W` overlay: what `thaw whatif` says of the session's traffic so far (the table,
//! the recommendation, the assumptions), worked out by the session on request and laid
//! out here to fit: every column where there is room, the four that decide otherwise.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::event::sizing::{COLUMNS, NARROW};
use crate::event::{Sizing, SizingAnswer};
use crate::state::State;

use super::app::App;
use super::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &State, app: &App) {
    let t = &app.theme;
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
    let sizing = match &state.sizing {
        Some(SizingAnswer::Table(s)) => s,
        Some(SizingAnswer::Unavailable(why)) => return message(frame, area, block, why, t.text),
        None => {
            let working =
                "working it out: the session's traffic through the model under other settings…";
            return message(frame, area, block, working, t.dim);
        }
    };
    let widths = sizing.widths();
    let table_width = |cols: &[usize]| cols.iter().map(|&c| widths[c] + 2).sum::<usize>();
    let all: Vec<usize> = (0..COLUMNS.len()).collect();
    let columns: &[usize] = if table_width(&all) + 2 <= usize::from(area.width) {
        &all
    } else {
        &NARROW
    };
    let inner_w = table_width(columns)
        .max(sizing.heading.chars().count())
        .min(usize::from(area.width.saturating_sub(2)));
    let text_rows = |s: &str| s.chars().count().div_ceil(inner_w.max(1)).max(1);
    let table_rows = sizing.rows.len() + 1;
    let mut height =
        text_rows(&sizing.heading) + 1 + table_rows + 1 + text_rows(&sizing.recommendation);
    // The assumptions where they fit below the rest.
    let room = usize::from(area.height.saturating_sub(2));
    let assumptions: Vec<&String> = sizing
        .assumptions
        .iter()
        .scan(height, |used, a| {
            *used += text_rows(a) + 2;
            (*used <= room).then_some(a)
        })
        .collect();
    if !assumptions.is_empty() {
        height += 1 + assumptions
            .iter()
            .map(|a| text_rows(&format!("- {a}")))
            .sum::<usize>();
    }
    let popup = super::layout::centered(
        area,
        u16::try_from(inner_w + 2).unwrap_or(u16::MAX),
        u16::try_from(height.min(room) + 2).unwrap_or(u16::MAX),
    );
    frame.render_widget(Clear, popup);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let h = |n: usize| Constraint::Length(u16::try_from(n).unwrap_or(u16::MAX));
    let [head, table, rest] = Layout::vertical([
        h(text_rows(&sizing.heading) + 1),
        h(table_rows),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::styled(sizing.heading.clone(), t.dim)).wrap(Wrap { trim: false }),
        head,
    );
    frame.render_widget(rows(sizing, columns, &widths, t), table);
    let mut lines = vec![
        Line::default(),
        Line::styled(sizing.recommendation.clone(), t.text),
    ];
    if !assumptions.is_empty() {
        lines.push(Line::default());
        lines.extend(
            assumptions
                .iter()
                .map(|a| Line::styled(format!("- {a}"), t.dim)),
        );
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}

/// The table, the recommended row highlighted; numbers to the right as `thaw whatif`
/// prints them.
fn rows<'a>(sizing: &'a Sizing, columns: &[usize], widths: &[usize; 10], t: &Theme) -> Table<'a> {
    let align = |c: usize, text: String| {
        let line = Line::from(text);
        Cell::from(if c == 0 { line } else { line.right_aligned() })
    };
    let header = Row::new(columns.iter().map(|&c| align(c, COLUMNS[c].to_string()))).style(t.title);
    let body = sizing.rows.iter().map(|r| {
        let cells = r.cells();
        let style = if r.recommended { t.highlight } else { t.text };
        Row::new(columns.iter().map(|&c| align(c, cells[c].clone()))).style(style)
    });
    let constraints = columns
        .iter()
        .map(|&c| Constraint::Length(u16::try_from(widths[c]).unwrap_or(u16::MAX)));
    Table::new(body, constraints)
        .header(header)
        .column_spacing(2)
}

/// The overlay with one sentence in it.
fn message(frame: &mut Frame, area: Rect, block: Block, text: &str, style: ratatui::style::Style) {
    let width = (text.chars().count() + 4).min(usize::from(area.width));
    let rows = text
        .chars()
        .count()
        .div_ceil(width.saturating_sub(2).max(1))
        .max(1);
    let popup = super::layout::centered(
        area,
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(rows + 2).unwrap_or(u16::MAX),
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(Line::styled(text.to_string(), style))
            .wrap(Wrap { trim: false })
            .block(block),
        popup,
    );
}
