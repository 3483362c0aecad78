//! End-to-end tests: the real server, in-process on port 0 with a fresh database, driven through
//! its REST gateway and its generated gRPC clients. Every scenario runs on SQLite and PostgreSQL.
//! One test binary (with modules) keeps link time low.

#[allow(dead_code, reason = "each helper is used by some scenarios, not necessarily all of them")]
mod support;

mod auth;
mod billable_metrics_rest;
mod catalog_grpc;
mod check_grpc;
mod check_rest;
mod concurrent_writes;
mod customers_grpc;
mod customers_rest;
mod entitlements_view;
mod feature_masks_grpc;
mod features_grpc;
mod features_rest;
mod features_rest_errors;
mod generated_clients;
mod grpc_errors;
mod grpc_web;
mod health_and_reflection;
mod metrics;
mod migrations;
mod pagination_rest;
mod plan_entitlements_grpc;
mod plan_entitlements_rest;
mod plans_grpc;
mod plans_rest;
mod revisions;
mod subscription_entitlements_grpc;
mod subscription_entitlements_rest;
mod subscription_notices;
mod subscriptions_grpc;
mod subscriptions_rest;
mod taxes_rest;
mod view_differential;
mod watch_grpc;
mod webhook_delivery;
mod webhook_endpoints_grpc;
mod webhook_endpoints_rest;
mod webhook_payloads;
