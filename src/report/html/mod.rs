//! One self-contained HTML page per study (`--report FILE.html`): what was asked, the answer,
//! where the time goes, the space searched, the client rules, and how to reproduce it.
//!
//! A page is mailed and opened offline, months later, by people who did not run the command:
//! so everything is inline (the CSS, every picture as SVG), nothing is fetched (a content
//! security policy forbids the page any request), there is no script, and it reads the same
//! printed. It is accessible: real `<table>`s with headings, a `<title>`, every figure an image
//! with a title, a description and a caption.
//!
//! [`Doc`] lays a page out; each report's `Render::html` fills it from the values it holds, as
//! its table and JSON do, with the shared parts in [`parts`]. What the page says about the
//! command itself (its command line, the files written beside it) is the output seam's to
//! know: it hands it over as a [`Page`].

pub mod parts;

use std::fmt::Write;

use super::printable;
use super::table::{Align, Table};

/// The version of planner that wrote a page, which its header states.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a page says about the command that wrote it, which no report holds: the command line
/// as typed, and the other files it wrote beside the page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The command line, program name first.
    pub command: Vec<String>,
    /// The files the same command wrote (`--csv FILE`, `--plot FILE`), linked from the page.
    pub beside: Vec<Beside>,
}

/// One file written beside the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beside {
    /// What it holds: "the CSV", "the plot".
    pub what: &'static str,
    /// The link to it, relative to the page's folder where it can be.
    pub href: String,
    /// Its path as the user typed it.
    pub shown: String,
}

/// `text` made safe inside an HTML element or a quoted attribute: markup characters escaped,
/// and control or bidirectional characters shown as `\u{…}` (as the terminal shows them).
pub fn escape(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The command line as one would type it again: each argument quoted for a POSIX shell when
/// it needs to be, the program called `planner` whatever path ran it.
pub fn command_text(command: &[String]) -> String {
    let quote = |a: &str| {
        let plain = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
        if plain {
            a.to_string()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    std::iter::once("planner".to_string())
        .chain(command.iter().skip(1).map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A page being written: its header (the question), then its sections in order.
pub struct Doc {
    title: String,
    header: String,
    body: String,
    /// (id, heading) of every section, for the header's table of contents.
    sections: Vec<(&'static str, String)>,
}

impl Doc {
    /// A page titled `title`, `kind` saying which command wrote it ("optimize").
    pub fn new(kind: &str, title: &str) -> Doc {
        let mut header = String::new();
        let _ = write!(
            header,
            "<p class=\"kind\">planner {} report</p>\n<h1>{}</h1>\n<dl class=\"facts\">\n",
            escape(kind),
            escape(title)
        );
        Doc {
            title: title.to_string(),
            header,
            body: String::new(),
            sections: Vec::new(),
        }
    }

    /// A line of the header's facts: `term` and its value as text.
    pub fn fact(&mut self, term: &str, value: &str) {
        let _ = writeln!(
            self.header,
            "<dt>{}</dt><dd>{}</dd>",
            escape(term),
            escape(value)
        );
    }

    /// A line of the header's facts whose value is code (a command line).
    pub fn fact_code(&mut self, term: &str, value: &str) {
        let _ = writeln!(
            self.header,
            "<dt>{}</dt><dd><code>{}</code></dd>",
            escape(term),
            escape(value)
        );
    }

    /// Starts a section (the previous one ends): `id` is its anchor, as a test or a link
    /// names it.
    pub fn section(&mut self, id: &'static str, heading: &str) {
        self.close_section();
        let _ = writeln!(
            self.body,
            "<section id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{}</h2>",
            escape(heading)
        );
        self.sections.push((id, heading.to_string()));
    }

    fn close_section(&mut self) {
        if !self.sections.is_empty() {
            self.body.push_str("</section>\n");
        }
    }

    /// A heading inside the current section.
    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h3>{}</h3>", escape(text));
    }

    /// A paragraph of text.
    pub fn text(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// A paragraph of a kind the style sheet shows apart: `warning`, `note`.
    pub fn note(&mut self, class: &'static str, text: &str) {
        let _ = writeln!(self.body, "<p class=\"{class}\">{}</p>", escape(text));
    }

    /// A verdict or an answer: `label`, the point in bold, and what follows it; `class`
    /// (`meets`, `fails`) says which way it went, in words as well as colour.
    pub fn headline(&mut self, class: &'static str, label: &str, point: &str, rest: &str) {
        let _ = writeln!(
            self.body,
            "<p class=\"headline {class}\">{} <strong>{}</strong>{}</p>",
            escape(label),
            escape(point),
            escape(rest)
        );
    }

    /// A bulleted list of lines of text.
    pub fn list(&mut self, items: &[String]) {
        self.body.push_str("<ul>\n");
        for item in items {
            let _ = writeln!(self.body, "<li>{}</li>", escape(item));
        }
        self.body.push_str("</ul>\n");
    }

    /// Pairs of term and value, as a small definition list inside a section.
    pub fn pairs(&mut self, rows: &[(&str, String)]) {
        self.body.push_str("<dl class=\"facts\">\n");
        for (term, value) in rows {
            let _ = writeln!(
                self.body,
                "<dt>{}</dt><dd>{}</dd>",
                escape(term),
                escape(value)
            );
        }
        self.body.push_str("</dl>\n");
    }

    /// A block of code (a command to run again).
    pub fn code(&mut self, text: &str) {
        let _ = writeln!(self.body, "<pre><code>{}</code></pre>", escape(text));
    }

    /// Links to files, each with what it holds: `(what, href, shown)`.
    pub fn links(&mut self, items: &[Beside]) {
        self.body.push_str("<ul>\n");
        for b in items {
            let _ = writeln!(
                self.body,
                "<li>{}: <a href=\"{}\">{}</a></li>",
                escape(b.what),
                escape(&b.href),
                escape(&b.shown)
            );
        }
        self.body.push_str("</ul>\n");
    }

    /// `table` as an HTML table with its caption: the text table's headings and cells, each
    /// row named by its cell in column `key` (a row heading), the rows in `marked` set apart
    /// (the answer, the busiest station).
    pub fn table(&mut self, id: &str, caption: &str, table: &Table, key: usize, marked: &[usize]) {
        let (header, align, rows) = table.parts();
        let class = |a: Align| match a {
            Align::Right => " class=\"num\"",
            Align::Left => "",
        };
        let _ = write!(
            self.body,
            "<div class=\"scroll\"><table id=\"{}\">\n<caption>{}</caption>\n<thead><tr>",
            escape(id),
            escape(caption)
        );
        for (h, &a) in header.iter().zip(align) {
            let _ = write!(
                self.body,
                "<th scope=\"col\"{}>{}</th>",
                class(a),
                escape(h)
            );
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for (r, row) in rows.iter().enumerate() {
            let mark = if marked.contains(&r) {
                " class=\"marked\""
            } else {
                ""
            };
            let _ = write!(self.body, "<tr{mark}>");
            for (i, (cell, &a)) in row.iter().zip(align).enumerate() {
                let tag = if i == key { "th scope=\"row\"" } else { "td" };
                let end = if i == key { "th" } else { "td" };
                let _ = write!(self.body, "<{tag}{}>{}</{end}>", class(a), escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody>\n</table></div>\n");
    }

    /// A picture: `svg` (a whole SVG document from `plot`) inline, as an image titled
    /// `caption` and described by `description` for whoever cannot see it, with `caption`
    /// below it. `id` is its anchor.
    pub fn figure(&mut self, id: &str, caption: &str, description: &str, svg: &str) {
        let id = escape(id);
        let body = svg.trim().strip_prefix("<svg").unwrap_or(svg);
        // Inline SVG needs no namespace in HTML; its elements are in SVG's anyway.
        let body = body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
        let (open, rest) = body.split_once('>').unwrap_or((&body, ""));
        let _ = write!(
            self.body,
            "<figure id=\"{id}\">\n<svg role=\"img\" aria-labelledby=\"{id}-t {id}-d\"{open}>\
             <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>{rest}\n\
             <figcaption>{}</figcaption>\n</figure>\n",
            escape(caption),
            escape(description),
            escape(caption),
        );
    }

    /// The whole page.
    pub fn finish(mut self) -> String {
        self.close_section();
        let mut nav = String::from("</dl>\n<nav aria-label=\"Sections\"><ol>");
        for (id, heading) in &self.sections {
            let _ = write!(nav, "<li><a href=\"#{id}\">{}</a></li>", escape(heading));
        }
        nav.push_str("</ol></nav>\n");
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"planner {VERSION}\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n\
             <header id=\"question\">\n{}{nav}</header>\n{}</main>\n</body>\n</html>\n",
            escape(&self.title),
            self.header,
            self.body,
        )
    }
}

/// The page's one style sheet: readable on a screen, and on paper (no navigation, no
/// clipped tables, pictures kept whole, links written out).
const STYLE: &str = r##":root { --ink: #222; --muted: #555; --line: #c8c8c8; --alt: #f5f6f8; --meets: #1f5fa0; --fails: #a8400a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.45; }
main { max-width: 74rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
.kind { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: .8rem; }
h1 { font-size: 1.55rem; margin: .2rem 0 .9rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
nav ol { display: flex; flex-wrap: wrap; gap: .2rem 1.2rem; list-style: none; margin: 1rem 0 0; padding: .5rem .8rem; background: var(--alt); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1.1rem; font-size: .92rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .55rem; vertical-align: top; text-align: left; }
thead th { background: var(--alt); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.marked > * { background: #e8f0fa; font-weight: 600; }
.headline { font-size: 1.12rem; }
.meets strong, .verdict-meets { color: var(--meets); }
.fails strong, .verdict-fails { color: var(--fails); }
.warning { border-left: 4px solid var(--fails); background: #fff5ee; padding: .3rem .7rem; }
.note { color: var(--muted); }
figure { margin: 1rem 0 1.6rem; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; max-width: 60rem; }
pre { background: var(--alt); padding: .6rem .8rem; white-space: pre-wrap; word-break: break-all; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2, h3 { break-after: avoid; }
  figure, table, tr, pre { break-inside: avoid; }
  figure svg { border: none; }
  .scroll { overflow: visible; }
  tr.marked > * { background: none; }
  a { color: inherit; text-decoration: none; }
  a[href^="#"]::after { content: none; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .85em; }
}
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    }

    #[test]
    fn the_command_line_is_quoted_as_a_shell_reads_it() {
        let args: Vec<String> = [
            "/x/planner",
            "run",
            "--slo",
            "p99 < 300ms",
            "--set",
            "a.b=2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            command_text(&args),
            "planner run --slo 'p99 < 300ms' --set a.b=2"
        );
        assert_eq!(
            command_text(&["p".into(), "it's".into()]),
            "planner 'it'\\''s'"
        );
    }

    #[test]
    fn a_figure_is_an_image_with_a_title_and_a_description() {
        let mut doc = Doc::new("run", "t");
        doc.section("answer", "The answer");
        doc.figure(
            "fig-x",
            "cap",
            "desc",
            "<svg width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n",
        );
        let page = doc.finish();
        assert!(page.contains(
            "<svg role=\"img\" aria-labelledby=\"fig-x-t fig-x-d\" width=\"10\" height=\"10\" viewBox=\"0 0 10 10\"><title id=\"fig-x-t\">cap</title><desc id=\"fig-x-d\">desc</desc>"
        ), "{page}");
        assert!(!page.contains("http://"), "{page}");
        assert!(
            page.contains("<a href=\"#answer\">The answer</a>"),
            "{page}"
        );
    }

    #[test]
    fn a_table_has_column_and_row_headings() {
        let mut t = Table::new(&[("class", Align::Left), ("p99 (s)", Align::Right)]);
        t.row(vec!["browse".into(), "0.3".into()]);
        let mut doc = Doc::new("run", "t");
        doc.section("answer", "A");
        doc.table("verdicts", "Per class", &t, 0, &[0]);
        let page = doc.finish();
        assert!(
            page.contains(
                "<th scope=\"col\">class</th><th scope=\"col\" class=\"num\">p99 (s)</th>"
            ),
            "{page}"
        );
        assert!(
            page.contains(
                "<tr class=\"marked\"><th scope=\"row\">browse</th><td class=\"num\">0.3</td></tr>"
            ),
            "{page}"
        );
    }
}
