//! The browser application in a real browser: Debian's Chromium, headless, driven by
//! its chromedriver over WebDriver (thirtyfour), against the real server on loopback.
//!
//! [`Browser::launch`] starts chromedriver on a free loopback port and a Chromium with a
//! fresh profile; dropping it quits the browser and stops chromedriver by its PID. One
//! browser runs at a time (they are heavy on two cores); each test has its own server
//! and its own browser. Without Chromium or chromedriver the browser tests print a loud
//! notice and pass, except when `CI` is set: then they fail.
//!
//! Helpers: [`Browser::open`], [`Browser::screenshot`] (PNGs in `target/screenshots/`),
//! [`Browser::axe_check`] (axe-core, injected from `tests/assets/axe.min.js`, never
//! served by the application), [`Browser::tab`] and [`Browser::focused`].
//!
//! The non-browser tests at the end check headers and caching over plain HTTP.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use thirtyfour::prelude::*;
use thirtyfour::ChromiumLikeCapabilities;

use crate::helpers::{Db, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WINDOW: (u32, u32) = (1280, 900);

/// One browser at a time across the test binary.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// A chromedriver process, killed by its PID on drop.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start(binary: &Path) -> ChromeDriver {
        let port = free_port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(2))
            .build();
        while agent.get(&format!("{}/status", driver.url)).call().is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on {}",
                driver.url
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Chromium and chromedriver (`SAFETABLE_CHROMIUM`, `SAFETABLE_CHROMEDRIVER`, else
/// Debian's paths), or why they are not there.
pub fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let chromium = std::env::var_os("SAFETABLE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| CHROMIUM.into());
    let driver = std::env::var_os("SAFETABLE_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| CHROMEDRIVER.into());
    if chromium.is_file() && driver.is_file() {
        return Ok((chromium, driver));
    }
    Err(format!(
        "{} or {} is missing (apt-get install chromium chromium-driver)",
        chromium.display(),
        driver.display()
    ))
}

/// [`browser_binaries`], failing the test when they are missing: browser tests are
/// registered as needing them, so outside CI the runner reports them ignored instead.
fn required_browser_binaries() -> (PathBuf, PathBuf) {
    browser_binaries().unwrap_or_else(|missing| panic!("{missing}"))
}

/// A headless Chromium on one test's server.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    driver: Option<WebDriver>,
    root: String,
    _chromedriver: ChromeDriver,
    _profile: tempfile::TempDir,
    _one: MutexGuard<'static, ()>,
}

impl Browser {
    /// A browser for the server at `root` (`http://127.0.0.1:PORT`).
    pub fn launch(root: &str) -> Browser {
        let (chromium, chromedriver) = required_browser_binaries();
        let one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the WebDriver client");
        let chromedriver = ChromeDriver::start(&chromedriver);
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium.to_string_lossy()).unwrap();
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            &format!("--user-data-dir={}", profile.path().display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        let driver = rt
            .block_on(WebDriver::new(&chromedriver.url, caps))
            .expect("start a Chromium session");
        Browser {
            rt,
            driver: Some(driver),
            root: root.trim_end_matches('/').to_owned(),
            _chromedriver: chromedriver,
            _profile: profile,
            _one: one,
        }
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("browser running")
    }

    /// Loads `path` on the test server and waits for the page to finish loading.
    pub fn open(&self, path: &str) {
        let url = format!("{}{path}", self.root);
        self.rt
            .block_on(self.driver().goto(&url))
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.eval("return document.readyState") != "complete" {
            assert!(Instant::now() < deadline, "{path} did not finish loading");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The page's URL path.
    pub fn path(&self) -> String {
        self.eval("return location.pathname")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub fn eval(&self, script: &str) -> Value {
        self.rt
            .block_on(self.driver().execute(script, Vec::new()))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
            .json()
            .clone()
    }

    /// Runs `script` asynchronously: it calls `done(value)` when finished.
    pub fn eval_async(&self, script: &str) -> Value {
        let body = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.rt
            .block_on(self.driver().execute_async(body, Vec::new()))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
            .json()
            .clone()
    }

    /// A PNG of the whole page in `target/screenshots/NAME.png` (the window grows to the
    /// page's height for the shot, then returns to its size); returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        let size = self.eval(
            "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];",
        );
        let page = size[0].as_i64().unwrap_or(0) + size[1].as_i64().unwrap_or(0);
        let d = self.driver();
        let rect = self.rt.block_on(d.get_window_rect()).expect("window size");
        let (width, height) = (rect.width as u32, rect.height as u32);
        let tall = page.clamp(i64::from(height), 4000) as u32;
        self.rt
            .block_on(d.set_window_rect(0, 0, width, tall))
            .expect("resize for the screenshot");
        let png = self.rt.block_on(d.screenshot_as_png()).expect("screenshot");
        self.rt
            .block_on(d.set_window_rect(0, 0, width, height))
            .expect("restore the window");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Presses Tab once.
    pub fn tab(&self) {
        self.keys(Key::Tab);
    }

    /// Types `keys` into whatever has the focus.
    pub fn keys(&self, keys: impl Into<TypingData>) {
        self.rt
            .block_on(self.driver().action_chain().send_keys(keys).perform())
            .expect("send keys");
    }

    /// The focused element, described as `#id` or `TAG.class "text"`.
    pub fn focused(&self) -> String {
        self.eval(
            "const e = document.activeElement;
             if (!e || e === document.body) return 'body';
             if (e.id) return '#' + e.id;
             return e.tagName.toLowerCase() + '.' + [...e.classList].join('.') + ' \"' + e.textContent.trim() + '\"';",
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Runs axe-core on the page and fails with a readable list of every violation.
    pub fn axe_check(&self) {
        let violations = self.axe_violations();
        if !violations.is_empty() {
            let mut report = String::new();
            for v in &violations {
                report.push_str(&format!(
                    "\n- {} ({}): {}\n  {}\n",
                    v["id"].as_str().unwrap_or("?"),
                    v["impact"].as_str().unwrap_or("?"),
                    v["help"].as_str().unwrap_or(""),
                    v["helpUrl"].as_str().unwrap_or("")
                ));
                for node in v["nodes"].as_array().into_iter().flatten() {
                    report.push_str(&format!(
                        "    at {}\n      {}\n",
                        node["target"],
                        node["failureSummary"]
                            .as_str()
                            .unwrap_or("")
                            .replace('\n', "\n      ")
                    ));
                }
            }
            panic!(
                "axe found {} violation(s) on {}:{report}",
                violations.len(),
                self.path()
            );
        }
    }

    /// axe-core's violations on the page (injected by WebDriver, not by the page).
    fn axe_violations(&self) -> Vec<Value> {
        let axe = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/axe.min.js"),
        )
        .expect("tests/assets/axe.min.js (run src/web/ui/assets/vendor/update.sh)");
        if self.eval("return typeof window.axe") != "object" {
            self.eval(&format!("{axe}\nreturn true;"));
        }
        let out = self.eval_async(
            "axe.run(document, { resultTypes: ['violations'] })
                .then(r => done(JSON.stringify(r.violations)))
                .catch(e => done('axe failed: ' + e));",
        );
        let text = out.as_str().unwrap_or_default();
        serde_json::from_str(text).unwrap_or_else(|_| panic!("{text}"))
    }

    /// A computed style property of the first element matching `selector`.
    pub fn style(&self, selector: &str, property: &str) -> String {
        let script = format!(
            "const e = document.querySelector({sel});
             return e ? getComputedStyle(e).getPropertyValue({prop}) : null;",
            sel = serde_json::to_string(selector).unwrap(),
            prop = serde_json::to_string(property).unwrap()
        );
        match self.eval(&script) {
            Value::String(s) => s,
            other => panic!("no element {selector} ({other})"),
        }
    }

    /// Every resource the page loaded, with its HTTP status.
    pub fn resources(&self) -> Vec<(String, u64)> {
        let v = self.eval(
            "return performance.getEntriesByType('resource')
                .map(e => [new URL(e.name).pathname, e.responseStatus]);",
        );
        v.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e[0].as_str().unwrap_or_default().to_owned(),
                    e[1].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// Waits until the page's web fonts have loaded.
    pub fn fonts_ready(&self) {
        self.eval_async("document.fonts.ready.then(() => done(true));");
    }

    /// Sets the value of the form control matching `selector`.
    pub fn fill(&self, selector: &str, value: &str) {
        let script = format!(
            "const e = document.querySelector({sel});
             if (!e) return false;
             e.value = {val};
             e.dispatchEvent(new Event('input', {{ bubbles: true }}));
             e.dispatchEvent(new Event('change', {{ bubbles: true }}));
             return true;",
            sel = serde_json::to_string(selector).unwrap(),
            val = serde_json::to_string(value).unwrap()
        );
        assert_eq!(
            self.eval(&script),
            true,
            "no control {selector} on {}",
            self.path()
        );
    }

    /// Clicks the element matching `selector` (a link or a submit button) and waits for
    /// the page it leads to.
    pub fn click(&self, selector: &str) {
        let script = format!(
            "const e = document.querySelector({sel});
             if (!e) return false;
             window.__stLeaving = true;
             e.click();
             return true;",
            sel = serde_json::to_string(selector).unwrap()
        );
        assert_eq!(
            self.eval(&script),
            true,
            "nothing to click at {selector} on {}",
            self.path()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = self.rt.block_on(self.driver().execute(
                "return window.__stLeaving !== true && document.readyState === 'complete';",
                Vec::new(),
            ));
            if let Ok(v) = left {
                if v.json() == &Value::Bool(true) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "clicking {selector} led nowhere");
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// The text of the first element matching `selector` (empty when there is none).
    pub fn text(&self, selector: &str) -> String {
        let script = format!(
            "const e = document.querySelector({sel}); return e ? e.textContent.trim().replace(/\\s+/g, ' ') : '';",
            sel = serde_json::to_string(selector).unwrap()
        );
        self.eval(&script).as_str().unwrap_or_default().to_owned()
    }

    /// The texts of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let script = format!(
            "return [...document.querySelectorAll({sel})].map(e => e.textContent.trim().replace(/\\s+/g, ' '));",
            sel = serde_json::to_string(selector).unwrap()
        );
        self.eval(&script)
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Chooses `file` in the file input matching `selector`.
    pub fn upload(&self, selector: &str, file: &Path) {
        let input = self
            .rt
            .block_on(self.driver().find(By::Css(selector)))
            .unwrap_or_else(|e| panic!("no file input {selector}: {e}"));
        self.rt
            .block_on(input.send_keys(file.to_string_lossy().as_ref()))
            .expect("choose the file");
    }

    /// Signs in through the form.
    pub fn sign_in(&self, email: &str, password: &str) {
        self.open("/sign-in");
        self.fill("#email", email);
        self.fill("#password", password);
        self.click("form.usa-form button[type=submit]");
    }

    /// Screenshots at 1280×900 and at 768×1024 (`NAME-1280.png`, `NAME-768.png`), and
    /// axe-core on both.
    pub fn shots(&self, name: &str) {
        self.fonts_ready();
        self.screenshot(&format!("{name}-1280"));
        self.axe_check();
        let d = self.driver();
        self.rt
            .block_on(d.set_window_rect(0, 0, 768, 1024))
            .expect("a tablet-sized window");
        self.screenshot(&format!("{name}-768"));
        self.axe_check();
        self.rt
            .block_on(d.set_window_rect(0, 0, WINDOW.0, WINDOW.1))
            .expect("restore the window");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            let _ = self.rt.block_on(driver.quit());
        }
    }
}

/// A fresh server and a browser on it.
pub fn app_and_browser() -> (TestApp, Browser) {
    let app = TestApp::spawn(Db::Sqlite).expect("SQLite is always available");
    let browser = Browser::launch(&app.root());
    (app, browser)
}

/// USWDS's primary colour, `#005ea2`, on its buttons.
const USWDS_PRIMARY: &str = "rgb(0, 94, 162)";

fn sign_in_page_renders_with_the_design_system() {
    let (_app, b) = app_and_browser();
    b.open("/sign-in");
    b.shots("sign-in");
    assert_eq!(b.eval("return document.title"), "Sign in · safetable");
    // The stylesheet applied: buttons are USWDS buttons, not the browser's grey ones.
    assert_eq!(b.style(".usa-button", "background-color"), USWDS_PRIMARY);
    assert!(b
        .style("body", "font-family")
        .contains("Source Sans Pro Web"));
    assert_eq!(
        b.eval("return document.fonts.check('1em \"Source Sans Pro Web\"')"),
        true,
        "the web font did not load"
    );
    // The scripts ran under the Content-Security-Policy.
    assert_eq!(b.eval("return window.uswdsPresent === true"), true);
    assert_eq!(
        b.eval("return document.documentElement.classList.contains('usa-js-loading')"),
        false
    );
    // Our stylesheet applied: the confidentiality notice is dark.
    assert_eq!(b.style(".st-pswp", "background-color"), "rgb(22, 46, 81)");
    // Every stylesheet, script, font and icon loaded.
    let resources = b.resources();
    assert!(
        resources.iter().any(|(p, _)| p.ends_with(".woff2")),
        "no font was loaded: {resources:?}"
    );
    for (path, status) in &resources {
        assert_eq!(*status, 200, "{path} answered {status}");
    }
    // The page has one form with the fields and the CSRF token.
    let form = b.eval(
        "const f = document.querySelector('form.usa-form');
         return [f.method, new URL(f.action).pathname, f.email.type, f.password.type,
                 f.csrf_token.type, f.csrf_token.value.length];",
    );
    assert_eq!(
        form,
        serde_json::json!(["post", "/sign-in", "email", "password", "hidden", 96])
    );
    for size in ["1280", "768"] {
        let shot = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("target/screenshots/sign-in-{size}.png"));
        let png = std::fs::metadata(&shot).unwrap().len();
        assert!(png > 10_000, "{} looks empty ({png} bytes)", shot.display());
    }
}

fn sign_in_page_is_axe_clean() {
    let (_app, b) = app_and_browser();
    b.open("/sign-in");
    b.axe_check();
}

fn axe_check_finds_a_violation_when_there_is_one() {
    let (_app, b) = app_and_browser();
    b.open("/sign-in");
    b.eval("document.querySelector('label[for=email]').remove(); return true;");
    let ids: Vec<String> = b
        .axe_violations()
        .iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(ids.iter().any(|i| i == "label"), "axe missed it: {ids:?}");
}

fn sign_in_page_is_keyboard_usable() {
    let (_app, b) = app_and_browser();
    b.open("/sign-in");
    b.tab();
    assert_eq!(b.focused(), "a.usa-skipnav \"Skip to main content\"");
    // The skip link slides into view (a 0.15 s transition).
    std::thread::sleep(Duration::from_millis(400));
    let top = b.eval("return document.activeElement.getBoundingClientRect().top");
    assert!(
        top.as_f64().is_some_and(|t| t >= 0.0),
        "the focused skip link is off screen (top {top})"
    );
    b.screenshot("sign-in-skip-link-focused");
    let mut order = Vec::new();
    for _ in 0..4 {
        b.tab();
        order.push(b.focused());
    }
    assert_eq!(
        order,
        [
            "a. \"safetable\"",
            "#email",
            "#password",
            "button.usa-button.st-submit \"Sign in\""
        ]
    );
    // The skip link takes the keyboard past the header, straight to the form.
    b.open("/sign-in");
    b.tab();
    b.keys(Key::Enter);
    b.tab();
    assert_eq!(b.focused(), "#email");
    // The focus is visible.
    let outline = b.style("#email:focus", "outline-style");
    assert_ne!(outline, "none", "the focused field shows no outline");
}

fn the_browser_enforces_the_policy_against_inline_script_and_style() {
    let (_app, b) = app_and_browser();
    b.open("/sign-in");
    let blocked = b.eval(
        "const s = document.createElement('script');
         s.textContent = 'window.inlineRan = true;';
         document.head.appendChild(s);
         const h = document.querySelector('h1');
         h.setAttribute('style', 'color: rgb(255, 0, 0)');
         return [window.inlineRan === true, getComputedStyle(h).color];",
    );
    assert_eq!(blocked[0], false, "an inline script ran");
    assert_ne!(blocked[1], "rgb(255, 0, 0)", "an inline style applied");
}

fn root_sends_a_signed_out_visitor_to_sign_in() {
    let (_app, b) = app_and_browser();
    b.open("/");
    assert_eq!(b.path(), "/sign-in");
}

fn not_found_page_is_styled_and_axe_clean() {
    let (_app, b) = app_and_browser();
    b.open("/no/such/page");
    b.shots("not-found");
    assert_eq!(
        b.eval("return document.querySelector('h1').textContent"),
        "Page not found"
    );
    assert_eq!(b.style(".usa-button", "background-color"), USWDS_PRIMARY);
}

fn the_layout_with_navigation_is_axe_clean_and_marks_the_current_page() {
    use askama::Template;
    use safetable::web::ui::error::ErrorPage;
    use safetable::web::ui::{Layout, Nav, NavItem};
    let (_app, b) = app_and_browser();
    // The layout alone, with the navigation of a user holding two roles, loaded into a
    // page of this origin (its headers and policy apply); the signed-in pages themselves
    // are driven in `pages.rs`.
    let roles = safetable::auth::Roles::parse("curator,contributor").unwrap();
    let html = ErrorPage {
        layout: Layout::new(
            "Review queue",
            Nav::for_roles(&roles, Some(NavItem::ReviewQueue)),
        ),
        status: 404,
        heading: "Page not found",
        message: "The page you asked for does not exist, or is not yours to see.",
    }
    .render()
    .unwrap();
    b.open("/sign-in");
    b.eval(&format!(
        "document.open(); document.write({}); document.close(); return true;",
        serde_json::to_string(&html).unwrap()
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.eval("return window.uswdsPresent === true && document.readyState") != "complete" {
        assert!(Instant::now() < deadline, "the layout did not load");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A shared view's text with redaction chips, as the case page will show it.
    let story = safetable::web::ui::redacted::Redacted(
        "[RN-A] found [PATIENT] on the floor at 03:10 on [DAY 0]; Lasix was held and the INR was 5.2 on [DAY +3].",
    )
    .to_string();
    b.eval(&format!(
        "const p = document.createElement('p'); p.className = 'usa-prose'; p.innerHTML = {};
         document.querySelector('.st-error').appendChild(p); return true;",
        serde_json::to_string(&story).unwrap()
    ));
    assert_eq!(
        b.eval("return document.querySelectorAll('.st-redaction').length"),
        4
    );
    assert_eq!(
        b.style(".st-redaction", "border-top-style"),
        "dashed",
        "the chips are not styled"
    );
    b.fonts_ready();
    b.screenshot("layout-with-navigation");
    let links = b.eval(
        "return [...document.querySelectorAll('.usa-nav__primary a')]
            .map(a => [a.textContent.trim(), a.getAttribute('aria-current')]);",
    );
    assert_eq!(
        links,
        serde_json::json!([
            ["Search", null],
            ["Safe tables", null],
            ["Review queue", "page"],
            ["Our cases", null],
            ["Contribute", null],
            ["Measures", null],
            ["Members", null],
            ["Audit log", null],
            ["Account", null]
        ])
    );
    // The current page is underlined in the primary colour, the others are not.
    let bars = b.eval(
        "return [...document.querySelectorAll('.usa-nav__primary a')].map(a => {
            const bar = getComputedStyle(a, '::after');
            return bar.display === 'none' || bar.content === 'none' ? null : bar.backgroundColor;
        });",
    );
    assert_eq!(
        bars,
        serde_json::json!([
            null,
            null,
            USWDS_PRIMARY,
            null,
            null,
            null,
            null,
            null,
            null
        ])
    );
    b.axe_check();

    // On a phone the navigation folds behind the menu button, which opens it.
    b.rt.block_on(b.driver().set_window_rect(0, 0, 400, 800))
        .unwrap();
    let visible = "const r = document.querySelector('.usa-nav__primary').getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth;";
    assert_eq!(
        b.eval(
            "return getComputedStyle(document.querySelector('.usa-menu-btn')).display !== 'none'"
        ),
        true
    );
    b.eval("document.querySelector('.usa-menu-btn').click(); return true;");
    assert_eq!(
        b.eval("return document.querySelector('.usa-nav').classList.contains('is-visible')"),
        true
    );
    // It slides in (a 0.3 s animation).
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(b.eval(visible), true);
    b.screenshot("layout-with-navigation-phone");
    b.axe_check();
}

// ---- over plain HTTP ----

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

/// Status, headers by lower-case name (all values) and body.
fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let res = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {url}: {e}"),
    };
    let status = res.status();
    let mut all = Vec::new();
    for name in res.headers_names() {
        for v in res.all(&name) {
            all.push((name.to_ascii_lowercase(), v.to_owned()));
        }
    }
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut res.into_reader(), &mut body).unwrap();
    (status, all, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The versioned URL of the USWDS stylesheet, as the sign-in page links it.
fn stylesheet_url(app: &TestApp) -> String {
    let (_, _, body) = get(&format!("{}/sign-in", app.root()), &[]);
    let html = String::from_utf8(body).unwrap();
    let end = html.find("uswds.min.css\"").expect("the USWDS stylesheet") + 13;
    let start = html[..end].rfind('"').expect("an href") + 1;
    let href = &html[start..end];
    assert!(
        href.starts_with("/assets/"),
        "{href} is not a versioned asset"
    );
    format!("{}{href}", app.root())
}

fn every_ui_response_carries_the_security_headers() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    let css = stylesheet_url(&app);
    for (url, status) in [
        (format!("{}/sign-in", app.root()), 200),
        (format!("{}/", app.root()), 303),
        (format!("{}/no-such-page", app.root()), 404),
        (css, 200),
    ] {
        let (got, headers, _) = get(&url, &[]);
        assert_eq!(got, status, "{url}");
        for (name, value) in [
            ("content-security-policy", CSP),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("x-content-type-options", "nosniff"),
        ] {
            assert_eq!(header(&headers, name), Some(value), "{name} on {url}");
        }
    }
}

fn pages_are_never_cached_and_set_a_strict_pre_session_cookie() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    let (status, headers, body) = get(&format!("{}/sign-in", app.root()), &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    let cookie = header(&headers, "set-cookie").expect("a pre-session cookie");
    assert!(cookie.starts_with("safetable_pre="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    // A browser that has the cookie keeps it: no new one.
    let pair = cookie.split(';').next().unwrap();
    let (_, headers, _) = get(&format!("{}/sign-in", app.root()), &[("Cookie", pair)]);
    assert_eq!(header(&headers, "set-cookie"), None);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("name=\"csrf_token\""));
}

/// Signs in as the member over plain HTTP with `proxy` headers on every request (as a
/// TLS-terminating proxy adds them); returns every `Set-Cookie` of the sign-in page and
/// of the signed-in answer.
fn sign_in_cookies(app: &TestApp, proxy: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let (status, headers, body) = get(&format!("{}/sign-in", app.root()), proxy);
    assert_eq!(status, 200);
    let pre: Vec<String> = headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.clone())
        .collect();
    let pair = pre
        .iter()
        .find(|c| c.starts_with("safetable_pre="))
        .and_then(|c| c.split(';').next())
        .expect("a pre-session cookie")
        .to_owned();
    let html = String::from_utf8(body).unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a CSRF token") + marker.len();
    let token = html[at..].split('"').next().unwrap();
    let mut req = agent()
        .post(&format!("{}/sign-in", app.root()))
        .set("Cookie", &pair);
    for (k, v) in proxy {
        req = req.set(k, v);
    }
    let res = match req.send_form(&[
        ("csrf_token", token),
        ("email", "member@test.invalid"),
        ("password", crate::pages::PASSWORD),
    ]) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("sign in: {e}"),
    };
    assert_eq!(res.status(), 303, "not signed in");
    let cookies = res
        .all("set-cookie")
        .into_iter()
        .map(str::to_owned)
        .collect();
    (pre, cookies)
}

fn has_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .any(|a| a.trim().eq_ignore_ascii_case("secure"))
}

fn cookies_are_secure_when_a_tls_proxy_says_https_and_only_then() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    for proxy in [
        &[("X-Forwarded-Proto", "https")][..],
        &[("Forwarded", "for=192.0.2.60;proto=https")][..],
    ] {
        let (pre, signed_in) = sign_in_cookies(&app, proxy);
        let session = signed_in
            .iter()
            .find(|c| c.starts_with("safetable_session="))
            .unwrap_or_else(|| panic!("no session cookie: {signed_in:?}"));
        assert!(has_secure(session), "{proxy:?}: {session}");
        assert!(session.contains("SameSite=Strict") && session.contains("HttpOnly"));
        assert!(pre.iter().all(|c| has_secure(c)), "{proxy:?}: {pre:?}");
    }
    // Plain HTTP without the proxy's word: no Secure, or the browser would drop it.
    let (pre, signed_in) = sign_in_cookies(&app, &[]);
    let session = signed_in
        .iter()
        .find(|c| c.starts_with("safetable_session="))
        .expect("a session cookie");
    assert!(!has_secure(session), "{session}");
    assert!(pre.iter().all(|c| !has_secure(c)), "{pre:?}");
    let (_, signed_in) = sign_in_cookies(&app, &[("X-Forwarded-Proto", "http")]);
    assert!(signed_in.iter().all(|c| !has_secure(c)), "{signed_in:?}");
}

fn pages_have_no_inline_script_or_style() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    let handler = regex::Regex::new(r"\son[a-z]+\s*=").unwrap();
    for path in ["/sign-in", "/no-such-page"] {
        let (_, _, body) = get(&format!("{}{path}", app.root()), &[]);
        let html = String::from_utf8(body).unwrap();
        assert!(!html.contains(" style="), "{path} has a style attribute");
        assert!(!html.contains("<style"), "{path} has a style element");
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script src=\"/assets/").count(),
            "{path} has an inline script"
        );
        assert!(
            !handler.is_match(&html),
            "{path} has an event handler attribute"
        );
        assert!(!html.contains("axe"), "{path} loads the test-only axe-core");
    }
}

fn assets_are_served_with_long_caching_and_etags() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    let css = stylesheet_url(&app);
    let (status, headers, body) = get(&css, &[]);
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        header(&headers, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        body.len() > 100_000,
        "the stylesheet is {} bytes",
        body.len()
    );
    let etag = header(&headers, "etag").expect("an ETag").to_owned();
    let (status, headers, body) = get(&css, &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()));

    // Fonts and scripts by their own types, through the stylesheet's relative URLs.
    let base = css.trim_end_matches("css/uswds.min.css");
    for (rel, ty) in [
        (
            "fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2",
            "font/woff2",
        ),
        ("js/uswds.min.js", "text/javascript; charset=utf-8"),
        ("img/sprite.svg", "image/svg+xml"),
    ] {
        let (status, headers, _) = get(&format!("{base}{rel}"), &[]);
        assert_eq!(status, 200, "{rel}");
        assert_eq!(header(&headers, "content-type"), Some(ty), "{rel}");
    }

    // Another version (an old page during an upgrade): today's file, not cached for good.
    let version = css
        .split("/assets/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let old = css.replace(version, "0000000000000000");
    let (status, headers, _) = get(&old, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));

    // Nothing outside the embedded files.
    for missing in [
        "vendor/README.md",
        "vendor/update.sh",
        "vendor/uswds/OFL.txt",
        "vendor/uswds/LICENSE-APACHE",
        "../Cargo.toml",
        "nope.css",
    ] {
        let (status, _, _) = get(&format!("{}/assets/{version}/{missing}", app.root()), &[]);
        assert_eq!(status, 404, "{missing}");
    }
}

fn api_paths_keep_their_json_answers() {
    let app = TestApp::spawn(Db::Sqlite).unwrap();
    let (status, headers, _) = get(&format!("{}/healthz", app.base()), &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let (status, headers, _) = get(&format!("{}/no-such-endpoint", app.base()), &[]);
    assert_eq!(status, 404);
    assert_ne!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
}

crate::tests!(
    browser:
    sign_in_page_renders_with_the_design_system,
    sign_in_page_is_axe_clean,
    axe_check_finds_a_violation_when_there_is_one,
    sign_in_page_is_keyboard_usable,
    the_browser_enforces_the_policy_against_inline_script_and_style,
    root_sends_a_signed_out_visitor_to_sign_in,
    not_found_page_is_styled_and_axe_clean,
    the_layout_with_navigation_is_axe_clean_and_marks_the_current_page,
);

crate::tests!(
    every_ui_response_carries_the_security_headers,
    pages_are_never_cached_and_set_a_strict_pre_session_cookie,
    cookies_are_secure_when_a_tls_proxy_says_https_and_only_then,
    pages_have_no_inline_script_or_style,
    assets_are_served_with_long_caching_and_etags,
    api_paths_keep_their_json_answers,
);
