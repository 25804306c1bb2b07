//! A plain aligned text table: enough for terminal reports, no dependency needed.

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// For names and words.
    Left,
    /// For numbers, so that their digits line up.
    Right,
}

/// Rows of cells rendered with aligned columns.
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// One (heading, alignment) per column, left to right; the heading counts in the width.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            header: columns.iter().map(|(h, _)| h.to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; it must hold one cell per column (checked in debug builds only).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// The headings, each column's alignment and the rows, for a format that lays the
    /// table out itself (the HTML report's `<table>`): the same cells as the text.
    pub fn parts(&self) -> (&[String], &[Align], &[Vec<String>]) {
        (&self.header, &self.align, &self.rows)
    }

    /// Each column as wide as its widest cell (in characters), two spaces between columns,
    /// no trailing spaces; every line ends with a newline.
    pub fn render(&self) -> String {
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(self.header[i].chars().count()))
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        // Padded by hand: `format!`'s width is a u16 and panics beyond 65,535, which a
        // configuration of thousands of levers reaches.
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let pad = " ".repeat(widths[i].saturating_sub(c.chars().count()));
                    match self.align[i] {
                        Align::Left => format!("{c}{pad}"),
                        Align::Right => format!("{pad}{c}"),
                    }
                })
                .collect();
            format!("{}\n", parts.join("  ").trim_end())
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_whatever_their_width() {
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        let wide = "x".repeat(70_000);
        t.row(vec![wide.clone(), "1".into()]);
        t.row(vec!["é".into(), "22".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("name{}   n", " ".repeat(70_000 - 4)));
        assert_eq!(lines[1], format!("{wide}   1"));
        assert_eq!(lines[2], format!("é{}  22", " ".repeat(70_000 - 1)));
    }
}
