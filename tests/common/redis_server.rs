//! A `redis-server` started by a test on a free loopback port, stopped on drop.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum_jwt_layer::revocation::RedisRevocationStore;

/// A `redis-server` owned by one test: no persistence, stopped on drop.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    /// Where an append-only file keeps the data across restarts, if anywhere.
    dir: Option<std::path::PathBuf>,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            port,
            child: None,
            dir: None,
        };
        server.restart();
        server
    }

    /// A server whose data survives `stop()` and `restart()` (every write synced to disk).
    pub fn start_persistent() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("axum-jwt-layer-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            port,
            child: None,
            dir: Some(dir),
        };
        server.restart();
        server
    }

    pub fn restart(&mut self) {
        let mut command = Command::new("redis-server");
        command.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"]);
        match &self.dir {
            Some(dir) => command
                .args([
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                ])
                .arg("--dir")
                .arg(dir),
            None => command.args(["--save", "", "--appendonly", "no"]),
        };
        let child = command
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub async fn store(&self) -> RedisRevocationStore {
        RedisRevocationStore::connect(&self.url())
            .await
            .unwrap()
            .prefix("test:")
    }

    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url()).unwrap();
        // No response timeout, as in redis 0.32 (1.x gives up after 500 ms by default).
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// `INFO commandstats` as command -> calls, without the tests' own `INFO` and `CONFIG ..`.
pub fn command_calls(stats: &str) -> std::collections::BTreeMap<String, u64> {
    stats
        .lines()
        .filter_map(|line| {
            let (command, rest) = line.strip_prefix("cmdstat_")?.split_once(":calls=")?;
            if command.starts_with("info") || command.starts_with("config") {
                return None;
            }
            let calls = rest.split(',').next()?.parse().ok()?;
            Some((command.to_owned(), calls))
        })
        .collect()
}
