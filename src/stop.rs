//! The signals that end thaw the way `q` or Ctrl-C does, so every way out runs the same
//! shutdown: the terminal restored, handler processes killed, the recording flushed.
//! SIGHUP is one of them: closing the terminal window must not leave handler processes
//! running (each has its own process group, so the hangup never reaches them).

/// Signal handlers installed when made (not on first poll, or a signal in between
/// would kill the process the default way).
pub struct StopSignals {
    #[cfg(unix)]
    listening: Vec<(&'static str, tokio::signal::unix::Signal)>,
    #[cfg(not(unix))]
    interrupt: bool,
}

impl StopSignals {
    /// SIGTERM and SIGHUP, and SIGINT if `interrupt` (on the screen, Ctrl-C is a key).
    pub fn new(interrupt: bool) -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let kinds = [
                ("SIGINT", SignalKind::interrupt()),
                ("SIGTERM", SignalKind::terminate()),
                ("SIGHUP", SignalKind::hangup()),
            ];
            Self {
                listening: kinds
                    .into_iter()
                    .filter(|(name, _)| interrupt || *name != "SIGINT")
                    .filter_map(|(name, kind)| Some((name, signal(kind).ok()?)))
                    .collect(),
            }
        }
        #[cfg(not(unix))]
        Self { interrupt }
    }

    /// Resolves with the name of the next stop signal; never, if none could be installed.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            if self.listening.is_empty() {
                return std::future::pending().await;
            }
            let waits = self.listening.iter_mut().map(|(name, s)| {
                Box::pin(async move {
                    s.recv().await;
                    *name
                })
            });
            futures_util::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        {
            if self.interrupt && tokio::signal::ctrl_c().await.is_ok() {
                return "Ctrl-C";
            }
            std::future::pending().await
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::StopSignals;
    use nix::sys::signal::{Signal, raise};

    #[tokio::test]
    async fn a_hangup_or_terminate_is_named_and_interrupt_only_when_asked() {
        let mut stop = StopSignals::new(false);
        assert_eq!(stop.listening.len(), 2, "SIGTERM and SIGHUP");
        raise(Signal::SIGHUP).unwrap();
        assert_eq!(stop.next().await, "SIGHUP");
        raise(Signal::SIGTERM).unwrap();
        assert_eq!(stop.next().await, "SIGTERM");
        let mut stop = StopSignals::new(true);
        raise(Signal::SIGINT).unwrap();
        assert_eq!(stop.next().await, "SIGINT");
    }
}
