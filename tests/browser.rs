//! The report in a real browser (SPEC §7): builds `report.html` for a run of every scenario in
//! `scenarios/` (few paths each), a page of the analyst commands' charts from made-up but
//! realistic results, and the reports `sweep`, `compare` and `sensitivity` write, opens each in
//! headless Chromium and checks the page as rendered: the
//! summary table with a row per scenario, every chart's `<svg>` laid out at a non-zero size, no
//! chart text outside its drawing or on top of another text, no console error, and no request
//! other than the page itself. It leaves screenshots (PNG) and an A4 print (PDF) under
//! `target/tmp/browser/` for a person to look at.
//!
//! Chromium is driven through the DevTools protocol over a pipe (`--remote-debugging-pipe`:
//! JSON messages ending in a NUL byte on file descriptors 3 and 4), which needs no WebSocket
//! and no port. Without Chromium the test says so and passes, unless TRADESIM_REQUIRE_BROWSER=1
//! (as in CI), where it fails.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};
use tradesim::engine::simulate;
use tradesim::export::RunResult;
use tradesim::export::charts::{self, Compare, CompareOther, Curve, Sweep, SweepPoint, Tornado, TornadoParam};
use tradesim::export::html::{Figure, Provenance, Report, run_report};
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

/// Paths per scenario: the charts need shapes, not precision.
const RUNS: u64 = 2_000;
const SEED: u64 = 2022;
/// A laptop's screen.
const VIEWPORT: (u32, u32) = (1280, 900);
/// How long any one answer from the browser may take.
const TIMEOUT: Duration = Duration::from_secs(60);

const CHROMIUM: [&str; 2] = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];

/// The browser: TRADESIM_CHROMIUM when set (and only it), else the first of [`CHROMIUM`] there is.
fn chromium() -> Option<PathBuf> {
    match std::env::var_os("TRADESIM_CHROMIUM") {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => CHROMIUM.iter().map(PathBuf::from).find(|p| p.is_file()),
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Headless Chromium, spoken to over the DevTools pipe.
struct Browser {
    child: Child,
    to_browser: fs::File,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: Option<String>,
    /// Events received while waiting for answers, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// A pipe whose ends close on exec, moved above the descriptors the child will use.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0, "pipe2");
    let high = |fd: i32| {
        let moved = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
        assert!(moved >= 10, "fcntl");
        unsafe { libc::close(fd) };
        unsafe { OwnedFd::from_raw_fd(moved) }
    };
    (high(fds[0]), high(fds[1]))
}

impl Browser {
    fn launch(binary: &Path) -> Browser {
        use std::os::fd::AsRawFd;
        let profile = tempfile::tempdir().unwrap();
        let (child_reads, we_write) = pipe();
        let (we_read, child_writes) = pipe();
        let (child_in, child_out) = (child_reads.as_raw_fd(), child_writes.as_raw_fd());
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so that a failed test can stop every process it started.
            .process_group(0);
        // SAFETY: dup2 is async-signal-safe; the descriptors are open until after spawn.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(child_in, 3) < 0 || libc::dup2(child_out, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        drop((child_reads, child_writes));
        let (sender, from_browser) = channel();
        let reader = fs::File::from(we_read);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop();
                if let Ok(value) = serde_json::from_slice::<Value>(&message)
                    && sender.send(value).is_err()
                {
                    return;
                }
                message.clear();
            }
        });
        Browser {
            child,
            to_browser: fs::File::from(we_write),
            from_browser,
            next_id: 0,
            session: None,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to the attached page once there is one) and waits for its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        loop {
            let reply = self.from_browser.recv_timeout(TIMEOUT).unwrap_or_else(|e| panic!("{method}: no answer: {e}"));
            if reply["id"] == json!(id) {
                if let Some(error) = reply.get("error") {
                    panic!("{method} failed: {error}");
                }
                return reply["result"].clone();
            }
            self.events.push(reply);
        }
    }

    /// Waits for the event `method`, keeping the others.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == json!(method)) {
            return;
        }
        loop {
            let event = self.from_browser.recv_timeout(TIMEOUT).unwrap_or_else(|e| panic!("no {method}: {e}"));
            let found = event["method"] == json!(method);
            self.events.push(event);
            if found {
                return;
            }
        }
    }

    /// Opens a page in a new tab of `width` x `height` and attaches to it.
    fn open_tab(&mut self, width: u32, height: u32) {
        self.session = None;
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call("Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        self.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        for domain in ["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"] {
            self.call(domain, json!({}));
        }
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    fn navigate(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
    }

    /// Evaluates `expression` in the page; its value must be JSON text.
    fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true}));
        let text = result["result"]["value"].as_str().unwrap_or_else(|| panic!("evaluation failed: {result}"));
        serde_json::from_str(text).unwrap()
    }

    /// The console errors, uncaught exceptions, error log entries and requests other than
    /// `page` seen since the page was opened.
    fn complaints(&self, page: &str) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| {
                let p = &e["params"];
                match e["method"].as_str()? {
                    "Runtime.consoleAPICalled" if p["type"] == json!("error") || p["type"] == json!("warning") => {
                        Some(format!("console {}: {}", p["type"], p["args"]))
                    }
                    "Runtime.exceptionThrown" => Some(format!("exception: {}", p["exceptionDetails"])),
                    "Log.entryAdded" if p["entry"]["level"] == json!("error") => Some(format!("log: {}", p["entry"])),
                    "Network.requestWillBeSent" if p["request"]["url"] != json!(page) => {
                        Some(format!("request: {}", p["request"]["url"]))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// A PNG of the viewport, or of `clip` (x, y, width, height in page px) anywhere on the page.
    fn screenshot(&mut self, path: &Path, clip: Option<(f64, f64, f64, f64)>) {
        let mut params = json!({"format": "png", "captureBeyondViewport": clip.is_some()});
        if let Some((x, y, width, height)) = clip {
            params["clip"] = json!({"x": x, "y": y, "width": width, "height": height, "scale": 1});
        }
        let shot = self.call("Page.captureScreenshot", params);
        fs::write(path, base64(shot["data"].as_str().unwrap())).unwrap();
    }

    fn print_a4(&mut self, path: &Path) {
        let pdf = self.call(
            "Page.printToPDF",
            json!({"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": true, "preferCSSPageSize": true}),
        );
        let bytes = base64(pdf["data"].as_str().unwrap());
        assert!(bytes.starts_with(b"%PDF-"), "the print is a PDF");
        fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session = None;
        let mut bytes = serde_json::to_vec(&json!({"id": 0, "method": "Browser.close"})).unwrap();
        bytes.push(0);
        let _ = self.to_browser.write_all(&bytes);
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Still running: stop the process group this test started.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Standard base64 (the protocol's encoding of binary data).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= u32::from(value(*c)) << (18 - 6 * i);
        }
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The layout facts the test checks, gathered in the page.
const MEASURE: &str = r#"JSON.stringify((() => {
  const box = r => ({x: r.left, y: r.top + scrollY, width: r.width, height: r.height});
  const tables = [...document.querySelectorAll('table')].map(t => ({
    caption: t.caption ? t.caption.textContent : '',
    rows: [...t.tBodies[0].rows].map(r => r.cells[0].textContent),
    scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1,
  }));
  const charts = [...document.querySelectorAll('figure svg')].map(svg => {
    const outer = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
    const clipped = texts.filter(t => t.r.left < outer.left - 0.5 || t.r.right > outer.right + 0.5
      || t.r.top < outer.top - 0.5 || t.r.bottom > outer.bottom + 0.5).map(t => t.text);
    const overlapping = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i].r, b = texts[j].r;
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (dx > 1 && dy > 2) overlapping.push(texts[i].text + ' / ' + texts[j].text);
    }
    return {title: svg.querySelector('title').textContent, box: box(outer), clipped, overlapping};
  });
  const sections = [...document.querySelectorAll('main > section')].map(s => ({id: s.id, box: box(s.getBoundingClientRect())}));
  return {tables, charts, sections, scripts: document.scripts.length,
    width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight};
})())"#;

/// Opens `html` (written to `name`.html), checks what every report must satisfy, takes the
/// screenshots and the print, and returns the measurements for the caller's own checks.
fn check_page(browser: &mut Browser, name: &str, html: &str, charts: usize) -> Value {
    let dir = out_dir();
    let path = dir.join(format!("{name}.html"));
    fs::write(&path, html).unwrap();
    let url = format!("file://{}", path.display());
    browser.open_tab(VIEWPORT.0, VIEWPORT.1);
    browser.navigate(&url);
    let page = browser.evaluate(MEASURE);
    let complaints = browser.complaints(&url);
    assert!(complaints.is_empty(), "{name}: {complaints:#?}");
    assert_eq!(page["scripts"], json!(0), "{name}: no script");
    assert!(page["width"].as_f64().unwrap() <= f64::from(VIEWPORT.0), "{name}: the page scrolls sideways");
    for table in page["tables"].as_array().unwrap() {
        assert_eq!(table["scrolls"], json!(false), "{name}: the table {} is wider than the page", table["caption"]);
    }
    let figures = page["charts"].as_array().unwrap();
    assert_eq!(figures.len(), charts, "{name}: every chart is in the page");
    for chart in figures {
        let (w, h) = (chart["box"]["width"].as_f64().unwrap(), chart["box"]["height"].as_f64().unwrap());
        assert!(w > 300.0 && h > 150.0, "{name}: {} is {w} x {h}", chart["title"]);
        assert_eq!(chart["clipped"], json!([]), "{name}: text outside {}", chart["title"]);
        assert_eq!(chart["overlapping"], json!([]), "{name}: texts on top of each other in {}", chart["title"]);
    }

    // For a person to look at: the first screen, each chart, the whole page, and an A4 print.
    browser.screenshot(&dir.join(format!("{name}-screen.png")), None);
    for (i, chart) in figures.iter().enumerate() {
        let b = &chart["box"];
        let clip = (
            b["x"].as_f64().unwrap(),
            b["y"].as_f64().unwrap(),
            b["width"].as_f64().unwrap(),
            b["height"].as_f64().unwrap(),
        );
        browser.screenshot(&dir.join(format!("{name}-chart-{i:02}.png")), Some(clip));
    }
    if let Some(section) = page["sections"].as_array().unwrap().first() {
        let b = &section["box"];
        let clip = (0.0, b["y"].as_f64().unwrap(), f64::from(VIEWPORT.0), b["height"].as_f64().unwrap());
        browser.screenshot(&dir.join(format!("{name}-section.png")), Some(clip));
    }
    let height = page["height"].as_f64().unwrap();
    browser.screenshot(&dir.join(format!("{name}-page.png")), Some((0.0, 0.0, f64::from(VIEWPORT.0), height)));
    browser.print_a4(&dir.join(format!("{name}.pdf")));
    eprintln!("browser: {name}: screenshots and print in {}", dir.display());
    page
}

fn library() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.iter().map(|f| Scenario::load(f).unwrap_or_else(|e| panic!("{}: {e:?}", f.display()))).collect()
}

fn provenance(command: &str) -> Provenance {
    Provenance {
        tool_version: format!("tradesim {}", env!("CARGO_PKG_VERSION")),
        command: command.to_string(),
        fields: vec![("seed".into(), SEED.to_string()), ("runs".into(), RUNS.to_string())],
    }
}

/// Made-up but realistic results of `sweep`, `compare` and `sensitivity`, on one page.
fn analyst_report() -> (Report, usize) {
    // sweep baseline --vary growth.mean=0.02:0.3:0.04 --vary growth.sd=0.1,0.15,0.25
    let mut points = Vec::new();
    for i in 0..8 {
        let mean = 0.02 + 0.04 * f64::from(i);
        for sd in [0.10, 0.15, 0.25] {
            let years = (1000.0f64 / 460.0).ln() / (1.0 + mean).ln();
            let median = 2022 + years.ceil() as i32 + if sd > 0.2 { 1 } else { 0 };
            let spread = (years * sd * 1.5).ceil() as i32 + 1;
            let year = |y: i32| (y <= 2050).then_some(y);
            points.push(SweepPoint {
                values: vec![mean, sd],
                prob_reached: 0.5,
                p10_year: year(median - spread),
                median_year: year(median),
                p90_year: year(median + 2 * spread),
            });
        }
    }
    let two = Sweep {
        scenario: "baseline".into(),
        keys: vec!["growth.mean".into(), "growth.sd".into()],
        base_year: 2022,
        horizon_year: 2050,
        runs: 100_000,
        runs_most: 100_000,
        points,
    };
    let naive = Sweep {
        scenario: "naive_constant_40".into(),
        keys: vec!["growth.mean".into()],
        base_year: 2022,
        horizon_year: 2050,
        runs: 100_000,
        runs_most: 100_000,
        points: [(0.2, 2027), (0.3, 2025), (0.4, 2025), (0.5, 2024)]
            .map(|(m, y)| SweepPoint {
                values: vec![m],
                prob_reached: 1.0,
                p10_year: Some(y),
                median_year: Some(y),
                p90_year: Some(y),
            })
            .to_vec(),
    };
    let curve = |name: &str, start: f64, speed: f64, top: f64| Curve {
        scenario: name.into(),
        prob_reached_by: (0..=28).map(|k| top * (1.0 - (-(f64::from(k) - start).max(0.0) / speed).exp())).collect(),
    };
    let compare = Compare {
        base_year: 2022,
        horizon_year: 2050,
        runs: 100_000,
        baseline: curve("baseline", 1.0, 5.0, 0.99),
        others: vec![
            CompareOther {
                curve: curve("secondary_sanctions", 1.5, 6.5, 0.97),
                delays: vec![(-1, 0.01), (0, 0.62), (1, 0.14), (2, 0.08), (3, 0.05), (4, 0.03), (6, 0.02)],
                baseline_only: 0.03,
                other_only: 0.005,
                neither: 0.005,
            },
            CompareOther {
                curve: curve("combined_stress", 2.5, 10.0, 0.85),
                delays: vec![(0, 0.21), (1, 0.17), (2, 0.15), (3, 0.11), (4, 0.08), (5, 0.06), (7, 0.04), (9, 0.03)],
                baseline_only: 0.14,
                other_only: 0.002,
                neither: 0.008,
            },
        ],
    };
    let param = |name: &str, low: f64, high: f64, l: Option<i32>, h: Option<i32>| TornadoParam {
        param: name.into(),
        low_value: low,
        high_value: high,
        median_year_low: l,
        median_year_high: h,
    };
    let tornado = Tornado {
        scenario: "baseline".into(),
        base_year: 2022,
        horizon_year: 2050,
        runs: 100_000,
        swing: 0.2,
        median_year_base: Some(2031),
        params: vec![
            param("growth.long_run_mean", 0.048, 0.072, Some(2034), Some(2029)),
            param("growth.mean", 0.12, 0.18, Some(2033), Some(2030)),
            param("growth.sd", 0.12, 0.18, Some(2031), Some(2031)),
            param("growth.half_life", 2.4, 3.6, Some(2032), Some(2030)),
            param("growth.persistence", 0.24, 0.36, Some(2031), Some(2031)),
            param("shocks.US secondary sanctions on banks.probability", 0.08, 0.12, Some(2031), Some(2032)),
        ],
    };
    let figure = |caption: &str, svg: String| Figure { caption: caption.into(), svg };
    let figures = vec![
        figure("sweep.svg of a sweep of two keys", charts::sweep(&two)),
        figure("heatmap.svg of the same sweep", charts::heatmap(&two)),
        figure("sweep.svg of a sweep of one key", charts::sweep(&naive)),
        figure("compare.svg", charts::compare(&compare)),
        figure("tornado.svg", charts::tornado(&tornado)),
    ];
    let count = figures.len();
    let report = Report {
        title: "tradesim: analyst charts (made-up results)".into(),
        intro: vec!["The charts of sweep, compare and sensitivity, drawn from made-up but realistic results.".into()],
        tables: Vec::new(),
        figures,
        sections: Vec::new(),
        provenance: provenance(
            "tradesim sweep baseline.toml --vary growth.mean=0.02:0.3:0.04 --vary growth.sd=0.1,0.15,0.25",
        ),
    };
    (report, count)
}

#[test]
fn reports_render_in_a_browser() {
    let Some(binary) = chromium() else {
        let message = "no Chromium found (looked for /usr/bin/chromium-headless-shell and /usr/bin/chromium, or \
                       TRADESIM_CHROMIUM); install it with `apt-get install chromium-headless-shell`";
        if std::env::var("TRADESIM_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("TRADESIM_REQUIRE_BROWSER=1 but {message}");
        }
        eprintln!("SKIPPED reports_render_in_a_browser: {message}");
        return;
    };
    let scenarios = library();
    assert_eq!(scenarios.len(), 8, "the eight scenarios of scenarios/");
    let summaries: Vec<Summary> = scenarios.iter().map(|s| Summary::new(s, &simulate(s, RUNS, SEED))).collect();
    let results: Vec<RunResult> = scenarios
        .iter()
        .zip(&summaries)
        .map(|(scenario, summary)| RunResult { scenario, summary, seed: SEED })
        .collect();
    let run = run_report(&results, provenance("tradesim run"));
    let html = run.to_html();
    assert!(!html.contains("http") && !html.contains("<script") && !html.contains("<link"), "self-contained");

    let mut browser = Browser::launch(&binary);
    let page = check_page(&mut browser, "run-report", &html, 2 * scenarios.len());
    let summary =
        page["tables"].as_array().unwrap().iter().find(|t| t["caption"].as_str().unwrap().starts_with("Summary"));
    let names: Vec<Value> = scenarios.iter().map(|s| json!(s.name())).collect();
    assert_eq!(summary.expect("the summary table")["rows"], json!(names), "a row per scenario, in order");
    let sections: Vec<&str> = page["sections"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(sections.len(), scenarios.len() + 1, "a section per scenario and the provenance: {sections:?}");

    let (analyst, charts) = analyst_report();
    check_page(&mut browser, "analyst-report", &analyst.to_html(), charts);

    // The reports the analyst commands write, as a user runs them.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands: [(&str, &[&str]); 3] = [
        (
            "sweep-report",
            &[
                "sweep",
                "scenarios/secondary_sanctions.toml",
                "--vary",
                "growth.mean=0.1,0.2,0.3",
                "--vary",
                "growth.sd=0.1,0.2",
            ],
        ),
        (
            "compare-report",
            &[
                "compare",
                "scenarios/baseline.toml",
                "scenarios/secondary_sanctions.toml",
                "scenarios/combined_stress.toml",
            ],
        ),
        ("sensitivity-report", &["sensitivity", "scenarios/secondary_sanctions.toml"]),
    ];
    for (name, args) in commands {
        let out = out_dir().join(name);
        let _ = fs::remove_dir_all(&out);
        let status = Command::new(env!("CARGO_BIN_EXE_tradesim"))
            .current_dir(root)
            .args(args)
            .args(["-n", &RUNS.to_string(), "-q", "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "tradesim {args:?} failed");
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        check_page(&mut browser, name, &html, html.matches("<figure").count());
    }
}
