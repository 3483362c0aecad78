//! Clients generated from proto/ in other languages, run against the real server: the Python
//! walkthrough (grpcio) and the TypeScript one (Connect, over gRPC and over gRPC-Web), each
//! generating its code at run time (tests/clients/README.md); and Lago's own JavaScript client
//! (`lago-javascript-client`) managing webhook endpoints over REST. A script's failure fails the
//! test with its output.
//!
//! Their toolchains live outside the repository (tests/clients/install-toolchains, which .ci/run
//! calls): `ENTITLEMENTS_CLIENTS_PYTHON` (a Python with grpcio-tools) and
//! `ENTITLEMENTS_CLIENTS_NODE_MODULES` (the pinned npm packages), by default where the installer
//! puts them. A missing toolchain fails the test when `CI` is set, and skips it loudly otherwise,
//! as the harness does for PostgreSQL.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{API_KEY, TestApp, backend_tests};

const PYTHON_ENV: &str = "ENTITLEMENTS_CLIENTS_PYTHON";
const NODE_MODULES_ENV: &str = "ENTITLEMENTS_CLIENTS_NODE_MODULES";

/// Where tests/clients/install-toolchains installs by default.
fn default_clients_dir() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"));
    cache.join("entitlements-ci/clients")
}

/// `$variable` when set, else `default`.
fn configured_path(variable: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(variable).filter(|value| !value.is_empty()).map(PathBuf::from).unwrap_or(default)
}

/// `toolchain` when `needed` (a file of it) exists, else why it is not usable.
fn installed(toolchain: PathBuf, needed: &Path, variable: &str) -> Result<PathBuf, String> {
    if needed.exists() {
        Ok(toolchain)
    } else {
        Err(format!("no {} (set {variable}, or run tests/clients/install-toolchains)", needed.display()))
    }
}

/// The toolchain, or `None` after saying loudly why the test is skipped; panics under CI.
fn require_toolchain_or_skip(test_name: &str, found: Result<PathBuf, String>) -> Option<PathBuf> {
    match found {
        Ok(path) => Some(path),
        Err(why) if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) => {
            panic!("{test_name}: the client toolchain is required because CI is set, but: {why}")
        }
        Err(why) => {
            eprintln!("\n!!!!! {test_name}: SKIPPED: {why} !!!!!\n");
            None
        }
    }
}

fn repository_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs a walkthrough script against `app` and fails the test, with its output, unless it exits 0.
async fn run_walkthrough(app: &TestApp, program: impl Into<OsString>, script: &str, env: (&str, &Path)) {
    run_script(app, program, script, &app.grpc_address.to_string(), env).await;
}

/// Runs `program script target API_KEY` and fails the test, with its output, unless it exits 0.
async fn run_script(
    app: &TestApp,
    program: impl Into<OsString>,
    script: &str,
    target: &str,
    env: (&str, &Path),
) {
    let program = program.into();
    let output: Output = tokio::process::Command::new(&program)
        .arg(repository_path(script))
        .arg(target)
        .arg(API_KEY)
        .env(env.0, env.1)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|error| panic!("cannot start {program:?} {script}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} on {:?} exited with {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        app.backend,
        output.status
    );
    print!("{stdout}");
}

backend_tests! {
    async fn the_generated_python_client_runs_the_walkthrough(app) {
        let python = configured_path(PYTHON_ENV, default_clients_dir().join("python/bin/python"));
        let found = installed(python.clone(), &python, PYTHON_ENV);
        if let Some(python) = require_toolchain_or_skip("python client walkthrough", found) {
            run_walkthrough(&app, &python, "tests/clients/python/walkthrough.py", (PYTHON_ENV, &python)).await;
        }
    }

    async fn lagos_javascript_client_manages_webhook_endpoints_and_fetches_the_public_key(app) {
        let node_modules = configured_path(NODE_MODULES_ENV, default_clients_dir().join("typescript/node_modules"));
        let found = installed(node_modules.clone(), &node_modules.join("lago-javascript-client"), NODE_MODULES_ENV);
        if let Some(node_modules) = require_toolchain_or_skip("lago javascript client webhooks", found) {
            let script = "tests/clients/typescript/run-lago-webhooks";
            run_script(&app, "bash", script, &app.url(""), (NODE_MODULES_ENV, &node_modules)).await;
        }
    }

    async fn the_generated_typescript_client_runs_the_walkthrough_over_grpc_and_grpc_web(app) {
        let node_modules = configured_path(NODE_MODULES_ENV, default_clients_dir().join("typescript/node_modules"));
        let found = installed(node_modules.clone(), &node_modules.join(".bin/tsx"), NODE_MODULES_ENV);
        if let Some(node_modules) = require_toolchain_or_skip("typescript client walkthrough", found) {
            let script = "tests/clients/typescript/run";
            run_walkthrough(&app, "bash", script, (NODE_MODULES_ENV, &node_modules)).await;
        }
    }
}
