//! `--report FILE.html`: one page per study that opens offline, read in a real browser.
//!
//! Each page is opened in headless Chromium (Debian's `chromium`; `.ci/run` installs it when
//! it is missing), as whoever is mailed it would open it: the DOM the browser built must hold
//! every section and figure the command has, a screenshot must show something, and the
//! browser's network log must hold no request from the page. Without Chromium these tests
//! fail in CI (`CI=true`) and say they skipped otherwise.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{assert_input_error, planner, run, same_with_one_and_two_threads};

const SHOP: &str = "data/api.toml";

/// The browser, or `None` (with a note) when it is absent outside CI.
fn chromium() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(bin));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let bin = dir.join(name);
            if bin.is_file() {
                return Some(bin);
            }
        }
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "the HTML report tests need headless Chromium and none is on PATH \
             (apt-get install chromium; .ci/run installs it, or set CHROMIUM=/path/to/it)"
        );
    }
    eprintln!("note: no chromium on PATH: the HTML report's browser checks are skipped (CI=true makes this a failure)");
    None
}

/// Runs `browser ARGS` headless with a profile of its own, with background traffic of its
/// own turned down, and returns its stdout; fails past a minute.
fn headless(browser: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).map(|_| s)
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("waits") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(90) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium {args:?} did not finish within 90 s");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    reader.join().unwrap().expect("utf-8 DOM")
}

/// What the browser made of a page.
struct Rendered {
    /// The DOM after loading, serialized.
    dom: String,
    /// Every URL the page itself asked the network for (not the browser's own traffic).
    requests: Vec<String>,
    /// The screenshot's pixels: (distinct colours, share of pixels that are not white).
    colours: usize,
    ink: f64,
}

/// Opens `page` in the browser: its DOM with a network log, then a screenshot.
fn render(browser: &Path, page: &Path) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let netlog = dir.path().join("net.json");
    let dom = headless(
        browser,
        &dir.path().join("profile-dom"),
        &[
            format!("--log-net-log={}", netlog.display()),
            "--dump-dom".into(),
            url.clone(),
        ],
    );
    let requests = page_requests(&std::fs::read_to_string(&netlog).expect("a network log"));
    let png = dir.path().join("shot.png");
    headless(
        browser,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".into(),
            url,
        ],
    );
    let (colours, ink) = pixels(&png);
    Rendered {
        dom,
        requests,
        colours,
        ink,
    }
}

/// The URLs a page asked for, from Chromium's network log: every request job started on
/// the page's behalf (its initiator an origin, `null` for a file, where the browser's own
/// update and sign-in checks have none) that is not for a file or inline data.
fn page_requests(log: &str) -> Vec<String> {
    // A log cut short (the browser stopped while writing) still has whole events before it.
    let log: serde_json::Value = serde_json::from_str(log)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", log.trim_end().trim_end_matches(','))))
        .expect("the network log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("the log names URL_REQUEST_START_JOB");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .map(String::from)
        .collect()
}

/// A screenshot's distinct colours and the share of its pixels that are not white.
fn pixels(png: &Path) -> (usize, f64) {
    let bytes = std::fs::read(png).expect("a screenshot");
    let mut decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(::png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let samples = info.color_type.samples();
    let mut colours = HashSet::new();
    let mut ink = 0usize;
    let pixels = buf[..info.buffer_size()].chunks(samples);
    let n = pixels.len();
    for p in pixels {
        let rgb = match samples {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        };
        colours.insert(rgb);
        if rgb != [255, 255, 255] {
            ink += 1;
        }
    }
    (colours.len(), ink as f64 / n.max(1) as f64)
}

/// What a command's page must show.
struct Expect<'a> {
    sections: &'a [&'a str],
    figures: &'a [&'a str],
    tables: &'a [&'a str],
    /// Text a reader finds on the page.
    texts: &'a [&'a str],
}

/// Writes `planner ARGS --report page.html` (with `--format json` on stdout) in a fresh
/// folder: the folder, the page's path and the JSON.
fn write_page(args: &[&str]) -> (tempfile::TempDir, PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    let mut all: Vec<&str> = args.to_vec();
    let p = page.to_str().unwrap().to_string();
    all.extend(["--format", "json", "--report", &p]);
    let (code, stdout, stderr) = run(&all);
    assert!(code == 0 || code == 1, "{all:?}: exit {code}: {stderr}");
    let json = serde_json::from_str(&stdout).expect("JSON on stdout");
    (dir, page, json)
}

/// The page printed to PDF by the browser: how many pages it took.
fn printed_pages(browser: &Path, page: &Path) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("page.pdf");
    headless(
        browser,
        &dir.path().join("profile"),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
            format!("file://{}", page.canonicalize().unwrap().display()),
        ],
    );
    let bytes = std::fs::read(&pdf).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// The static promises of every page: offline, accessible, printable.
fn check_source(html: &str) {
    let lower = html.to_lowercase();
    for remote in [
        "http://", "https://", "//www.", "src=", "<link", "@import", "url(", "<script",
    ] {
        assert!(!lower.contains(remote), "the page holds `{remote}`");
    }
    assert!(
        html.contains("Content-Security-Policy\" content=\"default-src 'none'"),
        "no policy forbids requests"
    );
    assert!(html.contains("<title>") && html.contains("lang=\"en\""));
    assert!(html.contains("@media print"), "no print style");
}

/// Every figure an image with a title, a description and a caption; every table with a
/// caption and column headings.
fn check_accessible(dom: &str) {
    let figures: Vec<&str> = dom.split("<figure").skip(1).collect();
    assert!(!figures.is_empty(), "no figure");
    for f in figures {
        let f = &f[..f.find("</figure>").expect("a figure ends")];
        assert!(
            f.contains("<svg role=\"img\" aria-labelledby="),
            "{}",
            &f[..80]
        );
        for (open, close) in [
            ("<title", "</title>"),
            ("<desc", "</desc>"),
            ("<figcaption>", "</figcaption>"),
        ] {
            let at = f
                .find(open)
                .unwrap_or_else(|| panic!("{open} missing in {}", &f[..80]));
            let inner = &f[at..f[at..].find(close).map(|e| at + e).expect("closed")];
            let text = &inner[inner.find('>').unwrap() + 1..];
            assert!(text.trim().len() > 10, "{open} empty: {inner}");
        }
    }
    for t in dom.split("<table").skip(1) {
        let t = &t[..t.find("</table>").expect("a table ends")];
        assert!(t.contains("<caption>"), "a table without a caption");
        assert!(
            t.contains("<th scope=\"col\""),
            "a table without column headings"
        );
    }
}

/// Writes the page of `args`, checks its source, and, when there is a browser, opens it and
/// checks what a reader sees. Returns the DOM (the source without a browser) and the JSON.
fn check_page(args: &[&str], expect: &Expect<'_>) -> (String, serde_json::Value) {
    let (_dir, page, json) = write_page(args);
    let html = std::fs::read_to_string(&page).unwrap();
    check_source(&html);
    let dom = match chromium() {
        Some(browser) => {
            let seen = render(&browser, &page);
            assert!(
                seen.requests.is_empty(),
                "{args:?}: the page asked for {:?}",
                seen.requests
            );
            assert!(
                seen.colours > 8 && seen.ink > 0.02,
                "{args:?}: the screenshot is blank: {} colours, {:.4} of it inked",
                seen.colours,
                seen.ink
            );
            seen.dom
        }
        // Without a browser the checks read the source, where an apostrophe in text is
        // written `&#39;`; a browser's DOM gives it back as `'`, as the checks spell it.
        None => html.replace("&#39;", "'"),
    };
    check_accessible(&dom);
    for s in expect.sections {
        assert!(
            dom.contains(&format!("<section id=\"{s}\"")),
            "{args:?}: no section {s}"
        );
        assert!(
            dom.contains(&format!("<a href=\"#{s}\">")),
            "{args:?}: {s} not listed"
        );
    }
    for f in expect.figures {
        assert!(
            dom.contains(&format!("<figure id=\"{f}\">")),
            "{args:?}: no figure {f}"
        );
    }
    for t in expect.tables {
        assert!(
            dom.contains(&format!("<table id=\"{t}\">")),
            "{args:?}: no table {t}"
        );
    }
    for t in expect.texts {
        assert!(dom.contains(t), "{args:?}: no `{t}` on the page");
    }
    assert!(
        dom.contains("<header id=\"question\">"),
        "{args:?}: no header"
    );
    let version = format!("planner {}", env!("CARGO_PKG_VERSION"));
    for fact in [
        "Scenario",
        "Objectives",
        "Prices",
        "Randomness",
        "seed ",
        &version,
    ] {
        assert!(dom.contains(fact), "{args:?}: the header lacks `{fact}`");
    }
    let command = format!("<code>planner {}", args.join(" "));
    assert!(
        dom.contains(&command),
        "{args:?}: the command line is not shown"
    );
    (dom, json)
}

/// The `<strong>` of the answer's headline.
fn answer_of(dom: &str) -> &str {
    let at = dom.find("Answer: <strong>").expect("an answer headline") + "Answer: <strong>".len();
    &dom[at..at + dom[at..].find("</strong>").unwrap()]
}

/// Every `lever=value` of the JSON answer's configuration, in the page's answer.
fn check_answer(dom: &str, json: &serde_json::Value) {
    let config = json["answer"]["config"].as_object().expect("an answer");
    let shown = answer_of(dom);
    for (lever, value) in config {
        assert!(
            shown.contains(&format!("{lever}={value}")),
            "{lever}={value} not in `{shown}`"
        );
    }
}

const SEARCH_SECTIONS: &[&str] = &["answer", "time", "space", "reproduce"];
const SEARCH_TABLES: &[&str] = &["cost", "verdicts", "runners-up", "failed", "stations"];

#[test]
fn optimize_on_the_tutorial_reads_in_a_browser() {
    let (dom, json) = check_page(
        &["optimize"],
        &Expect {
            sections: SEARCH_SECTIONS,
            figures: &[
                "fig-pareto",
                "fig-stations",
                "fig-latency-1",
                "fig-dashboard",
            ],
            tables: SEARCH_TABLES,
            texts: &[
                "Change from the baseline",
                "Capacity bottleneck",
                "all clients",
                "Prices",
            ],
        },
    );
    check_answer(&dom, &json);
    assert!(
        !dom.contains("fig-latency-2"),
        "one class, one distribution"
    );
    // It prints on several pages.
    if let Some(browser) = chromium() {
        let (_dir, page, _) = write_page(&["optimize"]);
        let pages = printed_pages(&browser, &page);
        assert!((2..40).contains(&pages), "{pages} printed pages");
    }
    // The answer is ringed on the Pareto plot and said so in its description.
    assert!(dom.contains(&format!("The answer, {}", answer_of(&dom))));
}

#[test]
fn optimize_on_the_web_shop_shows_each_class_with_its_verdict() {
    let (dom, json) = check_page(
        &["--scenario", SHOP, "optimize"],
        &Expect {
            sections: SEARCH_SECTIONS,
            figures: &[
                "fig-pareto",
                "fig-stations",
                "fig-latency-1",
                "fig-latency-2",
                "fig-dashboard",
            ],
            tables: SEARCH_TABLES,
            texts: &["browse: 99% of latencies under 300 ms", "replications"],
        },
    );
    check_answer(&dom, &json);
    let verdicts = &dom[dom.find("<table id=\"verdicts\">").unwrap()..];
    let verdicts = &verdicts[..verdicts.find("</table>").unwrap()];
    for class in ["browse", "checkout"] {
        let row = &verdicts[verdicts
            .find(&format!("<th scope=\"row\">{class}</th>"))
            .unwrap_or_else(|| panic!("no {class} row"))..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("<td>meets</td>"), "{row}");
        assert!(
            row.contains("replications, the interval's lower bound"),
            "how it was decided: {row}"
        );
    }
    for class in ["browse", "checkout"] {
        assert!(
            dom.contains(&format!("{class}: share of its")),
            "no distribution for {class}"
        );
    }
}

#[test]
fn compare_shows_the_strategies_across_rates() {
    let (dom, json) = check_page(
        &["compare"],
        &Expect {
            sections: &["answer", "space", "reproduce"],
            figures: &["fig-compare"],
            tables: &["strategies", "satisfaction"],
            texts: &["Satisfaction against arrival rate"],
        },
    );
    for s in json["strategies"].as_array().expect("strategies") {
        let name = s["name"].as_str().unwrap();
        assert!(
            dom.contains(&format!("<th scope=\"row\">{name}</th>")),
            "{name} missing"
        );
    }
}

#[test]
fn sweep_shows_the_space_and_the_cheapest_that_passes() {
    let (dom, _) = check_page(
        &["sweep"],
        &Expect {
            sections: SEARCH_SECTIONS,
            figures: &[
                "fig-pareto",
                "fig-stations",
                "fig-latency-1",
                "fig-dashboard",
            ],
            tables: &["cost", "verdicts", "failed", "stations", "cheapest"],
            texts: &["The cheapest configuration of the space that meets the target"],
        },
    );
    assert!(answer_of(&dom).contains("soda.units="));
}

#[test]
fn a_run_with_client_rules_shows_what_the_rules_did() {
    let (dom, json) = check_page(
        &[
            "--scenario",
            SHOP,
            "run",
            "--patience",
            "0.5",
            "--retries",
            "2",
            "--backoff",
            "0.1",
        ],
        &Expect {
            sections: &["answer", "time", "client-rules", "reproduce"],
            figures: &[
                "fig-clients",
                "fig-stations",
                "fig-latency-1",
                "fig-latency-2",
            ],
            tables: &["verdicts", "stations"],
            texts: &["given up", "retries", "goodput", "wasted work"],
        },
    );
    let given_up = json["given_up"].as_u64().expect("given_up");
    assert!(
        dom.contains(&format!("{given_up} gave up for good")),
        "{given_up}"
    );
}

#[test]
fn a_small_run_shows_its_timeline_and_a_large_one_does_not() {
    let (dom, _) = check_page(
        &["run"],
        &Expect {
            sections: &["answer", "time", "reproduce"],
            figures: &[
                "fig-timeline",
                "fig-dashboard",
                "fig-stations",
                "fig-latency-1",
            ],
            tables: &["verdicts", "stations", "clients"],
            texts: &["Change from the baseline"],
        },
    );
    assert!(!dom.contains("id=\"client-rules\""), "no rules, no section");
    let (_dir, page, _) = write_page(&["run", "--clients", "61"]);
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("<figure id=\"fig-dashboard\">"));
    assert!(!html.contains("fig-timeline"), "61 clients drew a timeline");
}

#[test]
fn the_browser_check_sees_a_page_that_fetches() {
    // The network check itself: a page with one remote image is caught.
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("fetching.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body><p>text</p>\
         <img src=\"http://planner-test.invalid/x.png\" alt=\"x\"></body></html>",
    )
    .unwrap();
    let seen = render(&browser, &page);
    assert_eq!(
        seen.requests,
        vec!["http://planner-test.invalid/x.png".to_string()]
    );
    // …and an empty page is blank.
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>t</title></head><body></body></html>",
    )
    .unwrap();
    let seen = render(&browser, &page);
    assert!(
        seen.colours <= 2 && seen.ink < 0.001,
        "{} {}",
        seen.colours,
        seen.ink
    );
}

#[test]
fn a_merge_writes_the_page_the_whole_search_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for k in ["1/2", "2/2"] {
        let out = planner()
            .args(["optimize", "--shard", k, "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        std::fs::write(path(&format!("{}.json", &k[..1])), out.stdout).unwrap();
    }
    let (merged, whole) = (path("merged.html"), path("whole.html"));
    let (code, _, err) = run(&[
        "merge",
        &path("1.json"),
        &path("2.json"),
        "--report",
        &merged,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["optimize", "--report", &whole]);
    assert_eq!(code, 0, "{err}");
    let without_command = |p: &str| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("<code>planner "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let page = without_command(&merged);
    assert!(page.contains("<figure id=\"fig-pareto\">"));
    assert_eq!(page, without_command(&whole));
}

#[test]
fn the_page_links_the_csv_written_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let page = dir.path().join("page.html");
    let csv = dir.path().join("data").join("rows & all.csv");
    let (code, _, err) = run(&[
        "sweep",
        "--report",
        page.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<a href=\"data/rows%20%26%20all.csv\">"),
        "no link to the CSV"
    );
    assert!(csv.is_file());
}

#[test]
fn the_page_is_the_same_whatever_the_thread_count() {
    let page = same_with_one_and_two_threads(&["--scenario", SHOP, "optimize", "--report", "-"]);
    assert!(String::from_utf8(page)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

#[test]
fn a_report_goes_through_the_output_seam() {
    let dir = tempfile::tempdir().unwrap();
    // Refused onto an input, and the input kept.
    let scenario = dir.path().join("shop.html");
    std::fs::copy(SHOP, &scenario).unwrap();
    let s = scenario.to_str().unwrap();
    assert_input_error(
        &["--scenario", s, "optimize", "--report", s],
        "would overwrite the scenario",
    );
    assert_eq!(
        std::fs::read(&scenario).unwrap(),
        std::fs::read(SHOP).unwrap()
    );
    // Named for what it is, and not twice.
    assert_input_error(&["optimize", "--report", "page.png"], "name the file .html");
    let p = dir.path().join("p.html");
    let p = p.to_str().unwrap();
    assert_input_error(&["sweep", "--report", p, "--csv", p], "name the same file");
    // A shard has no page of its own.
    assert_input_error(
        &[
            "optimize", "--shard", "1/2", "--format", "json", "--report", p,
        ],
        "--report",
    );
    assert_input_error(
        &[
            "compare", "--shard", "1/2", "--format", "json", "--report", p,
        ],
        "--report",
    );
    // `fit` studies no configuration.
    let (code, _, err) = run(&["fit", "data/db-latency.csv", "--report", p]);
    assert_eq!(code, 2, "{err}");
    assert!(!Path::new(p).exists(), "a refused page was written");
}

#[test]
fn a_failed_command_writes_no_page_and_a_met_one_writes_all_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    let csv = dir.path().join("p.csv");
    // An objective no configuration can meet leaves no answer, but still a page.
    let (code, _, err) = run(&[
        "optimize",
        "--timeout",
        "0.5",
        "--report",
        page.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("No answer:"), "the page says there is none");
    assert!(csv.is_file(), "the CSV was not written with the page");
    // Bad input: nothing written, no half page.
    let bad = dir.path().join("bad.html");
    assert_input_error(
        &[
            "optimize",
            "--clients",
            "0",
            "--report",
            bad.to_str().unwrap(),
        ],
        "clients",
    );
    assert!(!bad.exists());
}

#[test]
fn text_from_the_scenario_stays_text_on_the_page() {
    let text = std::fs::read_to_string(SHOP).unwrap();
    let marked = text
        .lines()
        .map(|l| match l.starts_with("description = ") {
            true => {
                "description = \"<img src=x onerror=alert(1)> </svg><script>alert(2)</script>\""
            }
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (_dir, scenario) = super::common::scenario_file(&marked);
    let (code, page, err) = run(&["--scenario", &scenario, "optimize", "--report", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !page.contains("<img") && !page.contains("<script"),
        "markup got through"
    );
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; &lt;/svg&gt;&lt;script&gt;"));
}
