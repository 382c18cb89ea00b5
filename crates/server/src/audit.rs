//! The audit trail of the server: one entry per authenticated request and per
//! failed login, appended to the catalog's append-only audit log.
//!
//! Entries are queued and written by one task, as many per transaction as are
//! waiting, so that a burst of requests costs one commit rather than one each.
//! The queue is bounded: when the catalog falls behind, requests wait for room
//! (an entry is never dropped). Stopping the server writes what is queued.

use std::sync::Arc;

use evident_store::{NewAuditEntry, Workspace};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Entries waiting to be written, at most.
const QUEUE: usize = 8192;
/// Entries written per transaction, at most.
const BATCH: usize = 1024;

/// Where the server sends audit entries.
#[derive(Clone)]
pub struct AuditTrail {
    sender: mpsc::Sender<NewAuditEntry>,
}

/// The task that writes the entries; wait for it after the server stops.
pub struct AuditWriter {
    handle: JoinHandle<()>,
}

impl AuditWriter {
    /// Waits until every queued entry is written (all [`AuditTrail`] clones
    /// must be dropped first, or this waits for ever).
    pub async fn finish(self) {
        let _ = self.handle.await;
    }
}

impl AuditTrail {
    /// Starts the writer over the workspace's catalog.
    pub fn start(ws: Arc<Workspace>) -> (AuditTrail, AuditWriter) {
        let (sender, mut receiver) = mpsc::channel::<NewAuditEntry>(QUEUE);
        let handle = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while receiver.recv_many(&mut batch, BATCH).await > 0 {
                // A failed write is retried a few times: the catalog may be
                // busy with another process's transaction.
                let mut attempt = 0;
                loop {
                    match ws.append_audit_entries(&batch).await {
                        Ok(()) => break,
                        Err(e) if attempt < 5 => {
                            attempt += 1;
                            tracing::warn!(error = %e, attempt, "audit log write failed; retrying");
                            tokio::time::sleep(std::time::Duration::from_millis(200 * attempt))
                                .await;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, entries = batch.len(), "audit entries could not be written");
                            break;
                        }
                    }
                }
                batch.clear();
            }
        });
        (AuditTrail { sender }, AuditWriter { handle })
    }

    /// Queues an entry (waits while the queue is full).
    pub async fn record(&self, entry: NewAuditEntry) {
        if self.sender.send(entry).await.is_err() {
            tracing::error!("the audit writer has stopped; an entry was not recorded");
        }
    }
}
