//! The call log's writer thread: carries out [`StoreHandle`] messages in
//! order on the one [`Store`] connection. Writes that fail because the log
//! cannot be written for now (a full disk, an I/O error, a busy file) are
//! kept in memory, in order, and tried again every second, so a full disk
//! delays call records but never loses them.
//!
//! Does not own: the messages' API ([`StoreHandle`]) or the SQL (`Store`).
//!
//! [`StoreHandle`]: super::StoreHandle

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc;
use std::time::Duration;

use super::db::Store;
use super::msg::{CallKey, Msg};
use super::publish::Publisher;
use super::types::StoreError;

/// How often writes kept back by a failure are tried again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Most writes kept in memory while the call log cannot be written; past
/// this, new writes are dropped (and counted in the log).
const MAX_PENDING: usize = 200_000;

/// Most writes landed in one transaction: the writes queued while the
/// last batch was written go in together, one commit (and one sync of the
/// write-ahead log) for all of them.
const MAX_BATCH: usize = 512;

/// Least time between two commits: a write arriving sooner after the last
/// commit waits (asleep, so the writes queued meanwhile wake nobody) and
/// lands with the others queued by then. Under load this bounds the syncs
/// of the write-ahead log to 50 a second; when idle a write lands at once.
const COMMIT_GAP: Duration = Duration::from_millis(20);

/// How long shutdown keeps trying to write what is still kept back.
const SHUTDOWN_RETRY: Duration = Duration::from_secs(5);

pub(super) fn run(store: Store, rx: mpsc::Receiver<Msg>, publisher: Option<Publisher>) {
    let mut writer = Writer::new(store);
    writer.publisher = publisher;
    let mut last_commit: Option<std::time::Instant> = None;
    loop {
        let msg = if writer.pending.is_empty() {
            rx.recv().map_err(|_| ())
        } else {
            match rx.recv_timeout(RETRY_EVERY) {
                Ok(msg) => Ok(msg),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    writer.retry();
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => Err(()),
            }
        };
        let mut batch = match msg {
            Ok(Msg::Shutdown) | Err(()) => break,
            Ok(msg) => vec![msg],
        };
        if let Some(wait) = last_commit.and_then(|t| COMMIT_GAP.checked_sub(t.elapsed())) {
            std::thread::sleep(wait);
        }
        let mut stop = false;
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Shutdown) => {
                    stop = true;
                    break;
                }
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        writer.write_batch(batch);
        super::latency::WRITE_LATENCY.record(started.elapsed());
        last_commit = Some(std::time::Instant::now());
        if stop {
            break;
        }
    }
    let deadline = std::time::Instant::now() + SHUTDOWN_RETRY;
    while !writer.pending.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(RETRY_EVERY / 4);
        writer.retry();
    }
    if !writer.pending.is_empty() {
        tracing::error!(
            writes = writer.pending.len(),
            "call log stopped with writes it could not make (is the disk full?)"
        );
    }
    if !writer.ids.is_empty() {
        tracing::warn!(
            calls = writer.ids.len(),
            "call log stopped with calls still in progress"
        );
    }
}

/// The writer thread's state: the row ids of calls in progress, and the
/// writes kept back, in order, while the log cannot be written (a full
/// disk, an I/O error), to be tried again.
pub(super) struct Writer {
    pub(super) store: Store,
    ids: HashMap<CallKey, i64>,
    pub(super) pending: VecDeque<Msg>,
    dropped: u64,
    publisher: Option<Publisher>,
}

impl Writer {
    pub(super) fn new(store: Store) -> Writer {
        Writer {
            store,
            ids: HashMap::new(),
            pending: VecDeque::new(),
            dropped: 0,
            publisher: None,
        }
    }

    /// Writes `msg`, behind any writes already kept back (order matters:
    /// a call's start comes before its other writes).
    pub(super) fn write(&mut self, msg: Msg) {
        if !self.pending.is_empty() {
            self.keep(msg);
            self.retry();
            return;
        }
        if let Err(err) = self.apply(&msg) {
            if retryable(&err) {
                tracing::error!(%err, "the call log cannot be written (is the disk full?): keeping its writes in memory and trying again every second");
                self.keep(msg);
            } else {
                tracing::warn!(%err, "call-log write failed");
            }
        }
    }

    /// Writes `batch` in one transaction. When that cannot be done (writes
    /// are kept back, or the transaction fails for a reason worth waiting
    /// for) it is rolled back and the writes go one by one, as
    /// [`Writer::write`] does, so a failure keeps them back in order.
    pub(super) fn write_batch(&mut self, batch: Vec<Msg>) {
        if batch.len() == 1
            || !self.pending.is_empty()
            || self.store.conn.execute_batch(begin(&self.store)).is_err()
        {
            for msg in batch {
                self.write(msg);
            }
            return;
        }
        // What a rollback puts back: the ids of the calls this batch starts
        // or ends, as they were before it (not a copy of every call in
        // progress, which cost a clone of the map per batch).
        let saved: Vec<(CallKey, Option<i64>)> = batch
            .iter()
            .filter_map(|msg| match msg {
                Msg::Started(key, _) | Msg::Ended(key, ..) => {
                    Some((key.clone(), self.ids.get(key).copied()))
                }
                _ => None,
            })
            .collect();
        let mut landed = Vec::with_capacity(batch.len());
        let mut whole = true;
        for msg in &batch {
            match self.apply_write_id(msg) {
                Ok(id) => landed.push(id),
                // A failed statement aborts a PostgreSQL transaction (the
                // rest would fail and COMMIT would roll back): the batch
                // then goes one by one too.
                Err(err) if retryable(&err) || aborts_batch(&self.store, &err) => {
                    whole = false;
                    break;
                }
                Err(err) => {
                    tracing::warn!(%err, "call-log write failed");
                    landed.push(None);
                }
            }
        }
        if whole && self.store.conn.execute_batch("COMMIT").is_ok() {
            for (msg, id) in batch.iter().zip(landed) {
                self.publish(msg, id);
            }
            return;
        }
        self.store.conn.execute_batch("ROLLBACK").ok();
        for (key, id) in saved {
            match id {
                Some(id) => self.ids.insert(key, id),
                None => self.ids.remove(&key),
            };
        }
        for msg in batch {
            self.write(msg);
        }
    }

    fn keep(&mut self, msg: Msg) {
        if self.pending.len() < MAX_PENDING {
            self.pending.push_back(msg);
        } else {
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                tracing::error!(
                    dropped = self.dropped,
                    "the call log is still not writable and too many writes are waiting: dropping new ones"
                );
            }
        }
    }

    /// Tries the kept-back writes again, oldest first, up to the first one
    /// that still fails for a reason worth waiting for.
    pub(super) fn retry(&mut self) {
        let before = self.pending.len();
        while let Some(msg) = self.pending.pop_front() {
            if let Err(err) = self.apply(&msg) {
                if retryable(&err) {
                    self.pending.push_front(msg);
                    return;
                }
                tracing::warn!(%err, "call-log write failed");
            }
        }
        if before > 0 {
            tracing::warn!(
                writes = before,
                "the call log is writable again: kept-back writes are in"
            );
        }
    }

    /// Carries out one write and, once it has landed, publishes it.
    fn apply(&mut self, msg: &Msg) -> Result<(), StoreError> {
        let id = self.apply_write_id(msg)?;
        self.publish(msg, id);
        Ok(())
    }

    /// Carries out one write; gives the row id of its call, if any.
    fn apply_write_id(&mut self, msg: &Msg) -> Result<Option<i64>, StoreError> {
        let known_id = super::publish::key(msg).and_then(|k| self.ids.get(k).copied());
        self.apply_write(msg)?;
        Ok(known_id.or_else(|| super::publish::key(msg).and_then(|k| self.ids.get(k).copied())))
    }

    /// Publishes a write that has landed.
    fn publish(&mut self, msg: &Msg, id: Option<i64>) {
        if let (Some(publisher), Some(id)) = (&mut self.publisher, id) {
            publisher.published(msg, id);
        }
    }

    /// Carries out one write. Writes for a call that was never started (or
    /// has ended) are logged and skipped.
    fn apply_write(&mut self, msg: &Msg) -> Result<(), StoreError> {
        let store = &self.store;
        let (key, result) = match msg {
            Msg::Shutdown => return Ok(()),
            Msg::Passed(line, number, at_ms) => {
                return store.remember_passed(line, number, *at_ms);
            }
            Msg::Binding(change) => return store.binding_changed(change),
            Msg::Started(key, new) => {
                let id = store.call_started(new)?;
                self.ids.insert(key.clone(), id);
                return Ok(());
            }
            Msg::Ended(key, at, reason) => {
                let Some(&id) = known(&self.ids, key) else {
                    return Ok(());
                };
                store.call_ended(id, *at, reason)?;
                self.ids.remove(key);
                return Ok(());
            }
            Msg::Answered(key, at, recording) => (
                key,
                known(&self.ids, key).map(|&id| store.call_answered(id, *at, recording.as_deref())),
            ),
            Msg::Outcome(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_outcome(id, v)),
            ),
            Msg::Policy(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_policy(id, v)),
            ),
            Msg::Tag(key, v) => (key, known(&self.ids, key).map(|&id| store.add_tag(id, v))),
            Msg::TagDetail(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.add_tag_detail(id, v)),
            ),
            Msg::Risk(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.raise_risk(id, v)),
            ),
            Msg::Bridge(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_bridge(id, v)),
            ),
            Msg::Bridged(key, at, phone) => (
                key,
                known(&self.ids, key).map(|&id| store.bridged(id, *at, phone)),
            ),
            Msg::Callback(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_callback(id, v)),
            ),
            Msg::Voicemail(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_voicemail(id, v)),
            ),
            Msg::Listened(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_listened(id, v)),
            ),
            Msg::RecordingNote(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_recording_note(id, v)),
            ),
            Msg::NotRecorded(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_not_recorded(id, v)),
            ),
            Msg::MessageLost(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_message_lost(id, v)),
            ),
            Msg::HangupBy(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_hangup_by(id, v)),
            ),
            Msg::CallerName(key, v) => (
                key,
                known(&self.ids, key).map(|&id| store.set_caller_name(id, v)),
            ),
        };
        let _ = key;
        result.unwrap_or(Ok(()))
    }
}

/// Whether a failed write may succeed later: the disk was full, the file
/// could not be written or was busy, or the server could not be reached.
fn retryable(err: &StoreError) -> bool {
    matches!(err, StoreError::Sql(e) if e.is_transient())
}

/// Whether `err` leaves the batch's transaction unusable.
fn aborts_batch(store: &Store, err: &StoreError) -> bool {
    store.conn.dialect() == crate::sql::Dialect::Postgres && matches!(err, StoreError::Sql(_))
}

/// The statement that starts a batch's transaction (SQLite: taking the
/// write lock at once).
fn begin(store: &Store) -> &'static str {
    match store.conn.dialect() {
        crate::sql::Dialect::Sqlite => "BEGIN IMMEDIATE",
        crate::sql::Dialect::Postgres => "BEGIN",
    }
}

/// The row id of a call in progress; a key never started (or already
/// ended) is logged and gives `None`.
fn known<'a>(ids: &'a HashMap<CallKey, i64>, key: &CallKey) -> Option<&'a i64> {
    let id = ids.get(key);
    if id.is_none() {
        tracing::warn!(call = %key, "call-log write for a call that was not logged as started");
    }
    id
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
