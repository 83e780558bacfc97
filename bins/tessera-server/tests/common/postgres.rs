//! A PostgreSQL server of a test's own, to stop and start under a running Tessera: a
//! throwaway cluster (`initdb`) on a Unix socket in a temporary directory. The binaries come
//! from `TESSERA_TEST_PG_BIN`, `pg_config --bindir`, or Debian's `/usr/lib/postgresql/*/bin`.
//! With `CI=true` a missing PostgreSQL is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::free_port;

/// A cluster that is removed (stopped first) when dropped.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn binaries() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file().then(|| dir.to_path_buf());
    if let Ok(dir) = std::env::var("TESSERA_TEST_PG_BIN") {
        return has_initdb(Path::new(&dir));
    }
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|dir| has_initdb(Path::new(dir.trim())));
    if from_config.is_some() {
        return from_config;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

impl Cluster {
    /// A new, running cluster; `None` (outside CI) when PostgreSQL is not installed.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = binaries() else {
            assert!(
                !in_ci(),
                "PostgreSQL's binaries (initdb, pg_ctl) are needed: set TESSERA_TEST_PG_BIN"
            );
            eprintln!("skipping: PostgreSQL's binaries (initdb, pg_ctl) are not installed");
            return None;
        };
        let dir = super::temp_dir("pg-cluster");
        let as_postgres = is_root();
        if as_postgres {
            // PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "chown the cluster's directory to postgres"
            );
        }
        let cluster = Cluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
            ],
        );
        cluster.start_again();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// A PostgreSQL tool, run as `postgres` when the tests run as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .output()
            .expect("run a PostgreSQL tool");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let options = format!(
            "-k {} -p {} -c listen_addresses='' -c fsync=off",
            self.dir.display(),
            self.port
        );
        let log = self.dir.join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server (fast: open connections are cut), waiting until it is down.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        let socket: String = self
            .dir
            .display()
            .to_string()
            .bytes()
            .map(|b| match b {
                b'/' => "%2F".to_owned(),
                other => (other as char).to_string(),
            })
            .collect();
        format!("postgres://postgres@{socket}:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
