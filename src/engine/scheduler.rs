//! The engine's scheduler: the queue of jobs, the requests in flight, the token bucket, the
//! pause a 429 imposes on every request, retries with their backoff, and the time the host
//! should wake the engine. It knows nothing of what a job does: the state machine
//! (`machine`) builds each job's request and decides what each answer means
//! (`disposition`); the scheduler only says when a job may go and keeps the counts the run
//! report gives (requests sent, retries).

use std::collections::VecDeque;

use super::pacing::{backoff_ms, Jitter, TokenBucket};
use super::RequestId;

/// A unit of work: a request to send, possibly again.
#[derive(Debug, Clone)]
pub(crate) struct Job<T> {
    /// What the job does (the machine's business).
    pub(crate) task: T,
    /// Failed attempts so far (5xx, transport, undecodable).
    pub(crate) attempt: u32,
    /// 429 answers so far.
    pub(crate) rate_limited: u32,
    /// Times the request was handed to the host.
    pub(crate) sent: u32,
    /// Not to be sent before this time.
    pub(crate) not_before: u64,
}

impl<T> Job<T> {
    /// A job never tried, to go at `not_before` at the earliest.
    pub(crate) fn new(task: T, not_before: u64) -> Job<T> {
        Job {
            task,
            attempt: 0,
            rate_limited: 0,
            sent: 0,
            not_before,
        }
    }
}

/// Why a request is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// A 429: wait this long (the server's `Retry-After`, else the profile's default), and
    /// hold every other request as long.
    RateLimited {
        /// The wait in milliseconds.
        after_ms: u64,
    },
    /// A 5xx, a transport failure or an unreadable answer: back off exponentially.
    Backoff,
}

/// How often and how long jobs are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryLimits {
    /// Attempts per job for 5xx answers, transport failures and undecodable bodies.
    pub(crate) max_attempts: u32,
    /// Attempts per job for 429 answers.
    pub(crate) max_rate_limited_attempts: u32,
    /// First backoff delay in milliseconds.
    pub(crate) backoff_base_ms: u64,
    /// Longest backoff delay in milliseconds.
    pub(crate) backoff_max_ms: u64,
}

impl RetryLimits {
    /// Whether one more failure of kind `why`, after `attempt` failed attempts and
    /// `rate_limited` 429s, spends a job's attempts (it is not tried again).
    pub(crate) fn spent(&self, attempt: u32, rate_limited: u32, why: Retry) -> bool {
        match why {
            Retry::RateLimited { .. } => rate_limited + 1 >= self.max_rate_limited_attempts,
            Retry::Backoff => attempt + 1 >= self.max_attempts,
        }
    }
}

/// The queue, the requests in flight and the pacing of a run. See the module docs.
#[derive(Debug)]
pub(crate) struct Scheduler<T> {
    queue: VecDeque<Job<T>>,
    /// At most `max_in_flight` requests: a `Vec` searched in full beats a map here, and its
    /// code is a fraction of a tree's in WebAssembly.
    in_flight: Vec<(RequestId, Job<T>)>,
    max_in_flight: usize,
    next_id: u64,
    bucket: TokenBucket,
    /// When the bucket next has a token, as found by the last poll that wanted one.
    token_at: Option<u64>,
    /// No request goes before this time (a 429 holds them all).
    paused_until: u64,
    jitter: Jitter,
    limits: RetryLimits,
    requests_sent: u64,
    retries: u64,
    /// The delays retries were given (the pauses really made are counted by `pauses`).
    #[cfg(test)]
    waited_ms: u64,
}

impl<T> Scheduler<T> {
    pub(crate) fn new(
        max_in_flight: u32,
        bucket: TokenBucket,
        limits: RetryLimits,
        seed: u64,
    ) -> Scheduler<T> {
        Scheduler {
            queue: VecDeque::new(),
            in_flight: Vec::new(),
            max_in_flight: max_in_flight as usize,
            next_id: 0,
            bucket,
            token_at: None,
            paused_until: 0,
            jitter: Jitter::new(seed),
            limits,
            requests_sent: 0,
            retries: 0,
            #[cfg(test)]
            waited_ms: 0,
        }
    }

    /// Replaces the token bucket (discovery may learn the server's rate limit).
    pub(crate) fn set_bucket(&mut self, bucket: TokenBucket) {
        self.bucket = bucket;
    }

    /// Queues `task` last, not to go before `not_before`.
    pub(crate) fn push(&mut self, task: T, not_before: u64) {
        self.queue.push_back(Job::new(task, not_before));
    }

    /// Queues `task` first: work that settles an action already under way goes before new
    /// work.
    pub(crate) fn push_front(&mut self, task: T) {
        self.queue.push_front(Job::new(task, 0));
    }

    /// Drops every queued job (requests in flight stay until answered).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }

    /// Nothing queued and nothing in flight.
    pub(crate) fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty()
    }

    /// Requests in flight now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Starts a poll for a job to send: `false` when none may go now (a 429 pause, or every
    /// in-flight slot taken).
    pub(crate) fn may_send(&mut self, now_ms: u64) -> bool {
        self.token_at = None;
        now_ms >= self.paused_until && self.in_flight.len() < self.max_in_flight
    }

    /// The first queued job at or after position `from` that may go at `now_ms`.
    pub(crate) fn ready_from(&self, from: usize, now_ms: u64) -> Option<usize> {
        (from..self.queue.len()).find(|&i| self.queue[i].not_before <= now_ms)
    }

    /// The task of the queued job at position `i`.
    pub(crate) fn task(&self, i: usize) -> &T {
        &self.queue[i].task
    }

    /// Takes the queued job at position `i` out of the queue, unsent.
    pub(crate) fn remove(&mut self, i: usize) -> Option<Job<T>> {
        self.queue.remove(i)
    }

    /// Sends the queued job at position `i` if the token bucket allows it now: it is then in
    /// flight under the returned id. `None`: no token before the time [`Scheduler::wake_time`]
    /// will give.
    pub(crate) fn send(&mut self, i: usize, now_ms: u64) -> Option<RequestId> {
        if let Err(at) = self.bucket.take(now_ms) {
            self.token_at = Some(at);
            return None;
        }
        let mut job = self.queue.remove(i)?;
        job.sent += 1;
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.in_flight.push((id, job));
        self.requests_sent += 1;
        Some(id)
    }

    /// The job sent as `id`, no longer in flight; `None` if no such request is in flight.
    pub(crate) fn answered(&mut self, id: RequestId) -> Option<Job<T>> {
        let i = self.in_flight.iter().position(|(sent, _)| *sent == id)?;
        Some(self.in_flight.swap_remove(i).1)
    }

    /// When to poll again at the latest (`None`: only when an answer arrives).
    pub(crate) fn wake_time(&self, now_ms: u64) -> Option<u64> {
        if self.queue.is_empty() || self.in_flight.len() >= self.max_in_flight {
            return None;
        }
        let earliest = self.queue.iter().map(|j| j.not_before).min()?;
        let at = earliest
            .max(self.paused_until)
            .max(self.token_at.unwrap_or(0))
            .max(now_ms + 1);
        Some(at)
    }

    /// Queues `job` again after a delay, or returns it when its attempts are spent.
    pub(crate) fn retry(&mut self, mut job: Job<T>, why: Retry, now_ms: u64) -> Option<Job<T>> {
        let delay = match why {
            Retry::RateLimited { after_ms } => {
                if self.limits.spent(job.attempt, job.rate_limited, why) {
                    job.rate_limited += 1;
                    return Some(job);
                }
                job.rate_limited += 1;
                // A rate limit applies to the whole client: hold every request.
                self.paused_until = self.paused_until.max(now_ms.saturating_add(after_ms));
                after_ms
            }
            Retry::Backoff => {
                if self.limits.spent(job.attempt, job.rate_limited, why) {
                    job.attempt += 1;
                    return Some(job);
                }
                job.attempt += 1;
                backoff_ms(
                    self.limits.backoff_base_ms,
                    self.limits.backoff_max_ms,
                    job.attempt,
                    &mut self.jitter,
                )
            }
        };
        job.not_before = now_ms.saturating_add(delay);
        self.retries += 1;
        #[cfg(test)]
        {
            self.waited_ms = self.waited_ms.saturating_add(delay);
        }
        // Retries go first, so a listing page is not starved by later work.
        self.queue.push_front(job);
        None
    }

    /// The run's retry bounds.
    pub(crate) fn limits(&self) -> RetryLimits {
        self.limits
    }

    /// Requests handed to the host so far.
    pub(crate) fn requests_sent(&self) -> u64 {
        self.requests_sent
    }

    /// Requests queued again so far (each one wait).
    pub(crate) fn retries(&self) -> u64 {
        self.retries
    }

    /// Milliseconds of retry delays so far.
    #[cfg(test)]
    pub(crate) fn waited_ms(&self) -> u64 {
        self.waited_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: RetryLimits = RetryLimits {
        max_attempts: 3,
        max_rate_limited_attempts: 2,
        backoff_base_ms: 100,
        backoff_max_ms: 1_000,
    };

    fn unpaced(max_in_flight: u32) -> Scheduler<&'static str> {
        Scheduler::new(max_in_flight, TokenBucket::new(None, 1, 0), LIMITS, 7)
    }

    /// Sends every job that may go at `now_ms`, as the machine does.
    fn drain(s: &mut Scheduler<&'static str>, now_ms: u64) -> Vec<(RequestId, &'static str)> {
        let mut sent = Vec::new();
        while s.may_send(now_ms) {
            let Some(i) = s.ready_from(0, now_ms) else {
                break;
            };
            let task = *s.task(i);
            let Some(id) = s.send(i, now_ms) else { break };
            sent.push((id, task));
        }
        sent
    }

    #[test]
    fn jobs_go_in_order_up_to_the_in_flight_limit() {
        let mut s = unpaced(2);
        for t in ["a", "b", "c"] {
            s.push(t, 0);
        }
        let sent = drain(&mut s, 0);
        assert_eq!(sent, vec![(RequestId(0), "a"), (RequestId(1), "b")]);
        assert_eq!(s.in_flight(), 2);
        // Every slot is taken: only an answer wakes the engine.
        assert_eq!(s.wake_time(0), None);
        assert_eq!(s.answered(RequestId(0)).map(|j| j.task), Some("a"));
        assert!(s.answered(RequestId(0)).is_none(), "answered once only");
        assert_eq!(drain(&mut s, 0), vec![(RequestId(2), "c")]);
        assert_eq!(s.requests_sent(), 3);
        s.answered(RequestId(1));
        s.answered(RequestId(2));
        assert!(s.is_idle());
    }

    #[test]
    fn a_job_waits_for_its_time_and_the_host_is_told_when() {
        let mut s = unpaced(4);
        s.push("later", 500);
        s.push("now", 0);
        assert_eq!(drain(&mut s, 10), vec![(RequestId(0), "now")]);
        assert_eq!(s.wake_time(10), Some(500));
        assert_eq!(drain(&mut s, 500), vec![(RequestId(1), "later")]);
    }

    #[test]
    fn the_token_bucket_paces_and_sets_the_wake_time() {
        let mut s = Scheduler::new(8, TokenBucket::new(Some(10.0), 1, 0), LIMITS, 0);
        s.push("a", 0);
        s.push("b", 0);
        assert_eq!(drain(&mut s, 0), vec![(RequestId(0), "a")]);
        assert_eq!(s.wake_time(0), Some(100));
        assert_eq!(drain(&mut s, 99), vec![]);
        assert_eq!(drain(&mut s, 100), vec![(RequestId(1), "b")]);
    }

    #[test]
    fn a_rate_limit_pauses_every_request_and_is_bounded() {
        let mut s = unpaced(4);
        s.push("a", 0);
        s.push("b", 0);
        drain(&mut s, 0);
        let a = s.answered(RequestId(0)).unwrap();
        let retry = Retry::RateLimited { after_ms: 1_000 };
        assert!(s.retry(a, retry, 0).is_none());
        s.push("c", 0);
        // Paused: not even the new job goes.
        assert_eq!(drain(&mut s, 999), vec![]);
        assert_eq!(s.wake_time(999), Some(1_000));
        let sent = drain(&mut s, 1_000);
        assert_eq!(sent, vec![(RequestId(2), "a"), (RequestId(3), "c")]);
        // The second 429 spends the job's rate-limited attempts: it comes back.
        let a = s.answered(RequestId(2)).unwrap();
        let spent = s.retry(a, retry, 1_000).expect("attempts spent");
        assert_eq!((spent.rate_limited, spent.sent), (2, 2));
        assert_eq!((s.retries(), s.waited_ms()), (1, 1_000));
    }

    #[test]
    fn backoff_grows_goes_first_and_is_bounded() {
        let mut s = unpaced(1);
        s.push("a", 0);
        s.push("b", 0);
        drain(&mut s, 0);
        let a = s.answered(RequestId(0)).unwrap();
        assert!(s.retry(a, Retry::Backoff, 0).is_none());
        let first = s.waited_ms();
        assert!((50..=100).contains(&first));
        // Retries go before later work, after their backoff (50..=100 ms for attempt 1).
        let at = s.wake_time(0).unwrap();
        assert_eq!(at, 1, "b may go at once");
        assert_eq!(drain(&mut s, 1), vec![(RequestId(1), "b")]);
        s.answered(RequestId(1));
        assert_eq!(drain(&mut s, 49), vec![]);
        let sent = drain(&mut s, 100);
        assert_eq!(sent, vec![(RequestId(2), "a")]);
        let a = s.answered(RequestId(2)).unwrap();
        assert!(s.retry(a, Retry::Backoff, 100).is_none());
        drain(&mut s, 10_000);
        let a = s.answered(RequestId(3)).unwrap();
        // The third failure spends `max_attempts` (3).
        let spent = s.retry(a, Retry::Backoff, 10_000).expect("attempts spent");
        assert_eq!((spent.attempt, spent.sent), (3, 3));
        assert!((100..=200).contains(&(s.waited_ms() - first)));
        assert_eq!(s.retries(), 2);
    }

    #[test]
    fn same_seed_same_delays() {
        let delays = |seed| {
            let mut s = Scheduler::new(1, TokenBucket::new(None, 1, 0), LIMITS, seed);
            s.push("a", 0);
            drain(&mut s, 0);
            let a = s.answered(RequestId(0)).unwrap();
            s.retry(a, Retry::Backoff, 0);
            s.waited_ms()
        };
        assert_eq!(delays(3), delays(3));
    }

    #[test]
    fn clear_drops_the_queue_not_the_requests_in_flight() {
        let mut s = unpaced(1);
        s.push("a", 0);
        s.push("b", 0);
        drain(&mut s, 0);
        s.clear();
        assert!(!s.is_idle());
        assert!(s.answered(RequestId(0)).is_some());
        assert!(s.is_idle());
    }
}
