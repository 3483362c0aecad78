//! The server's long-running tasks (the gRPC and HTTP servers, the health supervisor, the
//! subscription sweeper), watched as groups: none of them may end before shutdown is asked for,
//! so the first one that ends, fails or panics is reported at once, by name, and stops the server
//! instead of being noticed only at shutdown.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;

use tokio::task::{Id, JoinSet};

use crate::ServerError;

/// Why a task failed.
pub(crate) type TaskError = Box<dyn std::error::Error + Send + Sync>;

/// Tasks that are stopped together.
#[derive(Default)]
pub(crate) struct TaskGroup {
    tasks: JoinSet<Result<(), TaskError>>,
    names: HashMap<Id, &'static str>,
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("TaskGroup").field("tasks", &self.names.values()).finish()
    }
}

/// A task that ended, and how.
#[derive(Debug)]
pub(crate) struct StoppedTask {
    pub(crate) name: &'static str,
    pub(crate) outcome: Result<(), TaskError>,
}

impl StoppedTask {
    /// The failure of a task that ended before shutdown was asked for: even a clean end is one.
    pub(crate) fn into_unexpected_stop(self) -> ServerError {
        match self.outcome {
            Ok(()) => ServerError::TaskStopped { task: self.name },
            Err(source) => ServerError::TaskFailed { task: self.name, source },
        }
    }
}

impl TaskGroup {
    pub(crate) fn spawn(
        &mut self,
        name: &'static str,
        task: impl Future<Output = Result<(), TaskError>> + Send + 'static,
    ) {
        let handle = self.tasks.spawn(task);
        self.names.insert(handle.id(), name);
    }

    /// Waits for the next task to end; never completes while the group is empty.
    pub(crate) async fn next_stopped(&mut self) -> StoppedTask {
        let Some(joined) = self.tasks.join_next_with_id().await else {
            return std::future::pending().await;
        };
        let (id, outcome) = match joined {
            Ok((id, outcome)) => (id, outcome),
            Err(error) => (error.id(), Err(TaskError::from(error))),
        };
        let name = self.names.remove(&id).unwrap_or("a server task");
        StoppedTask { name, outcome }
    }

    /// Waits for every task, once they were told to stop.
    ///
    /// # Errors
    /// The first failure among them.
    pub(crate) async fn join_all(&mut self) -> Result<(), ServerError> {
        let mut first_failure = Ok(());
        while !self.tasks.is_empty() {
            let StoppedTask { name, outcome } = self.next_stopped().await;
            if let Err(source) = outcome {
                tracing::error!(task = name, error = %source, "server task failed while stopping");
                if first_failure.is_ok() {
                    first_failure = Err(ServerError::TaskFailed { task: name, source });
                }
            }
        }
        first_failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_task_is_reported_by_name() {
        let mut group = TaskGroup::default();
        group.spawn("forever", std::future::pending());
        group.spawn("http server", async { Err(TaskError::from("accept failed")) });
        let stopped = group.next_stopped().await;
        assert_eq!(stopped.name, "http server");
        assert_eq!(stopped.into_unexpected_stop().to_string(), "http server failed: accept failed");
    }

    #[tokio::test]
    async fn a_panicking_task_is_reported_by_name() {
        let mut group = TaskGroup::default();
        group.spawn("sweeper", async { panic!("boom") });
        let stopped = group.next_stopped().await;
        assert_eq!(stopped.name, "sweeper");
        let error = stopped.into_unexpected_stop().to_string();
        assert!(error.starts_with("sweeper failed: task") && error.contains("panicked"), "{error}");
    }

    #[tokio::test]
    async fn a_task_that_ends_cleanly_before_shutdown_is_a_failure_too() {
        let mut group = TaskGroup::default();
        group.spawn("health supervisor", async { Ok(()) });
        let error = group.next_stopped().await.into_unexpected_stop();
        assert_eq!(error.to_string(), "health supervisor stopped unexpectedly");
    }

    #[tokio::test]
    async fn an_empty_group_never_reports_a_stop() {
        let mut group = TaskGroup::default();
        tokio::select! {
            biased;
            stopped = group.next_stopped() => panic!("an empty group reported {stopped:?}"),
            () = std::future::ready(()) => {}
        }
        assert!(group.join_all().await.is_ok());
    }

    #[tokio::test]
    async fn join_all_returns_the_first_failure() {
        let mut group = TaskGroup::default();
        group.spawn("grpc server", async { Err(TaskError::from("broken")) });
        let joined = group.join_all().await;
        assert_eq!(joined.map_err(|error| error.to_string()), Err("grpc server failed: broken".to_owned()));
    }
}
