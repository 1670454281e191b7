//! The memory bound every search phase respects, and the stop flag a signal handler sets.
//!
//! The bound is measured, not estimated: the process's resident set from `/proc/self/statm`,
//! plus whatever a phase is *about* to allocate in one piece (a hash table doubling, a graph
//! array), so that a single growth step cannot carry the process past the limit between two
//! readings. A search that reaches the bound stops cleanly and reports what it decided.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

/// Fraction of physical memory used as the default limit: 80 %.
pub const DEFAULT_FRACTION_PERCENT: u64 = 80;

/// Limit used when physical memory cannot be read (not Linux): 4 GiB.
const FALLBACK_LIMIT: u64 = 4 << 30;

/// Bytes per page assumed by `/proc/self/statm` readings (Linux reports pages of this size on
/// every architecture we build for).
const PAGE: u64 = 4096;

/// The process's resident set size in bytes (`/proc/self/statm`, second field), or `None`
/// where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * PAGE)
}

/// The process's peak resident set size in bytes (`VmHWM` of `/proc/self/status`: the figure
/// `/usr/bin/time -v` reports as maximum resident set size), or `None` where it cannot be read.
pub fn peak_resident_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Physical memory in bytes (`MemTotal` of `/proc/meminfo`), or `None` where it cannot be read.
pub fn physical_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fraction of an address-space limit (`ulimit -v`) used as the resident bound under it: 60 %
/// (the address space also holds the allocator's reservations, thread stacks and the binary).
pub const ADDRESS_SPACE_FRACTION_PERCENT: u64 = 60;

/// The process's address-space limit (`RLIMIT_AS`) in bytes, or `None` when unlimited.
pub fn address_space_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// The default limit: [`DEFAULT_FRACTION_PERCENT`] of physical memory (4 GiB if unknown), and
/// under an address-space limit at most [`ADDRESS_SPACE_FRACTION_PERCENT`] of it, so a check
/// run under `ulimit -v` stops by itself before an allocation fails.
pub fn default_limit() -> u64 {
    let physical = physical_bytes().map_or(FALLBACK_LIMIT, |p| p / 100 * DEFAULT_FRACTION_PERCENT);
    address_space_limit().map_or(physical, |a| {
        physical.min(a / 100 * ADDRESS_SPACE_FRACTION_PERCENT)
    })
}

/// Parses a size such as `1G`, `512M`, `800K`, `1.5G` or a plain byte count (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, mul) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = t[i..].to_ascii_lowercase();
            let mul: u64 = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => {
                    return Err(format!(
                        "unknown size unit {:?} in {text:?} (use K, M, G or T)",
                        &t[i..]
                    ))
                }
            };
            (&t[..i], mul)
        }
        None => (t, 1),
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a size (examples: 1G, 512M, 1073741824)"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("size {text:?} must be positive"));
    }
    Ok((value * mul as f64) as u64)
}

/// A shared request to stop, set by a signal handler (Ctrl-C) or by a caller; every search
/// polls it and stops cleanly with [`crate::engine::Stop::Interrupted`].
#[derive(Clone, Debug, Default)]
pub struct StopFlag {
    flag: Arc<AtomicBool>,
    /// Also set by SIGINT and SIGTERM ([`StopFlag::on_signals`]).
    signals: bool,
}

/// The last stop signal received (0: none), written by [`on_signal`].
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The handler of SIGINT and SIGTERM: one atomic store (async-signal-safe).
extern "C" fn on_signal(signal: libc::c_int) {
    SIGNAL.store(signal, Ordering::Relaxed);
}

impl StopFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// A flag that SIGINT (Ctrl-C) and SIGTERM also set: installs their handlers (for the
    /// whole process, once is enough), so that a signal stops the search cleanly instead of
    /// killing the process. Where a handler cannot be installed the signal keeps its default.
    pub fn on_signals() -> Self {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe; the
            // sigaction struct is zeroed and then filled as sigaction(2) requires.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
        StopFlag {
            flag: Arc::default(),
            signals: true,
        }
    }
    /// The stop signal received, if any (2 for SIGINT, 15 for SIGTERM): exit with 128 + it.
    pub fn signal() -> Option<i32> {
        Some(SIGNAL.load(Ordering::Relaxed)).filter(|&s| s != 0)
    }
    /// Asks every search holding this flag to stop. Async-signal-safe (one atomic store).
    pub fn set(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
    /// Whether a stop was asked for.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || (self.signals && Self::signal().is_some())
    }
    /// The flag itself, for a signal handler that needs a `'static` atomic.
    pub fn as_atomic(&self) -> &Arc<AtomicBool> {
        &self.flag
    }
}

/// The memory bound: a limit in bytes and the highest resident figure seen so far.
#[derive(Clone, Debug)]
pub struct MemoryBound {
    limit: u64,
    peak: Arc<AtomicU64>,
}

impl Default for MemoryBound {
    fn default() -> Self {
        Self::new(default_limit())
    }
}

impl MemoryBound {
    /// A bound of `limit` bytes of resident memory (range: any positive size; a limit below
    /// the process's current resident set stops a search at its first check).
    pub fn new(limit: u64) -> Self {
        MemoryBound {
            limit,
            peak: Arc::new(AtomicU64::new(0)),
        }
    }
    /// The limit in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }
    /// The highest resident set size seen by [`Self::allows`] (bytes).
    pub fn peak_seen(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
    /// Whether the process may allocate `extra` more bytes now: resident + `extra` ≤ limit.
    /// Where resident memory cannot be read, only `extra` is compared with the limit.
    pub fn allows(&self, extra: u64) -> bool {
        let resident = resident_bytes().unwrap_or(0);
        self.peak.fetch_max(resident, Ordering::Relaxed);
        resident.saturating_add(extra) <= self.limit
    }
    /// The resident set size now (0 where it cannot be read).
    pub fn resident(&self) -> u64 {
        resident_bytes().unwrap_or(0)
    }
    /// The peak resident set size so far (bytes): the kernel's high-water mark (`VmHWM`, what
    /// `/usr/bin/time -v` reports), which also counts growth between two readings of
    /// [`Self::allows`]; at least the highest reading and the resident size now.
    pub fn peak(&self) -> u64 {
        let sampled = self.peak_seen().max(self.resident());
        peak_resident_bytes().map_or(sampled, |hwm| hwm.max(sampled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units_and_bad_ones_are_named() {
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("12 parsecs").unwrap_err().contains("unit"));
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("G").is_err());
    }

    #[test]
    fn resident_memory_is_read_and_a_tiny_bound_refuses() {
        let r = resident_bytes().expect("Linux /proc");
        assert!(r > 0);
        assert!(!MemoryBound::new(1).allows(0));
        assert!(MemoryBound::new(u64::MAX / 2).allows(1 << 20));
    }

    /// Memory taken and given back between two readings still counts in the reported peak
    /// (before, a search's report read only its own samples and undercounted `time -v` by a
    /// third on `--clients 3 --versions 3 --max-workers 3`).
    #[test]
    fn the_peak_counts_growth_between_readings() {
        let bound = MemoryBound::new(u64::MAX / 2);
        let size = 256 << 20;
        let block = vec![1u8; size];
        assert_eq!(
            block
                .iter()
                .step_by(4096)
                .map(|&b| b as usize)
                .sum::<usize>(),
            size / 4096
        );
        drop(block);
        assert_eq!(bound.peak_seen(), 0, "no reading was taken");
        assert!(
            bound.peak() >= size as u64,
            "peak {} < {size}",
            bound.peak()
        );
    }
}
