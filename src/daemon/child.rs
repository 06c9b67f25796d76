//! Child processes (`crm_ticket`, the before-acquire-handler) that never stall the loop:
//! started without waiting, their stdout drained when readable, reaped after SIGCHLD,
//! killed at their deadline (C runs `crm_ticket` synchronously with no timeout, §3.7).

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdout, Stdio};
use std::time::Instant;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// What to start.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub program: OsString,
    /// argv[0] as the program should see it (C passes the handler's configured path,
    /// even in directory mode); `None` = the program path.
    pub arg0: Option<OsString>,
    pub args: Vec<OsString>,
    /// Added to the inherited environment.
    pub env: Vec<(OsString, OsString)>,
    pub stdin: Option<&'static [u8]>,
    pub capture_stdout: bool,
    /// Send stderr to /dev/null (C silences the `crm_ticket` probe so).
    pub quiet_stderr: bool,
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    Signalled(i32),
    /// Killed by us at its deadline.
    TimedOut,
    /// Could not be started (exec failure of the program itself shows as exit 127 in C,
    /// which ran it through a shell; we report the OS error).
    SpawnFailed(String),
}

impl Outcome {
    pub fn success(&self) -> bool {
        *self == Outcome::Exited(0)
    }

    /// The exit code as C's callers see it: `Some(code)` for a normal exit.
    pub fn code(&self) -> Option<i32> {
        match self {
            Outcome::Exited(c) => Some(*c),
            _ => None,
        }
    }
}

/// A finished child with its tag and captured stdout.
#[derive(Debug)]
pub struct Finished<T> {
    pub tag: T,
    pub outcome: Outcome,
    pub stdout: Vec<u8>,
}

struct Running<T> {
    tag: T,
    child: Child,
    stdout: Option<ChildStdout>,
    out: Vec<u8>,
    deadline: Instant,
    killed: bool,
}

/// The set of running children, each carrying the caller's tag.
pub struct Children<T> {
    running: Vec<Running<T>>,
    /// Bound on captured stdout per child; `crm_ticket -q` of a ticket is a few hundred
    /// bytes, a runaway child must not grow the daemon.
    pub max_stdout: usize,
}

impl<T> Default for Children<T> {
    fn default() -> Self {
        Children {
            running: Vec::new(),
            max_stdout: 1 << 20,
        }
    }
}

impl<T> Children<T> {
    pub fn len(&self) -> usize {
        self.running.len()
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts `spec` in its own process group (so a deadline kill takes its children
    /// too), with stdout captured or inherited and stderr inherited.
    pub fn spawn(&mut self, spec: &Spec, deadline: Instant, tag: T) -> Result<(), (T, Outcome)> {
        let mut cmd = std::process::Command::new(&spec.program);
        if let Some(a0) = &spec.arg0 {
            cmd.arg0(a0);
        }
        cmd.args(&spec.args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .process_group(0)
            .stdin(if spec.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(if spec.capture_stdout {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .stderr(if spec.quiet_stderr {
                Stdio::null()
            } else {
                Stdio::inherit()
            });
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return Err((tag, Outcome::SpawnFailed(e.to_string()))),
        };
        if let (Some(bytes), Some(mut stdin)) = (spec.stdin, child.stdin.take()) {
            // A few bytes into an empty pipe: cannot block.
            let _ = stdin.write_all(bytes);
        }
        let stdout = child.stdout.take();
        if let Some(s) = &stdout {
            let _ = set_nonblocking(s.as_raw_fd());
        }
        self.running.push(Running {
            tag,
            child,
            stdout,
            out: Vec::new(),
            deadline,
            killed: false,
        });
        Ok(())
    }

    /// The stdout pipes to watch for readability.
    pub fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.running
            .iter()
            .filter_map(|r| r.stdout.as_ref().map(AsRawFd::as_raw_fd))
    }

    /// Drains whatever the child on `fd` has written.
    pub fn read_ready(&mut self, fd: RawFd) {
        let max = self.max_stdout;
        for r in &mut self.running {
            if r.stdout.as_ref().map(AsRawFd::as_raw_fd) == Some(fd) {
                drain(r, max);
            }
        }
    }

    /// The earliest deadline of a running child.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.running
            .iter()
            .filter(|r| !r.killed)
            .map(|r| r.deadline)
            .min()
    }

    /// Kills overdue children and collects every one that has ended.
    pub fn reap(&mut self, now: Instant) -> Vec<Finished<T>> {
        let mut done = Vec::new();
        let max = self.max_stdout;
        let mut i = 0;
        while i < self.running.len() {
            let r = &mut self.running[i];
            if !r.killed && now >= r.deadline {
                r.killed = true;
                kill_group(&r.child);
            }
            match r.child.try_wait() {
                Ok(Some(status)) => {
                    drain(r, max);
                    let r = self.running.swap_remove(i);
                    let outcome = if r.killed {
                        Outcome::TimedOut
                    } else if let Some(c) = status.code() {
                        Outcome::Exited(c)
                    } else {
                        Outcome::Signalled(status.signal().unwrap_or(0))
                    };
                    done.push(Finished {
                        tag: r.tag,
                        outcome,
                        stdout: r.out,
                    });
                }
                Ok(None) => i += 1,
                Err(_) => {
                    let r = self.running.swap_remove(i);
                    done.push(Finished {
                        tag: r.tag,
                        outcome: Outcome::SpawnFailed("wait failed".into()),
                        stdout: r.out,
                    });
                }
            }
        }
        done
    }

    /// Terminates the children whose tag matches (a handler whose ticket was reset: C
    /// sends SIGTERM and ignores the result, §4.1). They are still reaped later.
    pub fn terminate_where(&mut self, mut pred: impl FnMut(&T) -> bool) {
        for r in self.running.iter_mut().filter(|r| pred(&r.tag)) {
            if let Ok(pid) = i32::try_from(r.child.id()) {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
            }
        }
    }

    /// Kills every child (daemon exit).
    pub fn kill_all(&mut self) {
        for r in &mut self.running {
            kill_group(&r.child);
            let _ = r.child.wait();
        }
        self.running.clear();
    }
}

fn kill_group(child: &Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

fn drain<T>(r: &mut Running<T>, max: usize) {
    let Some(s) = r.stdout.as_mut() else { return };
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => {
                r.stdout = None;
                return;
            }
            Ok(n) => {
                let room = max.saturating_sub(r.out.len());
                r.out.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

fn set_nonblocking(fd: RawFd) -> nix::Result<()> {
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sh(script: &str, capture: bool) -> Spec {
        Spec {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            capture_stdout: capture,
            ..Spec::default()
        }
    }

    /// Drives reap until every child is done or 5 s pass.
    fn wait_all(c: &mut Children<u32>) -> Vec<Finished<u32>> {
        let start = Instant::now();
        let mut all = Vec::new();
        while !c.is_empty() && start.elapsed() < Duration::from_secs(5) {
            let fds: Vec<RawFd> = c.fds().collect();
            for fd in fds {
                c.read_ready(fd);
            }
            all.extend(c.reap(Instant::now()));
            std::thread::sleep(Duration::from_millis(5));
        }
        all.sort_by_key(|f| f.tag);
        all
    }

    #[test]
    fn exit_codes_stdout_and_stdin_are_reported() {
        let mut c = Children::default();
        let far = Instant::now() + Duration::from_secs(30);
        c.spawn(&sh("echo hello; exit 4", true), far, 1)
            .expect("spawn");
        let mut s = sh("read a; test \"$a\" = n", false);
        s.stdin = Some(b"n\n");
        c.spawn(&s, far, 2).expect("spawn");
        c.spawn(&sh("kill -USR1 $$", false), far, 3).expect("spawn");
        let done = wait_all(&mut c);
        assert_eq!(done.len(), 3);
        assert_eq!(done[0].outcome, Outcome::Exited(4));
        assert_eq!(done[0].stdout, b"hello\n");
        assert!(done[1].outcome.success());
        assert_eq!(done[2].outcome, Outcome::Signalled(10));
    }

    #[test]
    fn a_hung_child_is_killed_at_its_deadline_with_its_children() {
        // surface.md §3.7 (Q11): a hanging crm_ticket must not stall the daemon.
        let mut c = Children::default();
        let soon = Instant::now() + Duration::from_millis(50);
        c.spawn(&sh("sleep 60 & sleep 60", false), soon, 7)
            .expect("spawn");
        assert_eq!(c.next_deadline(), Some(soon));
        let t0 = Instant::now();
        let done = wait_all(&mut c);
        assert!(t0.elapsed() < Duration::from_secs(4));
        assert_eq!(done[0].outcome, Outcome::TimedOut);
        assert_eq!(c.next_deadline(), None);
    }

    #[test]
    fn missing_program_is_a_spawn_failure_not_a_panic() {
        let mut c: Children<u32> = Children::default();
        let spec = Spec {
            program: "/nonexistent/crm_ticket".into(),
            ..Spec::default()
        };
        let err = c.spawn(&spec, Instant::now(), 9).expect_err("cannot start");
        assert_eq!(err.0, 9);
        assert!(matches!(err.1, Outcome::SpawnFailed(_)));
    }

    #[test]
    fn captured_stdout_is_bounded() {
        let mut c = Children {
            max_stdout: 1000,
            ..Children::default()
        };
        let far = Instant::now() + Duration::from_secs(30);
        c.spawn(&sh("head -c 100000 /dev/zero", true), far, 1)
            .expect("spawn");
        let done = wait_all(&mut c);
        assert_eq!(done[0].stdout.len(), 1000);
        assert!(done[0].outcome.success());
    }

    #[test]
    fn arg0_and_env_reach_the_child() {
        // surface.md §4.1: handlers get argv[0] as configured and BOOTH_* variables.
        let mut c = Children::default();
        let spec = Spec {
            program: "/bin/sh".into(),
            arg0: Some("my-handler".into()),
            args: vec!["-c".into(), "echo \"$0 $BOOTH_TICKET\"".into()],
            env: vec![("BOOTH_TICKET".into(), "tkH".into())],
            capture_stdout: true,
            ..Spec::default()
        };
        c.spawn(&spec, Instant::now() + Duration::from_secs(30), 1)
            .expect("spawn");
        let done = wait_all(&mut c);
        assert_eq!(String::from_utf8_lossy(&done[0].stdout), "my-handler tkH\n");
    }
}
