//! A three-master Redis Cluster (optionally with a replica per master) started by a test on
//! free loopback ports (each node's cluster bus on port + 10000), joined with `redis-cli
//! --cluster create`, stopped on drop. Every node keeps an append-only file, so a node
//! stopped and restarted comes back with its data.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum_jwt_layer::revocation::RedisRevocationStore;

pub struct Node {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

pub struct RedisCluster {
    pub nodes: Vec<Node>,
}

/// A port that is free, and whose cluster bus port (+10000) is free too.
fn free_port_pair() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Node {
    pub fn start(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
            ])
            .args(["--cluster-node-timeout", "2000"])
            .args(["--cluster-require-full-coverage", "no"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        self.child = Some(child);
        wait_for_port(self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url()).unwrap();
        // No response timeout, as in redis 0.32: 1.x gives up after 500 ms by default, before
        // a `WAIT 1 2000` here has answered.
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .unwrap()
    }
}

impl RedisCluster {
    pub fn start() -> Self {
        Self::start_with(0)
    }

    /// Three masters with `replicas` replicas each (`redis-cli` picks which is which).
    pub fn start_with(replicas: usize) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..3 * (1 + replicas) {
            let port = free_port_pair();
            let dir = std::env::temp_dir().join(format!("axum-jwt-layer-cluster-{port}"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let mut node = Node {
                port,
                child: None,
                dir,
            };
            node.start();
            nodes.push(node);
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli must be installed (apt-get install redis-tools)");
        assert!(status.success(), "redis-cli --cluster create failed");
        let cluster = Self { nodes };
        cluster.wait_until_ok();
        cluster
    }

    /// Waits until every running node reports `cluster_state:ok`.
    pub fn wait_until_ok(&self) {
        let started = Instant::now();
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            loop {
                let output = Command::new("redis-cli")
                    .args(["-p", &node.port.to_string(), "cluster", "info"])
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&output.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "the cluster did not become ok"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Node::url).collect()
    }

    pub async fn store(&self) -> RedisRevocationStore {
        RedisRevocationStore::connect_cluster(self.urls())
            .await
            .unwrap()
            .prefix("test:")
    }

    /// The index of the master serving the hash slot of `{subject}`, asked of a running node.
    pub async fn owner_of(&self, subject: &str) -> usize {
        let asked = self.nodes.iter().position(|n| n.child.is_some()).unwrap();
        let mut client = self.nodes[asked].client().await;
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(format!("{{{subject}}}"))
            .query_async(&mut client)
            .await
            .unwrap();
        let ranges: Vec<redis::Value> = redis::cmd("CLUSTER")
            .arg("SLOTS")
            .query_async(&mut client)
            .await
            .unwrap();
        for range in ranges {
            let redis::Value::Array(items) = range else {
                continue;
            };
            let number = |v: &redis::Value| match v {
                redis::Value::Int(n) => *n,
                _ => -1,
            };
            let (start, end) = (number(&items[0]), number(&items[1]));
            let redis::Value::Array(master) = &items[2] else {
                continue;
            };
            let port = number(&master[1]);
            if (start..=end).contains(&slot) {
                return self
                    .nodes
                    .iter()
                    .position(|n| i64::from(n.port) == port)
                    .unwrap();
            }
        }
        panic!("no node serves slot {slot}");
    }

    /// The index of a replica of the master at index `master`, from `CLUSTER NODES`.
    pub fn replica_of(&self, master: usize) -> Option<usize> {
        let asked = self.nodes.iter().find(|n| n.child.is_some())?;
        let output = Command::new("redis-cli")
            .args(["-p", &asked.port.to_string(), "cluster", "nodes"])
            .output()
            .ok()?;
        let listing = String::from_utf8_lossy(&output.stdout);
        // Each line: <id> <ip:port@bus> <flags> <master id or -> ...
        let lines: Vec<Vec<&str>> = listing
            .lines()
            .map(|line| line.split(' ').collect())
            .filter(|fields: &Vec<&str>| fields.len() > 3)
            .collect();
        let port_of = |address: &str| -> Option<u16> {
            address
                .split(['@', ':'])
                .nth(1)
                .and_then(|p| p.parse().ok())
        };
        let master_id = lines
            .iter()
            .find(|fields| port_of(fields[1]) == Some(self.nodes[master].port))?[0];
        let replica = lines
            .iter()
            .find(|fields| fields[2].contains("slave") && fields[3] == master_id)?;
        let port = port_of(replica[1])?;
        self.nodes.iter().position(|n| n.port == port)
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
            let _ = std::fs::remove_dir_all(&node.dir);
        }
    }
}
