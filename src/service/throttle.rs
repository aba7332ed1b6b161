//! Throttling of failed sign-ins, per account and per client address, with delays that
//! grow with each failure.
//!
//! The counts live in the process: one server throttles what reaches it. A refused
//! attempt spends no password hashing, so a flood of wrong passwords costs the server
//! almost nothing once it is throttled.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an account may have before each further one waits.
pub const ACCOUNT_FREE_FAILURES: u32 = 4;
/// Failures a client address may have (several people behind one hospital's NAT).
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(30 * 60);
/// Entries kept before old ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// Counts per key.
#[derive(Debug)]
struct Counter<K> {
    free: u32,
    entries: HashMap<K, Failures>,
}

impl<K: Eq + Hash + Clone> Counter<K> {
    fn new(free: u32) -> Self {
        Counter {
            free,
            entries: HashMap::new(),
        }
    }

    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let f = self.entries.get(key)?;
        let until = f.blocked_until?;
        (until > now).then(|| until - now)
    }

    fn fail(&mut self, key: &K, now: Instant) {
        if self.entries.len() > SWEEP_ABOVE {
            self.entries
                .retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        }
        let f = self.entries.entry(key.clone()).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: None,
        });
        if now.duration_since(f.last) >= FORGET_AFTER {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
        f.blocked_until = (f.count > self.free).then(|| now + delay(f.count - self.free));
    }

    fn clear(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

/// The wait after the `n`th failure past the free ones: 2, 4, 8 … seconds, at most
/// [`MAX_DELAY`].
pub fn delay(n: u32) -> Duration {
    let secs = 1u64.checked_shl(n.min(20)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_DELAY)
}

/// The throttle of one process.
#[derive(Debug)]
pub struct SignInThrottle {
    inner: Mutex<(Counter<String>, Counter<IpAddr>)>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        SignInThrottle {
            inner: Mutex::new((
                Counter::new(ACCOUNT_FREE_FAILURES),
                Counter::new(ADDRESS_FREE_FAILURES),
            )),
        }
    }
}

/// The account key: the address as it is looked up.
fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl SignInThrottle {
    /// How long the caller must wait before trying this account from this address, if
    /// at all.
    pub fn wait(&self, email: &str, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (accounts, addresses) = &*guard;
        let a = accounts.wait(&account_key(email), now);
        let b = client.and_then(|ip| addresses.wait(&ip, now));
        a.max(b)
    }

    /// Records a failed attempt.
    pub fn failed(&self, email: &str, client: Option<IpAddr>, now: Instant) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (accounts, addresses) = &mut *guard;
        accounts.fail(&account_key(email), now);
        if let Some(ip) = client {
            addresses.fail(&ip, now);
        }
    }

    /// Records a successful sign-in: the account's failures are forgiven (the address's
    /// are not: one good password must not reset a guesser's count).
    pub fn succeeded(&self, email: &str) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.clear(&account_key(email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn an_account_waits_longer_after_each_failure_past_the_free_ones() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..ACCOUNT_FREE_FAILURES {
            assert_eq!(t.wait("a@x.invalid", IP, now), None);
            t.failed("a@x.invalid", IP, now);
        }
        assert_eq!(t.wait("a@x.invalid", IP, now), None);
        t.failed("A@X.invalid ", IP, now);
        assert_eq!(t.wait("a@x.invalid", IP, now), Some(Duration::from_secs(2)));
        t.failed("a@x.invalid", IP, now);
        assert_eq!(
            t.wait("a@x.invalid", None, now),
            Some(Duration::from_secs(4))
        );
        // Another account from the same address is not throttled yet.
        assert_eq!(t.wait("b@x.invalid", IP, now), None);
        // The wait runs out.
        assert_eq!(
            t.wait("a@x.invalid", IP, now + Duration::from_secs(5)),
            None
        );
    }

    #[test]
    fn an_address_guessing_many_accounts_is_throttled() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for i in 0..=ADDRESS_FREE_FAILURES {
            t.failed(&format!("u{i}@x.invalid"), IP, now);
        }
        assert!(t.wait("fresh@x.invalid", IP, now).is_some());
        assert_eq!(t.wait("fresh@x.invalid", None, now), None);
    }

    #[test]
    fn success_forgives_the_account_and_old_failures_are_forgotten() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..=ACCOUNT_FREE_FAILURES {
            t.failed("a@x.invalid", None, now);
        }
        assert!(t.wait("a@x.invalid", None, now).is_some());
        t.succeeded("a@x.invalid");
        assert_eq!(t.wait("a@x.invalid", None, now), None);

        for _ in 0..=ACCOUNT_FREE_FAILURES {
            t.failed("b@x.invalid", None, now);
        }
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        t.failed("b@x.invalid", None, later);
        assert_eq!(t.wait("b@x.invalid", None, later), None);
    }

    #[test]
    fn delays_double_and_stop_at_the_maximum() {
        assert_eq!(delay(1), Duration::from_secs(2));
        assert_eq!(delay(3), Duration::from_secs(8));
        assert_eq!(delay(30), MAX_DELAY);
        assert_eq!(delay(u32::MAX), MAX_DELAY);
    }
}
