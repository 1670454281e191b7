//! Stopping a capture cleanly on SIGINT (Ctrl-C), SIGTERM (`timeout`, `kill`) or SIGHUP (a
//! closed terminal).
//!
//! The handler only records the signal ([`received`]). Every wait of the harness looks at it
//! at least every 250 ms (the step runner between polls, DevTools and BiDi calls, WebDriver
//! requests, the wait for a browser's address), so a capture that is asked to stop returns
//! [`CaptureError::Interrupted`](super::CaptureError::Interrupted) from where it is; the usual
//! paths then kill the browser's process group, write the partial trace and remove the scratch
//! folder, and the CLI exits with 128 + the signal (130, 143, 129).

use std::sync::atomic::{AtomicI32, Ordering};

/// The first stop signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The signals that stop a capture.
pub const STOP_SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(sig: libc::c_int) {
    // Async-signal-safe: one atomic store; a second signal keeps the first.
    let _ = SIGNAL.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// Installs the handler for [`STOP_SIGNALS`] (for the whole process).
pub fn install() -> Result<(), String> {
    for sig in STOP_SIGNALS {
        // SAFETY: a zeroed sigaction with a handler that only stores to an atomic, installed
        // with sigaction(2); SA_RESTART keeps interrupted system calls going (the waits poll).
        let rc = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut())
        };
        if rc != 0 {
            return Err(format!(
                "cannot handle {}: {}",
                name(sig),
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

/// The stop signal received, if one was.
pub fn received() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// A signal's name (`SIGINT`).
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// The exit status of a command stopped by `sig`: 128 + its number, as a shell reports it.
pub fn exit_code(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(255)
}
