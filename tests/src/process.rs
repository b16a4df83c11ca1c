//! The `zhanqun` binary as a process, for what only a process can show: `kill -9` in the middle
//! of writes, SIGTERM with a request in flight, backup and restore from the command line. And a
//! publishing crew (editor, reviewer, signer) driving the real workflow over HTTP.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use zhanqun_core::{ColumnId, SiteId, SiteRole};
use zhanqun_store::Store;

use crate::{User, create_account, security_admin};

/// A free port on the loopback interface (bound and released: another process could take it
/// in between, which the caller's start would then report).
pub fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// A running `zhanqun serve`.
pub struct Process {
    child: Option<Child>,
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    pub public: SocketAddr,
    pub manage: SocketAddr,
    env: Vec<(String, String)>,
}

impl Process {
    /// Starts `bin serve --no-demo` on `data_dir` with fresh ports and `env` (`ZHANQUN_*`
    /// settings), and waits until `/readyz` answers 200.
    pub async fn start(bin: &Path, data_dir: &Path, env: &[(&str, &str)]) -> Process {
        crate::crypto();
        let mut p = Process {
            child: None,
            bin: bin.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            public: free_addr(),
            manage: free_addr(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        p.restart().await;
        p
    }

    /// Starts the process again on the same data directory and ports.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "still running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.join("serve.log"))
            .expect("log file");
        let mut cmd = Command::new(&self.bin);
        cmd.args(["serve", "--no-demo"])
            .env("ZHANQUN_DATA_DIR", &self.data_dir)
            .env("ZHANQUN_PUBLIC_ADDR", self.public.to_string())
            .env("ZHANQUN_MANAGE_ADDR", self.manage.to_string())
            .env("ZHANQUN_CONSOLE__REQUIRE_TOTP", "false")
            .env("ZHANQUN_REPRINT__POLL", "false")
            .env_remove("ZHANQUN_DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("spawn zhanqun serve"));
        let client = reqwest::Client::new();
        let t0 = Instant::now();
        loop {
            if let Ok(r) = client
                .get(format!("http://{}/readyz", self.manage))
                .send()
                .await
                && r.status().is_success()
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "zhanqun serve exited with {status} before it was ready: {}",
                    self.log_tail()
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "zhanqun serve not ready after two minutes: {}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The end of the server's log (for failure messages).
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("serve.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).expect("running")
    }

    /// `kill -9`: no cleanup of any kind.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM (what systemd, Kubernetes and docker stop send).
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(ok.success());
    }

    /// Waits for the process to exit (after [`Process::sigterm`]).
    pub fn wait(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("running");
        c.wait().expect("wait")
    }

    /// Runs another `zhanqun` command on the same data directory.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.bin)
            .args(args)
            .env("ZHANQUN_DATA_DIR", &self.data_dir)
            .env_remove("ZHANQUN_DATABASE_URL")
            .env_remove("RUST_LOG")
            .output()
            .expect("run zhanqun")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The editor, reviewer and signer of a site, created in the store (password
/// [`crate::TEST_PASSWORD`]; the server runs without the TOTP requirement).
pub async fn create_crew(store: &Store, site: SiteId) {
    let admin = security_admin(store).await;
    for (name, role) in [
        ("crew-editor", SiteRole::Editor),
        ("crew-reviewer", SiteRole::Reviewer),
        ("crew-signer", SiteRole::Signer),
    ] {
        let id = create_account(store, name, None).await;
        store
            .grant(&admin, id, role, site, None)
            .await
            .expect("grant");
    }
}

/// The crew logged in to a running server.
pub struct Crew {
    editor: User,
    reviewer: User,
    signer: User,
}

impl Crew {
    pub async fn login(manage: SocketAddr) -> Crew {
        Self::try_login(manage)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Crew::login`], an error instead of a panic (a server killed during the logins).
    pub async fn try_login(manage: SocketAddr) -> Result<Crew, String> {
        Ok(Crew {
            editor: User::try_login(manage, "crew-editor").await?,
            reviewer: User::try_login(manage, "crew-reviewer").await?,
            signer: User::try_login(manage, "crew-signer").await?,
        })
    }

    /// Writes, submits, approves and signs an article: its id when the sign-off was answered
    /// 2xx (the article is then published), an error otherwise.
    pub async fn publish(&self, column: ColumnId, title: &str) -> Result<i64, String> {
        let created = self
            .editor
            .try_send(
                reqwest::Method::POST,
                &format!("/api/v1/columns/{}/articles", column.0),
                Some(json!({"title": title, "body_html": format!("<p>{title}的正文。</p>")})),
            )
            .await?;
        if created.status != 201 {
            return Err(format!("create: {} {}", created.status, created.json));
        }
        let id = created.json["id"].as_i64().ok_or("create: no id")?;
        // Submit, approve, and sign when the column needs a signature (签发); some publish on
        // approval.
        for (u, body) in [
            (
                &self.editor,
                json!({"action": "submit", "secrecy_confirmed": true}),
            ),
            (&self.reviewer, json!({"action": "approve"})),
            (&self.signer, json!({"action": "sign"})),
        ] {
            let a = u
                .try_send(
                    reqwest::Method::POST,
                    &format!("/api/v1/articles/{id}/transitions"),
                    Some(body.clone()),
                )
                .await?;
            if !(200..300).contains(&a.status) {
                return Err(format!("{body}: {} {}", a.status, a.json));
            }
            if a.json["status"] == "published" {
                return Ok(id);
            }
        }
        Err(format!("article {id} not published after sign-off"))
    }
}
