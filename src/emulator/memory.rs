//! The peak memory of a handler process and its children, for `Max Memory Used` in the
//! REPORT line: Lambda reports the high-water mark of the environment's memory, so this
//! sums each process's resident high-water mark (`VmHWM`) over the process tree, from
//! `/proc`. Where that cannot be read (not Linux, the process gone) the runtime preset's
//! figure stays.

/// Processes read at most: a runtime with more children than this is cut short.
const MAX_PROCESSES: usize = 64;

/// A process tree whose peak is read at every answer. The list of its processes is
/// walked again at most every [`RELIST_EVERY`] (finding children means reading every
/// thread's `children`, most of the cost); each listed process's high-water mark is
/// read every time, so the figure is always current for the processes it knows.
#[derive(Debug)]
pub struct Tree {
    pid: u32,
    listed: Option<(std::time::Instant, Vec<u32>)>,
}

/// How long a tree's list of processes is trusted.
const RELIST_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

impl Tree {
    pub fn new(pid: u32) -> Self {
        Self { pid, listed: None }
    }

    /// Peak resident memory of the tree, MB; `None` when the root is gone.
    pub fn peak_mb(&mut self) -> Option<u32> {
        let fresh = self
            .listed
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < RELIST_EVERY);
        if !fresh {
            self.listed = Some((std::time::Instant::now(), descendants(self.pid)));
        }
        let root = hwm_of(self.pid)?;
        let others: u64 = self
            .listed
            .iter()
            .flat_map(|(_, pids)| pids)
            .filter_map(|p| hwm_of(*p))
            .sum();
        u32::try_from((root + others).div_ceil(1024)).ok()
    }
}

/// A process's own high-water mark, kB.
fn hwm_of(pid: u32) -> Option<u64> {
    vm_hwm_kb(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Every descendant of `pid` (at most [`MAX_PROCESSES`]).
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut pending = children(pid);
    while let Some(p) = pending.pop() {
        if found.len() + 1 >= MAX_PROCESSES {
            break;
        }
        found.push(p);
        pending.extend(children(p));
    }
    found
}

/// Peak resident memory of `pid` and its descendants, in MB (rounded up, as a hello-world
/// of a few kB still reports 1 MB).
pub fn peak_mb(pid: u32) -> Option<u32> {
    u32::try_from(peak_kb(pid)?.div_ceil(1024)).ok()
}

fn peak_kb(pid: u32) -> Option<u64> {
    let mut pending = vec![pid];
    let mut seen = 0;
    let mut total_kb = 0_u64;
    while let Some(p) = pending.pop() {
        if seen == MAX_PROCESSES {
            break;
        }
        seen += 1;
        let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) else {
            // The root must be readable; a child may have just exited.
            if p == pid {
                return None;
            }
            continue;
        };
        total_kb += vm_hwm_kb(&status).unwrap_or(0);
        pending.extend(children(p));
    }
    Some(total_kb)
}

/// `VmHWM:   12345 kB` from a `/proc/PID/status`.
fn vm_hwm_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let kb = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kb)
}

/// The children of every thread of `pid` (a runtime may fork from any thread).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|c| c.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_high_water_mark_is_read_from_proc_status() {
        let status =
            "Name:\tbootstrap\nVmPeak:\t  20000 kB\nVmHWM:\t    4321 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(vm_hwm_kb(status), Some(4321));
        assert_eq!(vm_hwm_kb("Name:\tx\n"), None);
        assert_eq!(vm_hwm_kb("VmHWM:\tlots kB\n"), None);
        assert_eq!(vm_hwm_kb("VmHWM:\t12 MB\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_and_its_children_are_summed() {
        // Two commands: the shell waits for `sleep` instead of becoming it.
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "sleep 5; true"])
            .spawn()
            .unwrap();
        let mut kids = Vec::new();
        for _ in 0..100 {
            kids = children(sh.id());
            if !kids.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let hwm = |pid: u32| {
            vm_hwm_kb(&std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap()).unwrap()
        };
        assert_eq!(kids.len(), 1, "sleep under sh");
        let total = peak_kb(sh.id()).unwrap();
        let (own, child) = (hwm(sh.id()), hwm(kids[0]));
        let tree_mb = Tree::new(sh.id()).peak_mb();
        let sleep = nix::unistd::Pid::from_raw(i32::try_from(kids[0]).unwrap());
        let _ = nix::sys::signal::kill(sleep, nix::sys::signal::Signal::SIGKILL);
        let _ = sh.kill();
        let _ = sh.wait();
        assert!(own > 0 && child > 0);
        assert_eq!(total, own + child);
        assert_eq!(
            tree_mb.map(u64::from),
            Some((own + child).div_ceil(1024)),
            "a tree reads the same"
        );
        assert_eq!(peak_mb(u32::MAX), None, "no such process");
    }
}
