//! Signals as events of the poll loop: blocked, then read from a signalfd, so no code
//! runs in a signal handler. Children start with an empty mask (std resets it at spawn).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// The signals the daemon acts on (surface.md §2.9): TERM, INT and HUP end it cleanly
/// (C dies on HUP without cleanup, quirk Q7), USR1 dumps tickets, CHLD reaps children.
pub const HANDLED: [Signal; 5] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGUSR1,
    Signal::SIGCHLD,
];

pub struct Signals {
    fd: SignalFd,
}

impl Signals {
    /// Blocks [`HANDLED`] for this (single-threaded) process and opens a signalfd on them.
    pub fn install() -> nix::Result<Signals> {
        let mut set = SigSet::empty();
        for s in HANDLED {
            set.add(s);
        }
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(Signals { fd })
    }

    /// The next pending signal, if any.
    pub fn pending(&mut self) -> Option<Signal> {
        loop {
            match self.fd.read_signal() {
                Ok(Some(info)) => {
                    let n = i32::try_from(info.ssi_signo).ok()?;
                    if let Ok(s) = Signal::try_from(n) {
                        return Some(s);
                    }
                }
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

impl AsRawFd for Signals {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
