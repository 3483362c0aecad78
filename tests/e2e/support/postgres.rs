//! PostgreSQL for the end-to-end tests.
//!
//! Every end-to-end test also runs on PostgreSQL (DESIGN.md, "Testing"). This module decides where
//! that PostgreSQL comes from: `ENTITLEMENTS_TEST_POSTGRES_URL` when set (`.ci/run` exports one),
//! otherwise one throwaway cluster per test process, started from the machine's binaries in a temp
//! dir. Each test then gets its own database: empty, or a copy of a template (`templates.rs`). SQL
//! goes through `psql`, so the harness needs nothing from the crates under test to set up its own
//! fixtures.
//!
//! The cluster lives in a static, and statics are never dropped, so its cleanup belongs to a
//! watchdog `sh` that blocks reading a pipe whose only write end this process holds. However the
//! process ends (even SIGKILL) the pipe reaches EOF, and the watchdog stops the cluster and removes
//! its dir. Clusters whose watchdog was killed as well are swept by the next run. On a cluster we
//! did not start, a database that must not outlive the process gets a watchdog that drops it.

use std::fs;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::OnceLock;

const URL_ENV: &str = "ENTITLEMENTS_TEST_POSTGRES_URL";
/// Cluster dirs are `<temp>/entitlements-pg-<pid>-<id>`: the owner's pid lets later runs sweep them.
const DIR_PREFIX: &str = "entitlements-pg-";

/// Where the tests get PostgreSQL from.
#[derive(Debug)]
pub(crate) enum PostgresAvailability {
    Available(PostgresServer),
    /// Why there is no PostgreSQL, phrased for the person reading the test output.
    Missing(String),
}

#[derive(Debug)]
pub(crate) struct PostgresServer {
    /// Superuser URL of a database that always exists; new databases are created through it.
    admin_url: String,
    psql: PathBuf,
    /// Write end of the watchdog's pipe when we started the cluster. Never dropped: its closing at
    /// process exit is what tells the watchdog to stop the cluster.
    cluster_watchdog: Option<ChildStdin>,
}

impl PostgresServer {
    /// Process-wide, started once: the first caller pays for `initdb`, every later test reuses it.
    pub(crate) fn shared() -> &'static PostgresAvailability {
        static SHARED: OnceLock<PostgresAvailability> = OnceLock::new();
        SHARED.get_or_init(|| match connect_or_start() {
            Ok(server) => PostgresAvailability::Available(server),
            Err(why) => PostgresAvailability::Missing(why),
        })
    }

    /// Creates a fresh, uniquely named, empty (unmigrated) database and returns its URL.
    pub(crate) fn create_database(&self) -> String {
        self.create_database_named(&test_database_name(), None)
    }

    /// Creates a uniquely named copy of `template` and returns its URL. Nothing may be connected
    /// to `template` meanwhile: PostgreSQL refuses to copy a database that is in use.
    pub(crate) fn copy_database(&self, template: &str) -> String {
        self.create_database_named(&test_database_name(), Some(template))
    }

    /// Creates the database `name`, a copy of `template` if given, and returns its URL.
    pub(crate) fn create_database_named(&self, name: &str, template: Option<&str>) -> String {
        let sql = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        if let Err(error) = self.execute_admin_sql(&self.admin_url, &sql) {
            panic!("could not create database {name} on {}: {error}", self.admin_url);
        }
        self.database_url(name)
    }

    /// The superuser URL of the database that always exists.
    pub(crate) fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// The superuser URL of the database `name`.
    pub(crate) fn database_url(&self, name: &str) -> String {
        with_database(&self.admin_url, name)
    }

    /// Has the database `name` dropped when this process ends, however it ends. `None` on a
    /// cluster we started, which goes as a whole then. Keep the returned pipe end for the life of
    /// the process: its closing at exit is what tells the watchdog to drop the database.
    pub(crate) fn drop_database_at_exit(&self, name: &str) -> Result<Option<ChildStdin>, String> {
        if self.cluster_watchdog.is_some() {
            return Ok(None);
        }
        let script = r#"trap '' INT HUP; cat >/dev/null; "$@" >/dev/null 2>&1"#;
        let mut command = Command::new("sh");
        command
            .args(["-c", script, "entitlements-pg-watchdog"])
            .arg(&self.psql)
            .args(["-X", "-q", "-d", &self.admin_url, "-c", &format!("DROP DATABASE IF EXISTS {name}")])
            .env("PGCONNECT_TIMEOUT", "10");
        spawn_exit_watchdog(command).map(Some)
    }

    /// Runs one SQL statement as superuser against a database given by URL or by name; returns
    /// psql's unaligned, tuples-only output (e.g. `t` per row of `SELECT pg_terminate_backend(..)`).
    pub(crate) fn execute_admin_sql(&self, database_url_or_name: &str, sql: &str) -> Result<String, String> {
        let url = if database_url_or_name.contains("://") {
            database_url_or_name.to_owned()
        } else {
            with_database(&self.admin_url, database_url_or_name)
        };
        let mut psql = Command::new(&self.psql);
        psql.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", &url, "-c", sql]);
        // A wedged server should fail the test, not hang it.
        command_stdout(psql.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null()))
    }
}

/// The PostgreSQL server for `test_name`, or `None` (after saying so loudly) when there is none.
/// With `CI` set a missing PostgreSQL fails the test instead: CI must never silently skip a backend.
pub(crate) fn require_postgres_or_skip(test_name: &str) -> Option<&'static PostgresServer> {
    match PostgresServer::shared() {
        PostgresAvailability::Available(server) => Some(server),
        PostgresAvailability::Missing(why) if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) => {
            panic!("{test_name}: PostgreSQL is required because CI is set, but: {why}")
        }
        PostgresAvailability::Missing(why) => {
            eprintln!("\n!!!!! {test_name}: SKIPPED on PostgreSQL: {why} !!!!!\n");
            None
        }
    }
}

fn connect_or_start() -> Result<PostgresServer, String> {
    let Some(url) = std::env::var(URL_ENV).ok().filter(|url| !url.is_empty()) else {
        return start_cluster();
    };
    let psql = find_pg_binary("psql").ok_or_else(|| {
        format!("{URL_ENV} is set, but no psql was found on PATH or under /usr/lib/postgresql/*/bin")
    })?;
    let server = PostgresServer { admin_url: url, psql, cluster_watchdog: None };
    server
        .execute_admin_sql(&server.admin_url, "SELECT 1")
        .map_err(|error| format!("{URL_ENV} is set, but unusable: {error}"))?;
    Ok(server)
}

fn start_cluster() -> Result<PostgresServer, String> {
    let bin = pg_bin_dir().ok_or_else(|| format!("no PostgreSQL binaries: initdb and pg_ctl are neither on PATH nor under /usr/lib/postgresql/*/bin (install them, e.g. `apt-get install postgresql`, or set {URL_ENV})"))?;
    let psql = Some(bin.join("psql"))
        .filter(|psql| psql.is_file())
        .or_else(|| find_pg_binary("psql"))
        .ok_or_else(|| format!("found initdb in {} but no psql next to it or on PATH", bin.display()))?;
    // PostgreSQL refuses to run as root, so as root every server-side command runs as `postgres`.
    let as_postgres = command_stdout(Command::new("id").arg("-u"))? == "0";
    let owner = match (as_postgres, postgres_id("-u"), postgres_id("-g")) {
        (false, ..) => None,
        (true, Some(uid), Some(gid)) => Some((uid, gid)),
        (true, ..) => {
            return Err(format!(
                "running as root, which PostgreSQL refuses, and there is no `postgres` system user to run it as (create one, e.g. `useradd --system postgres`, or set {URL_ENV})"
            ));
        }
    };
    let pg_ctl = bin.join("pg_ctl");
    sweep_stale_clusters(&pg_ctl, as_postgres);

    let id = uuid::Uuid::new_v4().simple().to_string();
    // Short name: the unix socket lives in here and socket paths are limited to ~107 bytes.
    let base = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{}", std::process::id(), &id[..12]));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&base)
        .map_err(|error| format!("could not create {}: {error}", base.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&base, Some(uid), Some(gid))
            .map_err(|error| format!("could not chown {} to postgres: {error}", base.display()))?;
    }
    // Spawned before initdb so that a failed or interrupted start is cleaned up too: on the error
    // paths below `watchdog` is dropped, which makes it remove the dir right away.
    let watchdog = spawn_watchdog(&base, &pg_ctl, as_postgres)?;

    let data = base.join("data");
    command_stdout(
        pg_command(&bin.join("initdb"), as_postgres)
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "-D"])
            .arg(&data),
    )?;
    // Settings go in the file rather than `pg_ctl -o`, which passes them through a shell unquoted.
    let socket_dir = base.display().to_string().replace('\'', "''");
    let settings = format!(
        "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{socket_dir}'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 300\n"
    );
    fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .and_then(|mut conf| conf.write_all(settings.as_bytes()))
        .map_err(|error| format!("could not configure the cluster: {error}"))?;

    // The kernel hands out ephemeral ports in random order, so the race between dropping this
    // listener and postgres binding the port is not worth a retry loop.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))?
        .port();
    let log = base.join("postgres.log");
    let mut pg_ctl_start = pg_command(&pg_ctl, as_postgres);
    pg_ctl_start.args(["start", "-w", "-t", "60", "-o", &format!("-p {port}"), "-D"]).arg(&data).arg("-l");
    if let Err(error) = command_stdout(pg_ctl_start.arg(&log)) {
        let log = fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("could not start PostgreSQL: {error}\n--- postgres.log ---\n{log}"));
    }
    let admin_url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    Ok(PostgresServer { admin_url, psql, cluster_watchdog: Some(watchdog) })
}

/// Runs `cat` until EOF on its stdin, then stops the cluster and removes `base`.
fn spawn_watchdog(base: &Path, pg_ctl: &Path, as_postgres: bool) -> Result<ChildStdin, String> {
    let script = r#"trap '' INT HUP; cat >/dev/null; base=$1; shift; "$@" >/dev/null 2>&1; rm -rf "$base""#;
    let mut command = Command::new("sh");
    command.args(["-c", script, "entitlements-pg-watchdog"]).arg(base);
    if as_postgres {
        command.args(["runuser", "-u", "postgres", "--"]);
    }
    command.arg(pg_ctl).args(["stop", "-m", "immediate", "-w", "-D"]).arg(base.join("data"));
    spawn_exit_watchdog(command)
}

/// Spawns `command`, a shell script that waits for EOF on its stdin before it acts, and returns
/// the write end of that pipe.
fn spawn_exit_watchdog(mut command: Command) -> Result<ChildStdin, String> {
    // std opens the pipe close-on-exec, so no other child (not even postgres) inherits the write
    // end. Its own process group keeps a Ctrl-C aimed at `cargo test` from killing it first.
    command
        .process_group(0)
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child =
        command.spawn().map_err(|error| format!("could not spawn the cleanup watchdog (sh): {error}"))?;
    child.stdin.take().ok_or_else(|| "the cleanup watchdog has no stdin pipe".to_owned())
}

/// Stops and removes clusters of test processes that are gone while their watchdog did not clean
/// up (e.g. a CI job torn down by SIGKILL to every process).
fn sweep_stale_clusters(pg_ctl: &Path, as_postgres: bool) {
    // Liveness is checked through procfs; without it every owner would look dead.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(DIR_PREFIX).and_then(|rest| rest.split('-').next()) else {
            continue;
        };
        if pid.parse::<u32>().is_err() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        let _ = pg_command(pg_ctl, as_postgres)
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(entry.path().join("data"))
            .output();
        let _ = fs::remove_dir_all(entry.path());
    }
}

/// `program` as a command, run as the `postgres` user when we are root.
fn pg_command(program: &Path, as_postgres: bool) -> Command {
    let mut command = if as_postgres {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    // `/` because postgres may not be allowed into the test's working directory.
    command.current_dir("/").stdin(Stdio::null());
    command
}

/// The uid (`-u`) or gid (`-g`) of the `postgres` system user, if there is one.
fn postgres_id(flag: &str) -> Option<u32> {
    command_stdout(Command::new("id").args([flag, "postgres"])).ok()?.parse().ok()
}

fn command_stdout(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|error| format!("could not run {command:?}: {error}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    }
    let details: Vec<String> = [&output.stdout, &output.stderr]
        .into_iter()
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
        .filter(|text| !text.is_empty())
        .collect();
    Err(format!("{command:?} failed ({}):\n{}", output.status, details.join("\n")))
}

/// The directory holding both initdb and pg_ctl: PATH first, then the highest installed version.
/// Symlinks (e.g. /usr/local/bin/initdb) are resolved so that psql is taken from the same version.
fn pg_bin_dir() -> Option<PathBuf> {
    let dir = candidate_dirs()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())?;
    let real =
        fs::canonicalize(dir.join("initdb")).ok().and_then(|initdb| initdb.parent().map(Path::to_path_buf));
    Some(real.filter(|real| real.join("pg_ctl").is_file()).unwrap_or(dir))
}

fn find_pg_binary(name: &str) -> Option<PathBuf> {
    candidate_dirs().into_iter().map(|dir| dir.join(name)).find(|path| path.is_file())
}

fn candidate_dirs() -> Vec<PathBuf> {
    let version = |name: &str| name.split('.').map(|part| part.parse().ok()).collect::<Option<Vec<u32>>>();
    let mut versioned: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((version(entry.file_name().to_str()?)?, entry.path().join("bin"))))
        .collect();
    versioned.sort_by(|a, b| b.0.cmp(&a.0));
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain(versioned.into_iter().map(|(_, dir)| dir)).collect()
}

/// A fresh name for a test's database.
fn test_database_name() -> String {
    format!("test_{}", uuid::Uuid::new_v4().simple())
}

/// `url` with its database (path) replaced by `name`, keeping credentials and query parameters.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_at(url.find("://").map_or(0, |i| i + 3));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[authority_end..].find('?').map_or("", |i| &rest[authority_end + i..]);
    format!("{scheme}{}/{name}{query}", &rest[..authority_end])
}
