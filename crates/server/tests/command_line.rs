//! The operator's commands of the real `entitlements-server` binary, on SQLite and PostgreSQL:
//! `migrate` applies the migrations and exits, `admin create-organization` prints a new API key
//! once (and refuses a taken name), and `--help` documents every flag with its environment
//! variable.

#[allow(dead_code, reason = "the harness's PostgreSQL helpers are shared with tests that use all of them")]
#[path = "../../../tests/e2e/support/postgres.rs"]
mod postgres;

use std::process::Output;

use entitlements_store::{ApiKey, Store};
use tokio::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_entitlements-server");

async fn run(database_url: &str, arguments: &[&str]) -> Output {
    Command::new(BINARY)
        .args(arguments)
        .env("ENTITLEMENTS_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("ENTITLEMENTS_API_KEY")
        .output()
        .await
        .expect("run entitlements-server")
}

async fn migrate_then_create_organizations(database_url: &str) {
    let migrated = run(database_url, &["migrate"]).await;
    assert!(migrated.status.success(), "migrate failed: {}", String::from_utf8_lossy(&migrated.stderr));
    // Migrations are idempotent: a second run (as at every `serve` start) succeeds too.
    assert!(run(database_url, &["migrate"]).await.status.success());

    let created = run(database_url, &["admin", "create-organization", "--name", "acme"]).await;
    assert!(
        created.status.success(),
        "create-organization failed: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let stdout = String::from_utf8(created.stdout).expect("utf-8 output");
    let key = stdout.trim();
    assert!(
        key.len() == 68 && key.starts_with("ent_") && key[4..].chars().all(|c| c.is_ascii_hexdigit()),
        "the only output is the new key, got {stdout:?}"
    );

    // Only the hash is stored, and it opens the new organization.
    let store = Store::connect(database_url).await.expect("connect");
    assert!(store.organization_for_api_key(&ApiKey::new(key)).await.expect("lookup").is_some());

    let duplicate = run(database_url, &["admin", "create-organization", "--name", "acme"]).await;
    assert_eq!(duplicate.status.code(), Some(1), "a taken name is refused");
    assert!(duplicate.stdout.is_empty(), "no key is printed for a refused organization");
}

#[tokio::test]
async fn migrate_and_create_organization_on_sqlite() {
    let directory = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", directory.path().join("cli.db").display());
    migrate_then_create_organizations(&url).await;
}

#[tokio::test]
async fn migrate_and_create_organization_on_postgres() {
    let Some(server) = postgres::require_postgres_or_skip("command_line (PostgreSQL)") else { return };
    let url = tokio::task::spawn_blocking(|| server.create_database()).await.expect("create a test database");
    migrate_then_create_organizations(&url).await;
}

#[tokio::test]
async fn help_documents_every_flag_and_its_environment_variable() {
    let output = Command::new(BINARY).arg("--help").output().await.expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("utf-8 help");
    for expected in [
        "--database-url",
        "ENTITLEMENTS_DATABASE_URL",
        "sqlite://entitlements.db?mode=rwc",
        "--grpc-addr",
        "ENTITLEMENTS_GRPC_ADDR",
        "0.0.0.0:50051",
        "--http-addr",
        "ENTITLEMENTS_HTTP_ADDR",
        "0.0.0.0:3000",
        "--grpc-upstream",
        "ENTITLEMENTS_GRPC_UPSTREAM",
        "--min-revision-wait-ms",
        "ENTITLEMENTS_MIN_REVISION_WAIT_MS",
        "--log-format",
        "ENTITLEMENTS_LOG_FORMAT",
        "ENTITLEMENTS_API_KEY",
        "migrate",
        "admin",
    ] {
        assert!(help.contains(expected), "--help does not mention {expected}:\n{help}");
    }
}
