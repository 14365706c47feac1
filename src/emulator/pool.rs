//! The environment pool: which environments exist, how many requests each is serving,
//! and which one a new request goes to. Pure data: time arrives as `now`.
//!
//! A request takes a free *slot* of an environment. In Lambda's classic model an
//! environment has one slot; Managed Instances and Web Functions have more, so nothing
//! here assumes one.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::config::Placement;
use crate::event::{InitType, ThrottleReason};
use crate::ids::EnvId;

use super::token_bucket::TokenBucket;

/// Index of an environment in the pool. Reused after removal: pair it with
/// [`Env::serial`] to tell a stale reference.
pub type EnvKey = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Initializing,
    Ready,
}

#[derive(Debug, Clone)]
pub struct Env {
    pub id: EnvId,
    pub stream: String,
    pub serial: u64,
    pub init_type: InitType,
    pub phase: Phase,
    pub slots: u32,
    pub in_flight: u32,
    pub invocations: u64,
    pub born: Duration,
    pub last_used: Duration,
    /// When the current idle spell ends in reclaim (on-demand environments).
    pub reclaim_at: Option<Duration>,
    /// A reclaim timer is pending for this environment (at most one is).
    pub reclaim_armed: bool,
    /// Init Duration not yet reported: provisioned environments report it on their first
    /// invocation's REPORT.
    pub unreported_init_ms: Option<f64>,
    /// Peak memory of its process, MB, as last measured (process handler only).
    pub memory_used_mb: Option<u32>,
    /// The runtime was reset (after a timeout): the next invocation runs Init inside it.
    pub needs_init: bool,
    /// Past its maximum lifetime while busy: reclaim as soon as it is idle.
    pub retire: bool,
    /// Its Init ran past the 10 s cap: Lambda retries it, this long, inside the first
    /// invocation.
    pub retry_init_ms: Option<f64>,
}

impl Env {
    pub fn is_idle(&self) -> bool {
        self.phase == Phase::Ready && self.in_flight == 0
    }

    pub fn provisioned(&self) -> bool {
        self.init_type == InitType::ProvisionedConcurrency
    }
}

/// What the pool decides for a new request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A ready environment with a free slot: a warm start.
    Existing(EnvKey),
    /// No free slot anywhere: create an environment (a cold start).
    New,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Reserved concurrency, else the account limit.
    pub cap: u32,
    pub cap_reason: ThrottleReason,
    pub placement: Placement,
    pub slots_per_env: u32,
}

#[derive(Debug)]
pub struct Pool {
    envs: Vec<Option<Env>>,
    free_keys: Vec<EnvKey>,
    /// Ready environments with a free slot, by (last use, key): provisioned ones first.
    available_provisioned: BTreeSet<(Duration, EnvKey)>,
    available_on_demand: BTreeSet<(Duration, EnvKey)>,
    in_flight: u32,
    provisioned_in_flight: u32,
    live: usize,
    next_serial: u64,
    scaling: TokenBucket,
    limits: Limits,
}

impl Pool {
    pub fn new(limits: Limits, scaling: TokenBucket) -> Self {
        Self {
            envs: Vec::new(),
            free_keys: Vec::new(),
            available_provisioned: BTreeSet::new(),
            available_on_demand: BTreeSet::new(),
            in_flight: 0,
            provisioned_in_flight: 0,
            live: 0,
            next_serial: 0,
            scaling,
            limits,
        }
    }

    /// A new concurrency limit (reserved concurrency set or removed): requests in flight
    /// finish, new ones over it are refused.
    pub fn set_cap(&mut self, cap: u32, reason: ThrottleReason) {
        self.limits.cap = cap;
        self.limits.cap_reason = reason;
    }

    /// Requests in flight on all environments: CloudWatch's ConcurrentExecutions.
    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    pub fn provisioned_in_flight(&self) -> u32 {
        self.provisioned_in_flight
    }

    /// Environments alive (initializing, busy or idle).
    pub fn live(&self) -> usize {
        self.live
    }

    pub fn get(&self, key: EnvKey) -> Option<&Env> {
        self.envs.get(key).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, key: EnvKey) -> Option<&mut Env> {
        self.envs.get_mut(key).and_then(Option::as_mut)
    }

    /// The environment at `key` if it is still the one with `serial`.
    pub fn get_current(&self, key: EnvKey, serial: u64) -> Option<&Env> {
        self.get(key).filter(|e| e.serial == serial)
    }

    pub fn iter(&self) -> impl Iterator<Item = (EnvKey, &Env)> {
        self.envs
            .iter()
            .enumerate()
            .filter_map(|(k, e)| e.as_ref().map(|e| (k, e)))
    }

    /// Decides where a new request goes: a free slot (provisioned first, then on-demand by
    /// the placement policy), else a new environment if the concurrency cap and the
    /// scaling rate allow one.
    pub fn admit(&mut self, now: Duration) -> Result<Admission, ThrottleReason> {
        if self.in_flight >= self.limits.cap {
            return Err(self.limits.cap_reason);
        }
        let pick = |set: &BTreeSet<(Duration, EnvKey)>, placement| match placement {
            Placement::MostRecent => set.last().map(|(_, k)| *k),
            Placement::LeastRecent => set.first().map(|(_, k)| *k),
        };
        if let Some(key) = pick(&self.available_provisioned, Placement::MostRecent)
            .or_else(|| pick(&self.available_on_demand, self.limits.placement))
        {
            return Ok(Admission::Existing(key));
        }
        if self.scaling.try_take(now) {
            Ok(Admission::New)
        } else {
            Err(ThrottleReason::ScalingRate)
        }
    }

    /// Adds an environment in its Init phase.
    pub fn create(
        &mut self,
        now: Duration,
        id: EnvId,
        stream: String,
        init_type: InitType,
    ) -> EnvKey {
        let serial = self.next_serial;
        self.next_serial += 1;
        let env = Env {
            id,
            stream,
            serial,
            init_type,
            phase: Phase::Initializing,
            slots: self.limits.slots_per_env,
            in_flight: 0,
            invocations: 0,
            born: now,
            last_used: now,
            reclaim_at: None,
            reclaim_armed: false,
            unreported_init_ms: None,
            memory_used_mb: None,
            needs_init: false,
            retry_init_ms: None,
            retire: false,
        };
        self.live += 1;
        if let Some(key) = self.free_keys.pop() {
            self.envs[key] = Some(env);
            key
        } else {
            self.envs.push(Some(env));
            self.envs.len() - 1
        }
    }

    fn set_for(&mut self, provisioned: bool) -> &mut BTreeSet<(Duration, EnvKey)> {
        if provisioned {
            &mut self.available_provisioned
        } else {
            &mut self.available_on_demand
        }
    }

    fn unlist(&mut self, key: EnvKey) {
        if let Some(e) = self.get(key) {
            let entry = (e.last_used, key);
            let provisioned = e.provisioned();
            self.set_for(provisioned).remove(&entry);
        }
    }

    fn list_if_free(&mut self, key: EnvKey) {
        if let Some(e) = self.get(key)
            && e.phase == Phase::Ready
            && e.in_flight < e.slots
        {
            let entry = (e.last_used, key);
            let provisioned = e.provisioned();
            self.set_for(provisioned).insert(entry);
        }
    }

    /// A request takes one slot of the environment.
    pub fn occupy(&mut self, key: EnvKey) {
        self.unlist(key);
        let Some(env) = self.get_mut(key) else { return };
        env.in_flight += 1;
        let provisioned = env.provisioned();
        self.in_flight += 1;
        if provisioned {
            self.provisioned_in_flight += 1;
        }
        self.list_if_free(key);
    }

    /// A request gives its slot back. Returns true when the environment became idle.
    pub fn vacate(&mut self, key: EnvKey, now: Duration) -> bool {
        self.unlist(key);
        let Some(env) = self.get_mut(key) else {
            return false;
        };
        if env.in_flight == 0 {
            return false;
        }
        env.in_flight -= 1;
        env.last_used = now;
        let idle = env.in_flight == 0 && env.phase == Phase::Ready;
        let provisioned = env.provisioned();
        self.in_flight -= 1;
        if provisioned {
            self.provisioned_in_flight -= 1;
        }
        self.list_if_free(key);
        idle
    }

    /// Init finished: the environment can take requests.
    pub fn ready(&mut self, key: EnvKey, now: Duration) {
        let Some(env) = self.get_mut(key) else { return };
        env.phase = Phase::Ready;
        env.last_used = now;
        self.list_if_free(key);
    }

    /// Removes an environment (reclaimed or destroyed), releasing whatever it held.
    pub fn remove(&mut self, key: EnvKey) -> Option<Env> {
        self.unlist(key);
        let env = self.envs.get_mut(key)?.take()?;
        self.in_flight -= env.in_flight;
        if env.provisioned() {
            self.provisioned_in_flight -= env.in_flight;
        }
        self.live -= 1;
        self.free_keys.push(key);
        Some(env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn pool(cap: u32, burst: u32, placement: Placement) -> Pool {
        Pool::new(
            Limits {
                cap,
                cap_reason: ThrottleReason::AccountConcurrency,
                placement,
                slots_per_env: 1,
            },
            TokenBucket::new(burst, 100.0, ms(0)),
        )
    }

    fn new_ready(p: &mut Pool, now: Duration, init_type: InitType) -> EnvKey {
        let n = p.live();
        let key = p.create(now, EnvId(format!("e{n}")), String::new(), init_type);
        p.ready(key, now);
        key
    }

    #[test]
    fn busy_environment_is_not_offered_and_idle_one_is() {
        let mut p = pool(10, 10, Placement::MostRecent);
        assert_eq!(p.admit(ms(0)), Ok(Admission::New));
        let k = new_ready(&mut p, ms(0), InitType::OnDemand);
        p.occupy(k);
        assert_eq!(
            p.admit(ms(1)),
            Ok(Admission::New),
            "busy: a second env is needed"
        );
        assert!(p.vacate(k, ms(2)));
        assert_eq!(p.admit(ms(3)), Ok(Admission::Existing(k)));
        assert_eq!(p.in_flight(), 0);
    }

    #[test]
    fn placement_policies_pick_most_or_least_recent() {
        for (placement, expect_newest) in [
            (Placement::MostRecent, true),
            (Placement::LeastRecent, false),
        ] {
            let mut p = pool(10, 10, placement);
            let a = new_ready(&mut p, ms(0), InitType::OnDemand);
            let b = new_ready(&mut p, ms(0), InitType::OnDemand);
            p.occupy(a);
            p.occupy(b);
            p.vacate(a, ms(5));
            p.vacate(b, ms(9));
            let want = if expect_newest { b } else { a };
            assert_eq!(
                p.admit(ms(10)),
                Ok(Admission::Existing(want)),
                "{placement:?}"
            );
        }
    }

    #[test]
    fn provisioned_environments_are_offered_first() {
        let mut p = pool(10, 10, Placement::MostRecent);
        let _od = new_ready(&mut p, ms(9), InitType::OnDemand);
        let pc = new_ready(&mut p, ms(0), InitType::ProvisionedConcurrency);
        assert_eq!(p.admit(ms(10)), Ok(Admission::Existing(pc)));
        p.occupy(pc);
        assert_eq!(p.provisioned_in_flight(), 1);
    }

    #[test]
    fn cap_and_scaling_rate_throttle() {
        let mut p = pool(2, 10, Placement::MostRecent);
        for _ in 0..2 {
            assert_eq!(p.admit(ms(0)), Ok(Admission::New));
            let k = p.create(ms(0), EnvId("x".into()), String::new(), InitType::OnDemand);
            p.occupy(k);
        }
        assert_eq!(p.admit(ms(0)), Err(ThrottleReason::AccountConcurrency));

        let mut p = pool(100, 3, Placement::MostRecent);
        let admitted = (0..5).filter(|_| p.admit(ms(0)).is_ok()).count();
        assert_eq!(admitted, 3);
        assert_eq!(p.admit(ms(0)), Err(ThrottleReason::ScalingRate));
        // 100 per second refill: 10 ms later one more.
        assert_eq!(p.admit(ms(10)), Ok(Admission::New));
    }

    #[test]
    fn removal_releases_slots_and_keys_are_reused_with_new_serials() {
        let mut p = pool(10, 10, Placement::MostRecent);
        let k = new_ready(&mut p, ms(0), InitType::OnDemand);
        let serial = p.get(k).unwrap().serial;
        p.occupy(k);
        p.remove(k);
        assert_eq!(p.in_flight(), 0);
        assert_eq!(p.live(), 0);
        let k2 = new_ready(&mut p, ms(1), InitType::OnDemand);
        assert_eq!(k2, k);
        assert!(p.get_current(k, serial).is_none());
    }

    #[test]
    fn several_slots_share_one_environment() {
        let mut p = Pool::new(
            Limits {
                cap: 100,
                cap_reason: ThrottleReason::AccountConcurrency,
                placement: Placement::MostRecent,
                slots_per_env: 3,
            },
            TokenBucket::new(10, 1.0, ms(0)),
        );
        let k = new_ready(&mut p, ms(0), InitType::OnDemand);
        for _ in 0..3 {
            assert_eq!(p.admit(ms(0)), Ok(Admission::Existing(k)));
            p.occupy(k);
        }
        assert_eq!(p.admit(ms(0)), Ok(Admission::New));
        assert!(!p.vacate(k, ms(1)));
        assert_eq!(p.admit(ms(1)), Ok(Admission::Existing(k)));
    }
}
