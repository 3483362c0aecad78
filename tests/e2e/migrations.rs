//! Migrations run by several processes at once (replicas starting together, or a migration Job
//! beside them): every run succeeds and leaves the schema complete, on SQLite and PostgreSQL.

use entitlements_domain::PageRequest;
use entitlements_store::{ApiKey, Store};
use futures_util::future::join_all;

use crate::support::postgres;

/// How many stores migrate one fresh database at the same time.
const CONCURRENT_MIGRATIONS: usize = 4;

async fn assert_concurrent_migrations_succeed(database_url: &str) {
    let stores = join_all((0..CONCURRENT_MIGRATIONS).map(|_| Store::connect(database_url))).await;
    let stores: Vec<Store> = stores.into_iter().map(|store| store.expect("connect")).collect();
    let results = join_all(stores.iter().map(Store::migrate)).await;
    for (index, result) in results.into_iter().enumerate() {
        assert_eq!(result, Ok(()), "migration {} of {CONCURRENT_MIGRATIONS}", index + 1);
    }
    let organization =
        stores[0].create_organization("migrated", &ApiKey::new("key")).await.expect("organization");
    let page = PageRequest::new(0, 0).expect("the default page");
    let features = stores[1].list_features(organization.id, page, None).await;
    assert_eq!(features.map(|page| page.total_count), Ok(0), "the other store sees the migrated schema");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_all_succeed_on_postgres() {
    let Some(server) = postgres::require_postgres_or_skip("concurrent migrations") else { return };
    let database_url = tokio::task::block_in_place(|| server.create_database());
    assert_concurrent_migrations_succeed(&database_url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_all_succeed_on_sqlite() {
    let directory = tempfile::tempdir().expect("a temp dir");
    let database_url = format!("sqlite://{}?mode=rwc", directory.path().join("migrated.db").display());
    assert_concurrent_migrations_succeed(&database_url).await;
}
