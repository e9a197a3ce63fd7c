//! gooseBit, a real update server implementing hawkBit's DDI API (PyPI `goosebit`), started on
//! loopback for one test: its own SQLite database (created by `aerich upgrade` with the packaged
//! migrations), artifacts folder and port, device tokens required (`strict`), an admin for its
//! management API. The tests drive it as a bureau would — devices, a bundle, a rollout — and read
//! back what it shows.
//!
//! `start_with` serves HTTPS (uvicorn's own TLS: the links gooseBit writes into its answers then
//! say `https://` and the host the terminal dialled) and takes another database (PostgreSQL for the
//! fleet bench).
//!
//! gooseBit lives in a Python venv: `$ONETRIP_GOOSEBIT`, else `/opt/goosebit` (`.ci/run` installs
//! it there; the README's test section says how). Without it the test fails and says so.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The administrator `start` sets up (gooseBit's first-run setup), for its management API.
pub const ADMIN_USER: &str = "admin@bureau.invalid";
pub const ADMIN_PASSWORD: &str = "test-admin";

/// How gooseBit is started.
#[derive(Default)]
pub struct Options {
    /// HTTPS: the server's certificate and key (PEM files) and the CA the host trusts them by.
    pub tls: Option<Tls>,
    /// A database URI (`postgres://…`), instead of its own SQLite file.
    pub db_uri: Option<String>,
    /// `GOOSEBIT_POLL_TIME`, `HH:MM:SS` (default 10 s).
    pub poll_time: Option<String>,
}

pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

pub struct GooseBit {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT` (`https://` with `Options::tls`)
    pub url: String,
    admin: String,
    http: reqwest::Client,
}

/// The venv holding gooseBit.
pub fn venv() -> PathBuf {
    std::env::var_os("ONETRIP_GOOSEBIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/goosebit"))
}

fn missing(venv: &Path) -> String {
    format!(
        "gooseBit is not installed in {}: the fleet tests run against a real gooseBit.\n  \
         python3 -m venv /opt/goosebit && /opt/goosebit/bin/pip install goosebit==0.2.12\n  \
         (as .ci/run does), or set ONETRIP_GOOSEBIT to a venv that holds it",
        venv.display()
    )
}

impl GooseBit {
    /// A fresh gooseBit on a free loopback port, ready for requests.
    pub async fn start() -> GooseBit {
        GooseBit::start_with(Options::default()).await
    }

    /// As `start`, with TLS, another database or another poll time.
    pub async fn start_with(options: Options) -> GooseBit {
        let venv = venv();
        let python = venv.join("bin/python");
        let aerich = venv.join("bin/aerich");
        assert!(python.exists() && aerich.exists(), "{}", missing(&venv));
        let dir = tempfile::tempdir().unwrap();
        let site = Command::new(&python)
            .args([
                "-c",
                "import goosebit, os; print(os.path.dirname(goosebit.__file__))",
            ])
            .output()
            .unwrap();
        assert!(site.status.success(), "{}", missing(&venv));
        let package = String::from_utf8_lossy(&site.stdout).trim().to_string();
        // aerich reads its settings from pyproject.toml in the working directory.
        std::fs::write(
            dir.path().join("pyproject.toml"),
            format!(
                "[tool.aerich]\ntortoise_orm = \"goosebit.db.config.TORTOISE_CONF\"\n\
                 location = \"{package}/db/migrations\"\nsrc_folder = \"./.\"\n"
            ),
        )
        .unwrap();
        let db_uri = options
            .db_uri
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/db.sqlite3", dir.path().display()));
        let poll_time = options.poll_time.clone().unwrap_or("00:00:10".into());
        let env = |cmd: &mut Command| {
            cmd.current_dir(dir.path())
                .env("GOOSEBIT_DB_URI", &db_uri)
                .env("GOOSEBIT_ARTIFACTS_DIR", dir.path().join("artifacts"))
                .env(
                    "GOOSEBIT_DEVICE_AUTH",
                    r#"{"enable": true, "mode": "strict"}"#,
                )
                .env("GOOSEBIT_POLL_TIME", &poll_time)
                // Its own logging setup silences uvicorn, which tells the port it got.
                .env(
                    "GOOSEBIT_LOGGING",
                    r#"{"version": 1, "disable_existing_loggers": false,
                        "handlers": {"console": {"class": "logging.StreamHandler"}},
                        "root": {"level": "WARNING", "handlers": ["console"]},
                        "loggers": {"uvicorn.error": {"level": "INFO"}}}"#,
                );
        };
        let mut upgrade = Command::new(&aerich);
        upgrade.arg("upgrade");
        env(&mut upgrade);
        let out = upgrade.output().unwrap();
        assert!(
            out.status.success(),
            "aerich upgrade: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = dir.path().join("server.log");
        let mut serve = Command::new(&python);
        serve.args([
            "-m",
            "uvicorn",
            "goosebit:app",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]);
        if let Some(tls) = &options.tls {
            serve
                .arg("--ssl-certfile")
                .arg(&tls.cert)
                .arg("--ssl-keyfile")
                .arg(&tls.key);
        }
        env(&mut serve);
        let child = serve
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.path().join("server.out")).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut http = reqwest::Client::builder();
        if let Some(tls) = &options.tls {
            let ca = std::fs::read(&tls.ca).unwrap();
            http = http.add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap());
        }
        let mut gb = GooseBit {
            child,
            dir,
            url: String::new(),
            admin: String::new(),
            http: http.build().unwrap(),
        };
        // uvicorn says where it listens once the application has started (bounded wait).
        for _ in 0..600 {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(at) = text
                .find("running on http://")
                .or_else(|| text.find("running on https://"))
            {
                let rest = &text[at + "running on ".len()..];
                gb.url = rest.split_whitespace().next().unwrap().to_string();
                break;
            }
            if let Ok(Some(status)) = gb.child.try_wait() {
                panic!("gooseBit exited with {status}:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(!gb.url.is_empty(), "gooseBit did not start: {}", gb.log());
        let resp = gb
            .http
            .post(format!("{}/setup", gb.url))
            .form(&[("username", ADMIN_USER), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .unwrap();
        let body: Value = resp.json().await.unwrap();
        gb.admin = body["access_token"].as_str().unwrap().to_string();
        gb
    }

    /// The DDI root with its tenant, for `[fleet] server`.
    pub fn ddi_root(&self) -> String {
        format!("{}/DEFAULT", self.url)
    }

    /// The loopback address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        let hostport = self.url.split("://").nth(1).unwrap_or_default();
        hostport.trim_end_matches('/').parse().unwrap()
    }

    /// The server's process (uvicorn), for its CPU time and memory.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1/{path}", self.url))
            .bearer_auth(&self.admin);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A terminal the server knows, with its target token (strict mode registers no stranger).
    pub async fn add_device(&self, id: &str, token: &str) {
        self.api(
            reqwest::Method::PUT,
            "devices",
            Some(json!({"devices": [id], "auth_token": token})),
        )
        .await;
    }

    /// Terminals put in a feed (a rollout reaches the terminals of its feed).
    pub async fn set_feed(&self, ids: &[String], feed: &str) {
        self.api(
            reqwest::Method::PATCH,
            "devices",
            Some(json!({"devices": ids, "feed": feed})),
        )
        .await;
    }

    /// Offers a terminal its rollout again although it reported a failure: gooseBit offers a
    /// terminal in its error state nothing more until an operator does this.
    pub async fn force_update(&self, id: &str) {
        self.api(
            reqwest::Method::PATCH,
            "devices",
            Some(json!({"devices": [id], "force_update": true})),
        )
        .await;
    }

    /// The rollout with this id, with its success and failure counts.
    pub async fn rollout_by_id(&self, id: i64) -> Value {
        self.rollouts()
            .await
            .into_iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no rollout {id}"))
    }

    /// Uploads a bundle; its software id.
    pub async fn upload(&self, bundle: &Path) -> i64 {
        // multipart/form-data by hand (reqwest's multipart feature is not in the build).
        let name = bundle.file_name().unwrap().to_string_lossy().to_string();
        let boundary = "onetrip-test-boundary-5f1d";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend(std::fs::read(bundle).unwrap());
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        let resp = self
            .http
            .put(format!("{}/api/v1/software", self.url))
            .bearer_auth(&self.admin)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "upload: {status} {body}");
        body["id"].as_i64().unwrap()
    }

    /// A rollout of the software to every terminal of the feed.
    pub async fn rollout(&self, name: &str, feed: &str, software: i64) -> i64 {
        let v = self
            .api(
                reqwest::Method::PUT,
                "rollouts",
                Some(json!({"name": name, "feed": feed, "software_id": software})),
            )
            .await;
        v["id"].as_i64().unwrap()
    }

    /// What gooseBit shows of a device: `last_state`, `sw_version`, `hardware`, `progress`…
    pub async fn device(&self, id: &str) -> Value {
        self.api(reqwest::Method::GET, &format!("devices/{id}"), None)
            .await
    }

    /// The device's update log (the `details` of its feedback).
    pub async fn device_log(&self, id: &str) -> String {
        let v = self
            .api(reqwest::Method::GET, &format!("devices/{id}/log"), None)
            .await;
        v["log"].as_str().unwrap_or_default().to_string()
    }

    /// Every rollout with its success and failure counts.
    pub async fn rollouts(&self) -> Vec<Value> {
        let v = self.api(reqwest::Method::GET, "rollouts", None).await;
        v["rollouts"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for GooseBit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
